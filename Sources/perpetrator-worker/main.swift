import ArgumentParser
import Contracts
import LotCLI
import LotKit
import Lots

/// Lot 4, Perpetrator Intervention's worker and its staff commands.
struct PerpetratorWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perpetrator-worker",
        abstract: "Perpetrator Intervention (Lot 4): programme referrals; partner support through the victim service.",
        subcommands: commonCommands(for: PerpetratorLot.self) + [PartnerSupportCommand.self])
}

/// `partner-support URC`: ask the victim service to support the partner of a man on the programme.
struct PartnerSupportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner-support", abstract: "Refer a man's partner to the victim service for support (this service never learns where she is).")
    @OptionGroup var worker: WorkerOptions<PerpetratorLot>
    @OptionGroup var staff: StaffOptions
    @Argument(help: "The man's URC.") var urc: String
    @Option(help: "The partner's given name.") var partnerGiven: String
    @Option(help: "The partner's family name.") var partnerFamily: String
    @Option(help: "The partner's URC, if another service gave one.") var partnerUrc: String?
    @Option(help: "Why she should be contacted (recorded as the lawful basis's justification).") var justification: String

    func run() throws {
        try guarded {
            let man = try parseURC(urc)
            let partner = try partnerUrc.map(parseURC)
            let name = PersonName(given: partnerGiven, family: partnerFamily)
            let staff = self.staff.staff
            let justification = self.justification
            let id = try worker.engine().perform("partner-support") { ctx in
                try PerpetratorLot().requestPartnerSupport(
                    for: man, partnerName: name, partnerURC: partner,
                    justification: justification, staff: staff, in: ctx)
            }
            print("partner-support referral \(id) to the victim service: queued for the gateway")
        }
    }
}

await runWorkerCommand(PerpetratorWorker.self)
