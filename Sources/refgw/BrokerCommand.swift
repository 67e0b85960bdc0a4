import AMQP
import ArgumentParser
import Contracts
import Foundation
import Messaging

/// `refgw broker declare`: create the project's exchanges and queues on a broker.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Broker set-up.", subcommands: [Definitions.self, Declare.self, Queues.self])

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare refgw.submit, refgw.deliver, refgw.dlx, gateway.in, the inboxes and dead-letters.")
        @Option(help: "Broker URL (amqp[s]://user:password@host:port/vhost); default $REFGW_AMQP_URL.")
        var url: String?
        @Option(help: "Prefix of every name (tests and demos); default $REFGW_NAMESPACE, else none.") var namespace: String?

        func run() async throws {
            do {
                let configuration = try AMQPConnectionConfiguration(url: try brokerURL(url))
                let admin = try await AMQPAdminClient(configuration: configuration)
                try await admin.declare(topologyNames(namespace).topology())
                await admin.close()
                print("declared the ReferralGateway topology on \(configuration.redactedURL)")
            } catch let e as AMQPError {
                throw fail(e)
            }
        }
    }

    struct Definitions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the broker's definitions file (vhost, exchanges, queues, bindings, policies, users, permissions) from config/.",
            discussion: """
                Passwords come from $REFGW_BROKER_PASSWORD_<USER> (upper case, '-' as '_') or <passwords>/<user>.password; \
                only salted hashes go into the file. Load it at broker start with `definitions.local.path`.
                """)
        @OptionGroup var config: ConfigOptions
        @Option(help: "Folder of <user>.password files.") var passwords: String
        @Flag(help: "Create missing passwords (random, mode 600): development brokers only.") var createMissingPasswords = false
        @Flag(help: "Let names carry a test prefix (t1a2b3c.inbox.victim): development and test brokers only.") var testNamespaces = false
        @Option(help: "Where to write the file (default: standard output).") var output: String?

        func run() throws {
            do {
                let parties = try PartyDirectory(contentsOf: URL(fileURLWithPath: config.directory).appendingPathComponent("parties.json"))
                let folder = URL(fileURLWithPath: passwords)
                let create = createMissingPasswords
                let definitions = try BrokerDefinitions(parties: parties, testNamespaces: testNamespaces) { user in
                    let variable = "REFGW_BROKER_PASSWORD_" + user.uppercased().replacingOccurrences(of: "-", with: "_")
                    if let p = ProcessInfo.processInfo.environment[variable], !p.isEmpty { return p }
                    let file = folder.appendingPathComponent("\(user).password")
                    if let p = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !p.isEmpty { return p }
                    guard create else { throw fail("no password for broker user '\(user)': set \(variable) or write \(file.path)") }
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    let p = (0..<24).map { _ in "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement()! }.map(String.init)
                        .joined()
                    FileManager.default.createFile(atPath: file.path, contents: Data((p + "\n").utf8), attributes: [.posixPermissions: 0o600])
                    return p
                }
                let json = try definitions.json()
                if let output {
                    FileManager.default.createFile(atPath: output, contents: json, attributes: [.posixPermissions: 0o600])
                } else {
                    FileHandle.standardOutput.write(json)
                }
            } catch let e as ExitCode {
                throw e
            } catch {
                throw fail("\(error)")
            }
        }
    }

    struct Queues: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many messages wait in gateway.in, each inbox and dead-letters.")
        @Option(help: "Broker URL; default $REFGW_AMQP_URL.") var url: String?
        @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?

        func run() async throws {
            do {
                let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: try brokerURL(url)))
                for q in topologyNames(namespace).queueNames() {
                    print("\(q): \(try await admin.messageCount(q))")
                }
                await admin.close()
            } catch let e as AMQPError {
                throw fail(e)
            }
        }
    }
}

/// The topology's names with `--namespace` or `$REFGW_NAMESPACE` as prefix.
func topologyNames(_ option: String?) -> ReferralGatewayTopology {
    ReferralGatewayTopology(namespace: option ?? ProcessInfo.processInfo.environment["REFGW_NAMESPACE"] ?? "")
}

/// The broker URL from `--url` or `$REFGW_AMQP_URL`.
func brokerURL(_ option: String?) throws -> String {
    if let option { return option }
    if let env = ProcessInfo.processInfo.environment["REFGW_AMQP_URL"], !env.isEmpty { return env }
    throw fail("no broker URL: pass --url or set REFGW_AMQP_URL")
}
