import AMQP
import Foundation
import TestSupport
import Testing

/// The broker restarted in the middle of a publishing run: the publisher reconnects, declares its topology
/// again and sends what was not confirmed; every confirmed message is still there afterwards.
@Suite(.needsBroker, .serialized) struct BrokerRestartTests {
    @Test func publisherSurvivesABrokerRestart() async throws {
        let node = try await TestBroker.startPrivateNode()
        defer { TestBroker.stopInBackground(node.directory) }
        let configuration = try AMQPConnectionConfiguration(url: node.url)
        let t = TestBroker.queueWithDeadLetters("restart")
        let publisher = try await AMQPPublisher(
            configuration: configuration, topology: t.topology,
            options: .init(window: 100, confirmTimeout: 90, reconnect: .init(initialDelay: 0.1, maximumDelay: 1)))

        let total = 3_000
        var confirmed = Set<String>()
        var failed = 0
        var restart: Task<Void, any Error>?
        for batchStart in stride(from: 0, to: total, by: 100) {
            let batch = (batchStart..<batchStart + 100).map { message("r-\($0)", to: t.exchange, key: t.queue) }
            let results = await publisher.publish(batch)
            for (m, r) in zip(batch, results) {
                if case .success = r { confirmed.insert(m.properties.messageID!) } else { failed += 1 }
            }
            if batchStart == 1_000 {
                restart = Task.detached {
                    try await TestBroker.run(TestBroker.env("REFGW_BROKER_SCRIPT"), "restart", node.directory.path)
                }
                // Keep publishing while the node goes down and comes back.
            }
        }
        try await restart?.value
        await publisher.close()
        #expect(failed == 0, "with a 90 s confirm timeout every message is confirmed after the reconnect")

        // Every confirmed message survived (duplicates are allowed: at least once).
        let consumer = try await AMQPConsumer(configuration: configuration, queue: t.queue, topology: t.topology)
        let expected = confirmed
        let drain = Task { () -> Set<String> in
            var received = Set<String>()
            for await d in consumer {
                received.insert(d.properties.messageID ?? "")
                d.ack()
                if received.isSuperset(of: expected) { break }
            }
            return received
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(30))
            await consumer.stopReceiving()
        }
        let got = await drain.value
        timeout.cancel()
        await consumer.close()
        #expect(confirmed.count == total)
        #expect(confirmed.subtracting(got).isEmpty, "lost \(confirmed.subtracting(got).count) confirmed messages")
    }

    @Test func consumerSurvivesABrokerRestart() async throws {
        let node = try await TestBroker.startPrivateNode()
        defer { TestBroker.stopInBackground(node.directory) }
        let configuration = try AMQPConnectionConfiguration(url: node.url)
        let t = TestBroker.queueWithDeadLetters("consumer-restart")
        let fast = AMQPReconnectPolicy(initialDelay: 0.1, maximumDelay: 1)
        let consumer = try await AMQPConsumer(
            configuration: configuration, queue: t.queue, topology: t.topology,
            options: .init(prefetch: 10, reconnect: fast))
        let received = Task { () -> Set<String> in
            var ids = Set<String>()
            for await d in consumer {
                ids.insert(d.properties.messageID ?? "")
                d.ack()
                if ids.count == 200 { break }
            }
            return ids
        }
        let publisher = try await AMQPPublisher(
            configuration: configuration, topology: t.topology,
            options: .init(confirmTimeout: 90, reconnect: fast))
        _ = await publisher.publish((0..<100).map { message("before-\($0)", to: t.exchange, key: t.queue) })
        try await TestBroker.run(TestBroker.env("REFGW_BROKER_SCRIPT"), "restart", node.directory.path)
        // Published after the restart: only a consumer that reconnected and subscribed again can see these.
        let after = await publisher.publish((0..<100).map { message("after-\($0)", to: t.exchange, key: t.queue) })
        #expect(after.allSatisfy { (try? $0.get()) != nil })
        await publisher.close()
        let timeout = Task {
            try await Task.sleep(for: .seconds(60))
            await consumer.stopReceiving()
        }
        let ids = await received.value
        timeout.cancel()
        await consumer.close()
        #expect(ids == Set((0..<100).map { "before-\($0)" } + (0..<100).map { "after-\($0)" }))
    }
}
