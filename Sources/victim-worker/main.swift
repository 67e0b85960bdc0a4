import ArgumentParser
import Contracts
import Foundation
import LotCLI
import LotKit
import Lots

/// Lot 3, the Victim & Survivor Service's worker and its staff commands.
struct VictimWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "victim-worker", abstract: "Victim & Survivor Service (Lot 3): intake, DASH, MARAC and referrals.",
        subcommands: commonCommands(for: VictimLot.self) + [DashCommand.self, IncidentCommand.self])
}

/// `dash URC FILE`: a new DASH for a victim (answers by question number).
struct DashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dash",
        abstract: "Record a new DASH (JSON: {\"answers\": [{\"question\": 1, \"answer\": \"yes\"}, ...], \"professionalJudgement\": false}).")
    @OptionGroup var worker: WorkerOptions<VictimLot>
    @Argument(help: "The victim's URC.") var urc: String
    @Argument(help: "The DASH file.") var file: String

    struct File: Codable {
        var answers: [DashAnswer]
        var professionalJudgement: Bool?
    }

    func run() throws {
        try guarded {
            let victim = try parseURC(urc)
            let dash: File
            dash = try StrictForm.load(File.self, path: file, describing: "DASH file")
            let engine = try worker.engine()
            try engine.perform("dash") { ctx in
                try VictimLot().reassess(victim: victim, answers: dash.answers, professionalJudgement: dash.professionalJudgement ?? false, in: ctx)
            }
            print("DASH recorded for \(victim.canonical); `case \(victim.canonical)` shows what the rules did")
        }
    }
}

/// `incident URC --date`: a police-reported incident.
struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "incident", abstract: "Record a police-reported incident (may make a MARAC repeat).")
    @OptionGroup var worker: WorkerOptions<VictimLot>
    @Argument(help: "The victim's URC.") var urc: String
    @Option(help: "The incident's date (YYYY-MM-DD; default today).") var date: String?

    func run() throws {
        try guarded {
            let victim = try parseURC(urc)
            let day = try date.map(parseDate) ?? CalendarDate(Timestamp())
            let engine = try worker.engine()
            let decision = try engine.perform("incident") { ctx in try VictimLot().recordIncident(victim: victim, on: day, in: ctx) }
            print("incident of \(day) recorded for \(victim.canonical)")
            switch decision {
            case .referred: print("MARAC referral queued for the gateway; `case \(victim.canonical)` shows why")
            case .awaitingDash(let criteria):
                print(
                    "MARAC criteria met (\(criteria.map(\.rawValue).joined(separator: ", "))) but there is no DASH on file: "
                        + "complete one with her now (`dash \(victim.canonical) FILE`) and the referral goes with it")
            case .none: break
            }
        }
    }
}

await runWorkerCommand(VictimWorker.self)
