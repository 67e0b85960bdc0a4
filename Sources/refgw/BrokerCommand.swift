import AMQP
import ArgumentParser
import Messaging

/// `refgw broker declare`: create the project's exchanges and queues on a broker.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Broker set-up.", subcommands: [Declare.self, Queues.self])

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

import Foundation
