import AMQP
import ArgumentParser
import CRabbitBaseline
import Foundation

/// Measures the AMQP module against plain rabbitmq-c on the same broker, queue type and settings, and prints
/// the figures; it asserts nothing (goals are read from its output, never enforced by a test).
@main
struct AMQPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp-bench",
        abstract: "Publish-with-confirms and consume+ack throughput on a persistent quorum queue.")

    @Option(help: "Broker URL (plain amqp); default $REFGW_AMQP_URL.") var url: String?
    @Option(help: "Messages per run.") var messages = 100_000
    @Option(help: "Body size in bytes.") var size = 1024
    @Option(help: "Unconfirmed messages in flight when publishing.") var window = 100
    @Option(help: "Unacknowledged deliveries when consuming.") var prefetch: UInt16 = 100
    @Flag(help: "Skip the plain rabbitmq-c baseline.") var noBaseline = false

    func run() async throws {
        guard let text = url ?? ProcessInfo.processInfo.environment["REFGW_AMQP_URL"] else {
            throw ValidationError("no broker URL: pass --url or set REFGW_AMQP_URL")
        }
        let c = try AMQPConnectionConfiguration(url: text)
        let admin = try await AMQPAdminClient(configuration: c)
        print("amqp-bench: \(messages) persistent messages of \(size) B, quorum queue, window \(window), prefetch \(prefetch)")

        var baseline: (Double, Double)?
        if !noBaseline {
            let q = try await freshQueue(admin)
            let p = refgw_baseline_publish(c.host, Int32(c.port), c.user, c.password, c.vhost, q, Int32(messages), Int32(size), Int32(window))
            let r = refgw_baseline_consume(c.host, Int32(c.port), c.user, c.password, c.vhost, q, Int32(messages), Int32(prefetch))
            try await admin.deleteQueue(q)
            guard p > 0, r > 0 else { throw ValidationError("the rabbitmq-c baseline failed (codes \(p), \(r))") }
            baseline = (p, r)
            print(String(format: "plain rabbitmq-c   publish+confirm %8.0f msg/s   consume+ack %8.0f msg/s", p, r))
        }

        let q = try await freshQueue(admin)
        let body = Data(repeating: UInt8(ascii: "x"), count: size)
        let batch = (0..<messages).map { i in
            OutgoingMessage(
                exchange: "", routingKey: q,
                properties: AMQPProperties(contentType: "application/json", messageID: "b-\(i)"), body: body)
        }
        let publisher = try await AMQPPublisher(configuration: c, options: .init(window: window))
        let t0 = ContinuousClock.now
        let results = await publisher.publish(batch)
        let publishSeconds = (ContinuousClock.now - t0).seconds
        await publisher.close()
        let failures = results.filter { if case .failure = $0 { return true } else { return false } }.count
        guard failures == 0 else { throw ValidationError("\(failures) publishes failed") }

        let consumer = try await AMQPConsumer(configuration: c, queue: q, options: .init(prefetch: prefetch))
        let t1 = ContinuousClock.now
        var n = 0
        for await d in consumer {
            d.ack()
            n += 1
            if n == messages { break }
        }
        let consumeSeconds = (ContinuousClock.now - t1).seconds
        await consumer.close()
        try await admin.deleteQueue(q)
        await admin.close()

        let p = Double(messages) / publishSeconds
        let r = Double(messages) / consumeSeconds
        print(String(format: "Swift AMQP module  publish+confirm %8.0f msg/s   consume+ack %8.0f msg/s", p, r))
        if let (bp, br) = baseline {
            print(String(format: "Swift / rabbitmq-c publish %5.1f %%                consume %5.1f %%", 100 * p / bp, 100 * r / br))
        }
    }

    private func freshQueue(_ admin: AMQPAdminClient) async throws -> String {
        let name = "bench.\(UUID().uuidString.prefix(8))"
        try await admin.declare(AMQPTopology(queues: [.init(name, kind: .quorum)]))
        return name
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
