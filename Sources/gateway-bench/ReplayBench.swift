import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage
import Messaging

/// Bulk replay, end to end on the real broker: `count` referrals refused for want of consent are kept by the
/// dead-letter keeper; consent is then recorded for each person and all of them are replayed at once through the
/// gateway. Times the requests and the decisions, and checks the recipient's inbox: every one delivered, none twice.
struct ReplayBench {
    let count: Int
    let decider: GatewayDecider
    let store: GatewayStore
    let amqp: AMQPConnectionConfiguration
    let names: ReferralGatewayTopology
    let make: Factory

    func run() async throws {
        print("gateway-bench --replay: \(count) dead letters (2 KiB referrals refused for no consent), then consent, then one bulk replay")
        let gateway = GatewayService(decider: decider, store: store, configuration: amqp, topology: names)
        let keeper = DeadLetterKeeper(store: store, configuration: amqp, topology: names)
        let running = [Task { try await gateway.run() }, Task { try await keeper.run() }]

        // Refusals: published in chunks, decided by the gateway, kept by the keeper.
        let publisher = try await AMQPPublisher(configuration: amqp)
        var messageIDs: Set<String> = []
        let t0 = ContinuousClock.now
        for chunk in stride(from: 0, to: count, by: 2000) {
            let batch = try (chunk..<min(count, chunk + 2000)).map { try make.referral($0).submission(brokerUser: amqp.user, topology: names) }
            messageIDs.formUnion(batch.compactMap(\.properties.messageID))
            for r in await publisher.publish(batch) { try r.get() }
        }
        await publisher.close()
        while try await kept() < count {
            guard ContinuousClock.now - t0 < .seconds(300) else {
                print("warning: only \(try await kept()) of \(count) dead letters were kept")
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        print(String(format: "refused and kept: %d in %.2f s", try await kept(), (ContinuousClock.now - t0).seconds))

        try await make.consents(for: count, into: store)
        let inbox = try await AMQPConsumer(configuration: amqp, queue: names.inbox(.safehome), options: .init(prefetch: 1000, batched: true))
        let arrivals = Task { () -> [String] in
            var ids: [String] = []
            for await batch in inbox.batches {
                batch.ack()
                ids += batch.map { $0.properties.messageID ?? "" }
                if ids.count >= count { break }
            }
            return ids
        }
        let ids = try await store.read { db in try DeadLetterArchive.keptIDs(in: db) }
        let before = gateway.statistics
        let cpu0 = CPUTime.now()
        let replayer = DeadLetterReplayer(store: store, configuration: amqp, topology: names)
        let report = try await replayer.replay(
            ids, by: "gateway-bench", reason: "benchmark: consent recorded after the refusals", timeout: .seconds(300))
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            await inbox.stopReceiving()
        }
        let delivered = await arrivals.value
        let inboxSeconds = report.totalSeconds
        let cpu = CPUTime.perMessage(since: cpu0, messages: count)
        watchdog.cancel()
        // One more look for anything delivered twice.
        let extra = Task { () -> Int in
            var n = 0
            for await batch in inbox.batches {
                batch.ack()
                n += batch.count
            }
            return n
        }
        try await Task.sleep(for: .seconds(1))
        await inbox.stopReceiving()
        let duplicates = await extra.value + (delivered.count - Set(delivered).count)
        await inbox.close()
        let resolved = try await store.read { tx in try tx.deadLetterCount(status: .replayed) }

        print(
            String(
                format: "requests stored and sent: %d in %.2f s (%.0f per second)", report.requested, report.publishSeconds,
                Double(report.requested) / max(report.publishSeconds, 1e-9)))
        print(
            String(
                format: "replayed end to end:      %d decided in %.2f s (%.0f dead letters per second; target 5,000)",
                report.requested - report.undecided, inboxSeconds, report.rate))
        print(
            String(format: "CPU per replay: %.0f µs in this process (gateway, replayer, inbox), ", cpu.process)
                + (cpu.broker.map { String(format: "%.0f µs in the broker", $0) } ?? "broker not measured (set REFGW_BROKER_DIR)"))
        print("outcomes: \(report.outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
        print(
            "inbox: \(Set(delivered).count) distinct of \(count) expected, \(duplicates) duplicates, "
                + "\(messageIDs.subtracting(delivered).count) missing; dead letters resolved: \(resolved)")

        // The replay alone: the refusals before it are left out.
        let st = gateway.statistics
        let replayed = Double(max(st.replays - before.replays, 1))
        let batches = st.batches - before.batches
        print(
            String(
                format: "gateway time per replay: checks %.0f µs, database %.0f µs, publish %.0f µs; %.0f replays per batch, %d batches",
                (st.assessSeconds - before.assessSeconds) / replayed * 1e6, (st.storeSeconds - before.storeSeconds) / replayed * 1e6,
                (st.publishSeconds - before.publishSeconds) / replayed * 1e6, replayed / Double(max(batches, 1)), batches))
        await gateway.stop()
        await keeper.stop()
        for t in running { _ = try? await t.value }
    }

    func kept() async throws -> Int {
        try await store.read { tx in try tx.deadLetterCount(status: nil) }
    }
}
