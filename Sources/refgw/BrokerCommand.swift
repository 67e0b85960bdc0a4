import AMQP
import ArgumentParser
import Messaging

/// `refgw broker declare`: create the project's exchanges and queues on a broker.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Broker set-up.", subcommands: [Declare.self])

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare refgw.submit, refgw.deliver, refgw.dlx, gateway.in, the inboxes and dead-letters.")
        @Option(help: "Broker URL (amqp[s]://user:password@host:port/vhost); default $REFGW_AMQP_URL.")
        var url: String?

        func run() async throws {
            do {
                let configuration = try AMQPConnectionConfiguration(url: try brokerURL(url))
                let admin = try await AMQPAdminClient(configuration: configuration)
                try await admin.declare(ReferralGatewayTopology.standard.topology())
                await admin.close()
                print("declared the ReferralGateway topology on \(configuration.redactedURL)")
            } catch let e as AMQPError {
                throw fail(e)
            }
        }
    }
}

/// The broker URL from `--url` or `$REFGW_AMQP_URL`.
func brokerURL(_ option: String?) throws -> String {
    if let option { return option }
    if let env = ProcessInfo.processInfo.environment["REFGW_AMQP_URL"], !env.isEmpty { return env }
    throw fail("no broker URL: pass --url or set REFGW_AMQP_URL")
}

import Foundation
