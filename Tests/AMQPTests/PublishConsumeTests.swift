import AMQP
import Foundation
import TestSupport
import Testing

@Suite(.needsBroker) struct PublishConsumeTests {
    @Test func tenThousandPersistentMessagesNoneLostNoneDuplicated() async throws {
        let t = TestBroker.queueWithDeadLetters("bulk")
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        let count = 10_000
        let messages = (0..<count).map { message("m-\($0)", to: t.exchange, key: t.queue, body: "{\"n\":\($0)}") }
        let results = await publisher.publish(messages)
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        await publisher.close()

        let consumer = try await AMQPConsumer(configuration: TestBroker.configuration, queue: t.queue, topology: t.topology)
        var seen = Set<String>()
        var duplicates = 0
        for await delivery in consumer {
            let id = delivery.properties.messageID ?? ""
            if !seen.insert(id).inserted { duplicates += 1 }
            #expect(delivery.properties.persistent)
            delivery.ack()
            if seen.count == count { break }
        }
        // Nothing more may arrive: wait a little for a stray duplicate.
        let extra = Task { () -> Int in
            var n = 0
            for await d in consumer {
                n += 1
                d.ack()
            }
            return n
        }
        try await Task.sleep(for: .milliseconds(500))
        await consumer.stopReceiving()
        let extras = await extra.value
        await consumer.close()
        #expect(seen == Set((0..<count).map { "m-\($0)" }))
        #expect(duplicates == 0)
        #expect(extras == 0)

        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        #expect(try await admin.messageCount(t.queue) == 0, "every ack reached the broker")
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func aBatchSettledAtOnceReachesTheBroker() async throws {
        let t = TestBroker.queueWithDeadLetters("batch-settle")
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        let count = 300
        let results = await publisher.publish((0..<count).map { message("b-\($0)", to: t.exchange, key: t.queue, body: "{}") })
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        await publisher.close()

        let consumer = try await AMQPConsumer(
            configuration: TestBroker.configuration, queue: t.queue, topology: t.topology,
            options: .init(prefetch: 100, batched: true))
        var acked = Set<String>()
        var givenBack = Set<String>()
        var cameBack = Set<String>()
        // Acks that never reach the broker would stall the consumer at its prefetch: fail rather than hang.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            await consumer.stopReceiving()
        }
        for await batch in consumer.batches {
            if givenBack.isEmpty {
                // The first batch goes back to the queue as a whole, and must come again.
                givenBack = Set(batch.map { $0.properties.messageID ?? "" })
                batch.nack(requeue: true)
                continue
            }
            for d in batch where d.redelivered { cameBack.insert(d.properties.messageID ?? "") }
            acked.formUnion(batch.map { $0.properties.messageID ?? "" })
            batch.ack()
            if acked.count == count { break }
        }
        watchdog.cancel()
        await consumer.stopReceiving()
        await consumer.close()
        #expect(acked.count == count, "every message delivered and acknowledged")
        #expect(!givenBack.isEmpty && givenBack.isSubset(of: cameBack), "the batch given back came again")

        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        #expect(try await admin.messageCount(t.queue) == 0, "every ack of every batch reached the broker")
        #expect(try await admin.messageCount(t.deadLetters) == 0, "a nack with requeue keeps the message on its queue")
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func connectionThreadsCarryTheirNames() async throws {
        // An administrator reading `top -H` or a profile at 3 a.m. should see which thread is the broker's.
        func names() -> [String] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let t = TestBroker.queueWithDeadLetters("names")
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        let consumer = try await AMQPConsumer(configuration: TestBroker.configuration, queue: t.queue, topology: t.topology)
        #expect(names().contains("amqp-publisher"))
        #expect(names().contains("amqp-consumer"))
        await publisher.close()
        await consumer.close()
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func propertiesAndHeadersSurviveTheRoundTrip() async throws {
        let t = TestBroker.queueWithDeadLetters("props")
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        try await admin.declare(t.topology)
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration)
        var m = message("props-1", to: t.exchange, key: t.queue, body: "{\"x\":1}")
        m.properties.type = "referral"
        m.properties.timestamp = 1_790_000_000
        m.properties.correlationID = "corr-1"
        m.properties.userID = "refgw-admin"
        m.properties.headers = ["refgw-sender": "victim", "n": 42, "ok": true, "nested": .table(["a": .array(["x", 1])])]
        try await publisher.publish(m)
        await publisher.close()
        let got = try #require(try await admin.take(from: t.queue))
        #expect(got.properties.type == "referral")
        #expect(got.properties.timestamp == 1_790_000_000)
        #expect(got.properties.correlationID == "corr-1")
        #expect(got.properties.userID == "refgw-admin")
        #expect(got.properties.contentType == "application/json")
        #expect(got.properties.headers["refgw-sender"] == "victim")
        #expect(got.properties.headers["n"] == 42)
        #expect(got.properties.headers["ok"] == true)
        #expect(got.properties.headers["nested"] == .table(["a": .array(["x", 1])]))
        #expect(String(decoding: got.body, as: UTF8.self) == "{\"x\":1}")
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func unroutableMandatoryMessageIsReportedToItsCaller() async throws {
        let exchange = TestBroker.unique("noroute")
        let publisher = try await AMQPPublisher(
            configuration: TestBroker.configuration,
            topology: AMQPTopology(exchanges: [.init(exchange)]))
        await #expect(throws: AMQPError.self) {
            try await publisher.publish(message("lost-1", to: exchange, key: "nobody-listens"))
        }
        do {
            try await publisher.publish(message("lost-2", to: exchange, key: "nobody-listens"))
        } catch {
            guard case .unroutable(let id, _, let key, let code, _) = error else {
                Issue.record("expected unroutable, got \(error)")
                return
            }
            #expect(id == "lost-2" && key == "nobody-listens" && code == 312)
        }
        await publisher.close()
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        try await admin.deleteExchange(exchange)
        await admin.close()
    }

    @Test func aRefusedPublishFailsOnlyItsOwnMessage() async throws {
        let t = TestBroker.queueWithDeadLetters("refused")
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: t.topology)
        let batch = [
            message("ok-1", to: t.exchange, key: t.queue),
            message("bad", to: TestBroker.unique("missing-exchange"), key: t.queue),
            message("ok-2", to: t.exchange, key: t.queue),
        ]
        let results = await publisher.publish(batch)
        #expect((try? results[0].get()) != nil)
        #expect((try? results[2].get()) != nil)
        guard case .failure(.channelClosed(404, let text)) = results[1] else {
            Issue.record("expected a 404 channel close, got \(results[1])")
            return
        }
        #expect(text.contains("NOT_FOUND"))
        // A message claiming another broker user is refused by the broker itself.
        var impostor = message("impostor", to: t.exchange, key: t.queue)
        impostor.properties.userID = "victim"
        await #expect(throws: AMQPError.self) { try await publisher.publish(impostor) }
        // The publisher carries on after both refusals.
        try await publisher.publish(message("ok-3", to: t.exchange, key: t.queue))
        await publisher.close()
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        var ids: [String] = []
        while let d = try await admin.take(from: t.queue) { ids.append(d.properties.messageID ?? "") }
        // ok-1 may appear twice: the broker can store it yet lose its confirm when the channel closes, and an
        // unconfirmed message is sent again (at least once; inboxes dedupe on message id). Nothing else may.
        #expect(Set(ids) == ["ok-1", "ok-2", "ok-3"])
        #expect(ids.filter { $0 != "ok-1" } == ["ok-2", "ok-3"])
        #expect(!ids.contains("bad") && !ids.contains("impostor"))
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func aNackFromTheBrokerIsReportedToItsCaller() async throws {
        // A full quorum queue with overflow=reject-publish makes the broker nack further messages.
        let queue = TestBroker.unique("full")
        let topology = AMQPTopology(queues: [.init(queue, kind: .quorum, overflow: .rejectPublish, maxLength: 2)])
        let publisher = try await AMQPPublisher(configuration: TestBroker.configuration, topology: topology)
        let results = await publisher.publish((0..<2).map { message("fits-\($0)", to: "", key: queue) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        // A quorum queue checks the limit after enqueueing, so it may admit one message past it; after that
        // every publish is nacked, and each caller learns that its own message was not stored.
        var confirmed = 2
        var nacked = 0
        for i in 0..<5 {
            do {
                try await publisher.publish(message("overflow-\(i)", to: "", key: queue))
                confirmed += 1
            } catch {
                #expect(error == .nacked(messageID: "overflow-\(i)"))
                #expect(error.description.contains("must be sent again"))
                nacked += 1
            }
        }
        #expect(nacked >= 4)
        await publisher.close()
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        #expect(try await admin.messageCount(queue) == confirmed, "exactly the confirmed messages were stored")
        try await admin.deleteQueue(queue)
        await admin.close()
    }
}
