import AMQP
import Foundation
import TestSupport
import Testing

@Suite(.needsBroker) struct DeadLetterTests {
    @Test func aRejectedMessageIsDeadLetteredWithItsReason() async throws {
        let t = TestBroker.queueWithDeadLetters("reject")
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        try await publisher.publish(message("poison-1", to: t.exchange, key: t.queue))
        await publisher.close()

        let consumer = try await AMQPConsumer(configuration: TestBroker.configuration, queue: t.queue, topology: t.topology)
        for await d in consumer {
            d.reject()
            break
        }
        await consumer.close()

        let dead = try #require(try await waitForMessage(in: t.deadLetters))
        #expect(dead.properties.messageID == "poison-1")
        let death = try #require(dead.deaths.first)
        #expect(death.reason == "rejected")
        #expect(death.queue == t.queue)
        #expect(death.exchange == t.exchange)
        #expect(death.routingKeys == [t.queue])
        #expect(death.count == 1)
        try await cleanUp(t)
    }

    @Test func aMessagePastTheDeliveryLimitIsDeadLettered() async throws {
        let t = TestBroker.queueWithDeadLetters("limit", deliveryLimit: 2)
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        try await publisher.publish(message("crashy-1", to: t.exchange, key: t.queue))
        await publisher.close()

        // A worker that fails every time gives the message back; the broker gives up after the limit.
        let consumer = try await AMQPConsumer(configuration: TestBroker.configuration, queue: t.queue, topology: t.topology)
        var attempts = 0
        let watcher = Task { () -> Int in
            for await d in consumer {
                attempts += 1
                d.nack(requeue: true)
            }
            return attempts
        }
        let dead = try #require(try await waitForMessage(in: t.deadLetters, timeout: 20))
        await consumer.stopReceiving()
        let seen = await watcher.value
        await consumer.close()
        #expect(dead.properties.messageID == "crashy-1")
        #expect(dead.deaths.first?.reason == "delivery_limit")
        #expect(seen == 3, "x-delivery-limit 2 means three deliveries, then dead-lettered")
        try await cleanUp(t)
    }

    private func waitForMessage(in queue: String, timeout: Double = 10) async throws -> AMQPDelivery? {
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        defer { Task { await admin.close() } }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let d = try await admin.take(from: queue) { return d }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    private func cleanUp(_ t: (topology: AMQPTopology, queue: String, deadLetters: String, exchange: String)) async throws {
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }
}
