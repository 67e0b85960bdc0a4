import ArgumentParser
import LotCLI
import Lots

/// Lot 1, the Family Service's worker and its staff commands.
struct FamilyWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "family-worker", abstract: "Family Service (Lot 1): children's URCs, referrals to safe home and MARAC.",
        subcommands: commonCommands(for: FamilyLot.self))
}

await runWorkerCommand(FamilyWorker.self)
