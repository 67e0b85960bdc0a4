import AMQP
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// The private broker that `scripts/test.sh` starts; its address comes from the environment it exports.
enum TestBroker {
    static func env(_ name: String) -> String { TestBrokerEnvironment.env(name) }

    static var url: String { env("REFGW_AMQP_URL") }
    static var configuration: AMQPConnectionConfiguration { try! AMQPConnectionConfiguration(url: url) }

    /// A name no other test uses, so tests can run in parallel on one broker.
    static func unique(_ prefix: String) -> String { "test.\(prefix).\(UUID().uuidString.prefix(8))" }

    /// A quorum queue with at-least-once dead-lettering into its own dead-letter queue.
    static func queueWithDeadLetters(
        _ prefix: String, deliveryLimit: Int? = nil
    )
        -> (topology: AMQPTopology, queue: String, deadLetters: String, exchange: String)
    {
        let exchange = unique("\(prefix).x")
        let dlx = unique("\(prefix).dlx")
        let queue = unique("\(prefix).q")
        let dlq = unique("\(prefix).dlq")
        let topology = AMQPTopology(
            exchanges: [.init(exchange), .init(dlx, kind: .fanout)],
            queues: [.reliable(queue, deadLetterExchange: dlx, deliveryLimit: deliveryLimit), .init(dlq)],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: queue), .init(queue: dlq, exchange: dlx, routingKey: "")])
        return (topology, queue, dlq, exchange)
    }

    /// Starts a second private node for a test that restarts or stops its broker.
    static func startPrivateNode(expiredCertificate: Bool = false) async throws -> (directory: URL, url: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-node-\(UUID().uuidString.prefix(6))")
        if expiredCertificate {
            try await run(env("REFGW_BROKER_SCRIPT"), "start", dir.path, "expired-certificate")
        } else {
            try await run(env("REFGW_BROKER_SCRIPT"), "start", dir.path)
        }
        let envText = try String(contentsOf: dir.appendingPathComponent("env"), encoding: .utf8)
        let line = envText.split(separator: "\n").first { $0.hasPrefix("export REFGW_AMQP_URL=") }!
        let url = line.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        return (dir, url)
    }

    /// Runs a bash script to completion; its output goes to the test's log.
    static func run(_ arguments: String...) async throws {
        let status = try await Subprocess.run(["/bin/bash"] + arguments, output: "/dev/stderr")
        if status != 0 { throw AMQPError.library("\(arguments.joined(separator: " ")) failed (status \(status))") }
    }

    /// Stops a private node without waiting (for `defer`), and removes its folder afterwards when asked;
    /// scripts/test.sh stops any node still running at the end.
    static func stopInBackground(_ node: URL, thenRemove: Bool = false) {
        let script = "bash \"$1\" stop \"$2\" > /dev/null 2>&1" + (thenRemove ? "; rm -rf \"$2\"" : "")
        try? Subprocess.runInBackground(["/bin/bash", "-c", script, "stop-node", env("REFGW_BROKER_SCRIPT"), node.path])
    }
}

func message(_ id: String, to exchange: String, key: String, body: String = "{}") -> OutgoingMessage {
    OutgoingMessage(
        exchange: exchange, routingKey: key,
        properties: AMQPProperties(contentType: "application/json", messageID: id),
        body: Data(body.utf8))
}
