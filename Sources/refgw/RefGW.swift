import ArgumentParser
import Foundation

/// The administrators' tool: URCs, the broker's topology, and a smoke run of the message path.
@main
struct RefGW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refgw",
        abstract: "ReferralGateway administration.",
        subcommands: [
            URCCommand.self, KeysCommand.self, BrokerCommand.self, PolicyCommand.self, PersonCommand.self, AuditCommand.self, SmokeCommand.self,
            DrillCommand.self, PurgeCommand.self, StatusCommand.self,
            DeadLetterCommand.self,
        ])
}

/// Options every command that reads `config/` shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The configuration folder.")
    var directory: String = "config"
}

/// Turns any error into one line on standard error and a failing exit code, never a stack trace.
func fail(_ message: CustomStringConvertible) -> ExitCode {
    var stderr = StandardError()
    print("refgw: \(message)", to: &stderr)
    return ExitCode.failure
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
