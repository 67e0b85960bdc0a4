import ArgumentParser
import LotCLI
import Lots

/// Lot 2, the Safe Home Service's worker and its staff commands.
struct SafeHomeWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safehome-worker", abstract: "Safe Home Service (Lot 2): housing referrals from family, victim and perpetrator services.",
        subcommands: commonCommands(for: SafeHomeLot.self))
}

await runWorkerCommand(SafeHomeWorker.self)
