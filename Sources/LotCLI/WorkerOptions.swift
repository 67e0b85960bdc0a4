import AMQP
import ArgumentParser
import Contracts
import Foundation
import LotKit
import Messaging

/// Where a worker finds its store, keys, trust file, configuration and broker; shared by every command.
public struct WorkerOptions<L: WorkerLot>: ParsableArguments {
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}

    /// The folder holding the store, keys and trust file; nil: `$REFGW_HOME`, else `var`.
    @Option(help: "Folder for worker state: <party>/<party>.sqlite, keys/<party>-dev.key, trust.json (default $REFGW_HOME, else var).")
    public var home: String?
    /// The store's path, when it is not the one under `--home`.
    @Option(help: "This service's SQLite store (default <home>/<party>/<party>.sqlite).") public var database: String?
    /// The folder with parties.json (issuer codes) and lots.yaml (rule thresholds); nil: `$REFGW_CONFIG`, else `config`.
    @Option(help: "Configuration folder: parties.json, lots.yaml (default $REFGW_CONFIG, else config).") public var config: String?
    /// The private key this service signs every message with, when it is not the one under `--home`.
    @Option(help: "This service's private signing key (default <home>/keys/<party>-dev.key).") public var key: String?
    /// The trust file with the gateway's public key, the only signer whose messages the worker accepts.
    @Option(help: "Trust file with the gateway's public key (default <home>/trust.json).") public var trust: String?
    /// The broker URL, with this service's broker user; nil: `$REFGW_AMQP_URL_<PARTY>`.
    @Option(help: "Broker URL (default $REFGW_AMQP_URL_<PARTY>).") public var url: String?
    /// A prefix for every exchange and queue name, so that tests and demos keep off the real topology.
    @Option(help: "Prefix of every broker name (tests and demos; default $REFGW_NAMESPACE, else none).") public var namespace: String?

    var env: [String: String] { ProcessInfo.processInfo.environment }
    /// The service this executable runs.
    var lot: L { L() }
    var party: PartyID { lot.party }
    var homeDirectory: String { home ?? env["REFGW_HOME"] ?? "var" }
    var configDirectory: URL { URL(fileURLWithPath: config ?? env["REFGW_CONFIG"] ?? "config") }
    var databasePath: String { database ?? "\(homeDirectory)/\(party)/\(party).sqlite" }
    var keyPath: String { key ?? "\(homeDirectory)/keys/\(party)-dev.key" }
    var trustPath: String { trust ?? "\(homeDirectory)/trust.json" }
    var topology: ReferralGatewayTopology { ReferralGatewayTopology(namespace: namespace ?? env["REFGW_NAMESPACE"] ?? "") }

    /// The service's rules on its store, which must exist unless `creating` (the `init` command): a mistyped
    /// `--home` would otherwise start an empty service beside the real one.
    public func engine(creating: Bool = false) throws -> LotEngine {
        if !creating, !FileManager.default.fileExists(atPath: databasePath) {
            let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "worker").lastPathComponent
            throw LotError.configuration(
                "there is no \(party) store at \(databasePath): create it with `\(executable) init`, or point --home (or $REFGW_HOME) at the folder that holds it"
            )
        }
        let settings = try LotSettings(contentsOf: configDirectory.appendingPathComponent("lots.yaml"))
        let parties: PartyDirectory
        do { parties = try PartyDirectory(contentsOf: configDirectory.appendingPathComponent("parties.json")) } catch {
            throw LotError.configuration("\(configDirectory.path)/parties.json: \(error)")
        }
        return try LotEngine(lot: lot, databasePath: databasePath, settings: settings, parties: parties)
    }

    func signer() throws -> MessageSigner {
        do { return try KeyFile.signer(contentsOf: URL(fileURLWithPath: keyPath)) } catch {
            throw LotError.configuration("\(error) (generate development keys with `refgw keys generate --party \(party)`)")
        }
    }

    func trustStore() throws -> TrustStore {
        do { return try TrustStore(contentsOf: URL(fileURLWithPath: trustPath)) } catch {
            throw LotError.configuration("trust file \(trustPath): \(error)")
        }
    }

    func connection() throws -> AMQPConnectionConfiguration {
        guard let text = url ?? env["REFGW_AMQP_URL_\(party.rawValue.uppercased())"] else {
            throw LotError.configuration("no broker URL: pass --url or set REFGW_AMQP_URL_\(party.rawValue.uppercased())")
        }
        do {
            var c = try AMQPConnectionConfiguration(url: text)
            if c.tls != nil, let ca = env["REFGW_CA_FILE"], c.tls?.caCertificatePath == nil { c.tls?.caCertificatePath = ca }
            return c
        } catch { throw LotError.configuration("broker URL: \(error)") }
    }
}

/// Runs a command body, turning an error a person can meet into one line on stderr and exit status 1.
public func guarded<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as LotError { throw report(e) }
}

/// Writes `error` as one line, prefixed with the executable's name, and gives the failing exit code.
func report(_ error: LotError) -> ExitCode {
    FileHandle.standardError.write(
        Data("\(CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "worker"): \(error)\n".utf8))
    return ExitCode.failure
}

/// A URC typed by a person: a wrong one is refused with the reason, before anything changes.
public func parseURC(_ text: String) throws -> URC {
    do { return try URC(parsing: text) } catch {
        throw LotError.badInput("'\(text)' is not a valid URC: \(error)")
    }
}

/// A date typed by a person (YYYY-MM-DD).
public func parseDate(_ text: String) throws -> CalendarDate {
    guard let d = CalendarDate(text) else { throw LotError.badInput("'\(text)' is not a date (YYYY-MM-DD)") }
    return d
}

/// A service on the gateway named by a person.
public func parseService(_ text: String) throws -> PartyID {
    guard let p = PartyID(rawValue: text), PartyID.services.contains(p) else {
        throw LotError.badInput("'\(text)' is not a service on the gateway (\(PartyID.services.map(\.rawValue).joined(separator: ", ")))")
    }
    return p
}

/// Staff named on the command line.
public struct StaffOptions: ParsableArguments {
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    /// Who is acting: named in the referral, consent or lawful-basis decision they make.
    @Option(help: "Name of the member of staff acting.") public var by: String
    /// The acting member of staff's job title (IDVA, Housing officer); Caseworker unless given.
    @Option(help: "Their role.") public var role: String = "Caseworker"
    /// The member of staff as messages name them: a referrer, who recorded a consent, who decided a lawful basis.
    public var staff: Staff { Staff(name: by, role: role) }
}

/// Parses the command line for `root` and runs the chosen command, async or not (what `AsyncParsableCommand.main`
/// does; called from each executable's top-level code, where Swift would pick the synchronous `main`). A mistake on
/// the command line is one line on stderr, like every other refusal, rather than the parser's usage screen.
public func runWorkerCommand(_ root: any ParsableCommand.Type) async {
    do {
        var command = try root.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        let code = root.exitCode(for: error)
        let message = root.message(for: error)
        // Help and version requests, and refusals already written by `report`, end as the parser ends them.
        guard code != .success, !message.isEmpty else { root.exit(withError: error) }
        let executable = root.configuration.commandName ?? "worker"
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
        let names = Set(root.configuration.subcommands.compactMap { $0.configuration.commandName })
        let hint =
            CommandLine.arguments.dropFirst().first(where: names.contains).map { "`\(executable) \($0) --help` shows its arguments" }
            ?? "`\(executable) --help` lists the commands"
        FileHandle.standardError.write(Data("\(executable): \(line) (\(hint))\n".utf8))
        exit(code.rawValue)
    }
}
