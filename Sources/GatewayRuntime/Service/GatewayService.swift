import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// The gateway process's work: consume `gateway.in`, decide, record, deliver, acknowledge.
///
/// For each batch the broker hands over: assess every message (in parallel: signatures, schema, policy,
/// redaction), apply the batch in one database transaction (dedupe, consent, audit, outbox), publish the
/// outbox with confirms, and only then acknowledge the inputs. The three steps overlap across batches: while
/// batch N is published, N+1 is in its transaction and N+2 is being checked. On graceful shutdown (SIGTERM) it
/// stops receiving, finishes the batches already handed over, and acknowledges nothing unfinished.
public final class GatewayService: Service, Sendable {
    /// Counts since start, for logs and benchmarks (no personal data).
    public struct Counters: Sendable, Equatable {
        public var delivered = 0, refused = 0, consentRecords = 0, duplicates = 0, replays = 0
        /// Messages decided in any way (a replay request message counts once per dead letter in it).
        public var processed: Int { delivered + refused + consentRecords + duplicates + replays }
        /// Time spent per phase, in seconds: checks and redaction, the database transaction, publishing.
        public var assessSeconds = 0.0, storeSeconds = 0.0, publishSeconds = 0.0
        /// Batches applied, each in one database transaction.
        public var batches = 0
    }

    let decider: GatewayDecider
    private let topology: ReferralGatewayTopology
    private let ledger: GatewayLedger
    let store: any GatewayStore
    private let configuration: AMQPConnectionConfiguration
    private let prefetch: UInt16
    private let declareTopology: Bool
    private let logger: Logger
    private let counters = Mutex(Counters())
    private let consumerSlot = ConsumerSlot()
    /// Outbox rows the broker confirmed, deleted in the next transaction (or when the gateway falls idle).
    private let confirmedOutbox = Mutex<[Int64]>([])
    /// Set at graceful shutdown: unconfirmed messages are then given back rather than published again.
    private let stopping = Atomic<Bool>(false)
    /// Parts handed to the pipeline and not yet finished: at zero the confirmed rows get a transaction of their own.
    private let partsInFlight = Mutex(0)
    /// What operators see on the admin listener (no-op unless a metrics factory was given).
    let metrics: GatewayMetrics
    /// The broker clients of the current run, for readiness: nil before `run` connects them and after it ends.
    let clients = Mutex<(consumer: AMQPConsumer?, publisher: AMQPPublisher?)>((nil, nil))
    /// Called after every batch with its outcomes (for tests and benchmarks).
    private let observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)?

    /// A gateway taking up to `prefetch` unacknowledged messages from `gateway.in`; `declareTopology` only where its user may declare.
    public init(
        decider: GatewayDecider, store: any GatewayStore, configuration: AMQPConnectionConfiguration,
        topology: ReferralGatewayTopology = .standard, prefetch: UInt16 = 500, declareTopology: Bool = false,
        logger: Logger = Logger(label: "refgw.gateway"), metrics: GatewayMetrics = GatewayMetrics(),
        observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)? = nil
    ) {
        self.metrics = metrics
        self.decider = decider
        self.topology = topology
        self.ledger = GatewayLedger(decider: decider, topology: topology)
        self.store = store
        self.configuration = configuration
        self.prefetch = prefetch
        self.declareTopology = declareTopology
        self.logger = logger
        self.observer = observer
    }

    /// A snapshot of the counters since start.
    public var statistics: Counters { counters.withLock { $0 } }

    /// Batches smaller than this wait `batchWindow` for more: latency traded for fewer commits under load.
    static let smallBatch = 64
    static let batchWindow = Duration.milliseconds(2)

    /// Runs until graceful shutdown: publishes what an earlier run left in the outbox, then consumes, decides and delivers.
    public func run() async throws {
        // With least privilege the gateway's broker user may not declare: the broker's definitions hold the topology.
        let declared = declareTopology ? topology.topology(parties: Array(decider.policy.recipients)) : AMQPTopology()
        let publisher = try await AMQPPublisher(configuration: configuration, topology: declared, logger: logger)
        let consumer = try await AMQPConsumer(
            configuration: configuration, queue: topology.gatewayQueue,
            topology: declared, options: .init(prefetch: prefetch, batched: true),
            logger: logger)
        await consumerSlot.hold(consumer)
        clients.withLock { $0 = (consumer, publisher) }
        defer { clients.withLock { $0 = (nil, nil) } }
        // Whatever a previous run decided but did not get confirmed goes out first.
        try await publishPendingOutbox(with: publisher)
        logger.info("gateway running", metadata: ["queue": "\(topology.gatewayQueue)", "broker": "\(configuration.redactedURL)"])
        await withGracefulShutdownHandler {
            var pipeline = Pipeline()
            for await first in consumer.batches {
                var batch = first
                if batch.count < Self.smallBatch {
                    // A small batch costs a whole transaction and confirm round: give the rest a moment to arrive.
                    try? await Task.sleep(for: Self.batchWindow)
                    batch += consumer.takeBuffered()
                }
                // Checked while earlier parts are in their transactions or being published.
                let now = Timestamp()
                let t0 = ContinuousClock.now
                let assessments = await assess(batch, now: now)
                let assessSeconds = (ContinuousClock.now - t0).seconds
                for range in Self.parts(of: assessments) {
                    let part = Array(assessments[range])
                    let deliveries = Array(batch[range])
                    do {
                        let t1 = ContinuousClock.now
                        let replays = try await prepareReplays(in: part, now: now)
                        let seconds = assessSeconds * Double(part.count) / Double(batch.count) + (ContinuousClock.now - t1).seconds
                        let checked = CheckedBatch(
                            assessments: part, deliveries: deliveries, replays: replays, now: now, assessSeconds: seconds)
                        pipeline.add(checked, service: self, publisher: publisher)
                    } catch {
                        logger.error(
                            "the dead letters that replay requests name could not be read; the requests will be delivered again",
                            metadata: ["error": "\(error)", "messages": "\(part.count)"])
                        deliveries.nack(requeue: true)
                    }
                }
            }
            await pipeline.drain()
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            Task { await consumer.stopReceiving() }
        }
        let confirmed = confirmedOutbox.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
        try? await store.write { db in try Outbox.remove(confirmed, in: db) }
        await consumer.close()
        consumerSlot.release()
        await publisher.close()
        logger.info("gateway stopped", metadata: ["processed": "\(statistics.processed)"])
    }

    /// Stops receiving; batches already handed over are finished (for tests and embedding without a ServiceGroup).
    public func stop() async {
        stopping.store(true, ordering: .relaxed)
        await consumerSlot.stop()
    }

    /// Replay requests in one transaction at most: a bulk replay is decided in parts whose steps overlap.
    static let replaysPerPart = 1000

    /// Splits an assessed batch so that no part carries more than `replaysPerPart` replay requests (a message
    /// carrying requests is never split).
    static func parts(of assessments: [Assessment]) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = 0
        var replays = 0
        for (i, a) in assessments.enumerated() {
            let n = a.replayRequestCount
            if replays > 0, replays + n > replaysPerPart {
                parts.append(start..<i)
                start = i
                replays = 0
            }
            replays += n
        }
        if start < assessments.count { parts.append(start..<assessments.count) }
        return parts
    }

    /// A part checked and ready for its transaction.
    struct CheckedBatch: Sendable {
        var assessments: [Assessment]
        /// The deliveries assessed, in the same order: acknowledged once the part is committed and published.
        var deliveries: [AMQPDelivery]
        var replays: [String: GatewayLedger.PreparedReplay]
        var now: Timestamp
        var assessSeconds: Double
    }

    /// A part whose decisions are committed and whose outgoing messages wait to be published.
    struct StagedBatch: Sendable {
        var assessments: [Assessment]
        var deliveries: [AMQPDelivery]
        var outcomes: [GatewayLedger.Outcome]
        var outbox: [Outbox.Entry]
        var assessSeconds: Double
        var storeSeconds: Double
    }

    /// The parts in their transactions and being published: each transaction starts after the one before it
    /// commits and takes every part waiting by then (`WaitingParts`), and its publishing starts after the one
    /// before it is confirmed, so order is kept while steps overlap. The consumer's prefetch bounds how many parts
    /// are in flight.
    struct Pipeline {
        private var storing: Task<StagedBatch?, Never>?
        private var publishing: Task<Void, Never>?
        private let waiting = WaitingParts()

        /// Queues a checked part for its transaction, then for publishing.
        mutating func add(_ checked: CheckedBatch, service: GatewayService, publisher: AMQPPublisher) {
            let storedBefore = storing
            let publishedBefore = publishing
            let waiting = self.waiting
            service.partsInFlight.withLock { $0 += 1 }
            waiting.add(checked)
            let stored = Task { () -> StagedBatch? in
                _ = await storedBefore?.value
                // Nil when an earlier transaction took this part with its own.
                guard let merged = waiting.takeMerged(replayLimit: GatewayService.replaysPerPart) else { return nil }
                return await service.store(merged)
            }
            storing = stored
            publishing = Task {
                let staged = await stored.value
                await publishedBefore?.value
                if let staged { await service.finish(staged, with: publisher) }
                await service.partFinished()
            }
        }

        /// Waits until every part queued is committed and published (or given back).
        func drain() async { await publishing?.value }
    }

    /// Deletes the confirmed outbox rows once no part is left to carry them in its transaction: an idle gateway
    /// leaves nothing in the outbox for another gateway (or its own restart) to send again.
    private func partFinished() async {
        let idle = partsInFlight.withLock { n in
            n -= 1
            return n == 0
        }
        guard idle else { return }
        let confirmed = confirmedOutbox.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
        guard !confirmed.isEmpty else { return }
        do {
            try await store.write { db in try Outbox.remove(confirmed, in: db) }
        } catch {
            // Kept for the next transaction; until then they are only sent again after a crash (receivers dedupe).
            confirmedOutbox.withLock { $0 += confirmed }
            logger.warning("confirmed outbox rows could not be deleted yet", metadata: ["error": "\(error)", "rows": "\(confirmed.count)"])
        }
    }

    /// Reads and checks the dead letters a part's replay requests name (outside the transaction).
    private func prepareReplays(in part: [Assessment], now: Timestamp) async throws -> [String: GatewayLedger.PreparedReplay] {
        let requests = part.flatMap { a -> [ReplayRequest] in if case .replay(let r) = a.verdict { return r } else { return [] } }
        return requests.isEmpty ? [:] : try await ledger.prepareReplays(requests, from: store, now: now)
    }

    /// Commits a checked part's effects (and deletes what earlier parts got confirmed); nil, with the part given
    /// back to the broker, when the transaction fails.
    private func store(_ checked: CheckedBatch) async -> StagedBatch? {
        let t0 = ContinuousClock.now
        let confirmed = confirmedOutbox.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
        let user = configuration.user
        let ledger = self.ledger
        do {
            let (outcomes, entries) = try await store.write { db in
                try Outbox.remove(confirmed, in: db)
                var (outcomes, entries) = try ledger.apply(checked.assessments, replays: checked.replays, in: db, now: checked.now)
                // A redelivered message may have outbox entries a crash left behind: send everything pending then.
                if outcomes.contains(.alreadyProcessed) { entries = try Outbox.pending(in: db, userID: user) }
                return (outcomes, entries)
            }
            return StagedBatch(
                assessments: checked.assessments, deliveries: checked.deliveries, outcomes: outcomes, outbox: entries,
                assessSeconds: checked.assessSeconds, storeSeconds: (ContinuousClock.now - t0).seconds)
        } catch {
            // Nothing was acknowledged: the broker delivers these again; the store dedupes what was applied.
            confirmedOutbox.withLock { $0 += confirmed }
            logger.error("a batch failed and will be delivered again", metadata: ["error": "\(error)", "messages": "\(checked.assessments.count)"])
            checked.deliveries.nack(requeue: true)
            try? await Task.sleep(for: .milliseconds(500))
            return nil
        }
    }

    /// Waits between attempts to publish what the broker did not confirm: a node lost and a queue's leader elected
    /// again take seconds, and the whole schedule (about two minutes) spans one.
    static let publishRetryDelays: [Duration] =
        [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4)]
        + Array(repeating: .seconds(8), count: 14)

    /// Publishes a staged part's messages with confirms, then acknowledges its deliveries.
    ///
    /// What the broker does not confirm is published again while the deliveries stay unacknowledged: the decision
    /// is already committed, and giving the deliveries back would spend one of each message's few delivery attempts
    /// (a quorum queue's `x-delivery-limit`) on the broker's trouble rather than the message's. Only after the whole
    /// schedule, or at shutdown, are they given back.
    private func finish(_ staged: StagedBatch, with publisher: AMQPPublisher) async {
        let t0 = ContinuousClock.now
        let user = configuration.user
        var waiting = Array(staged.outbox.indices)
        var attempt = 0
        while true {
            let results = await publisher.publish(
                waiting.map { i in
                    var m = staged.outbox[i].message
                    m.properties.userID = user
                    return m
                })
            var failed: [Int] = []
            var confirmed: [Int64] = []
            var lastError: AMQPError?
            for (i, r) in zip(waiting, results) {
                switch r {
                case .success: confirmed.append(staged.outbox[i].id)
                case .failure(let error):
                    failed.append(i)
                    lastError = error
                }
            }
            let done = confirmed
            // Deleted in the next transaction: a crash before then only sends them again (receivers dedupe).
            confirmedOutbox.withLock { $0 += done }
            guard let error = lastError else { break }
            metrics.recordPublishRetry()
            let givingUp = attempt >= Self.publishRetryDelays.count || stopping.load(ordering: .relaxed)
            logger.error(
                givingUp
                    ? "outgoing messages were not confirmed; they stay in the outbox and their inputs are given back"
                    : "outgoing messages were not confirmed; publishing them again",
                metadata: [
                    "messages": "\(failed.count)", "attempt": "\(attempt + 1)",
                    "message_id": "\(staged.outbox[failed[0]].message.properties.messageID ?? "-")", "error": "\(error)",
                ])
            if givingUp {
                // When they come again they are recognised, and the outbox is sent again.
                staged.deliveries.nack(requeue: true)
                return
            }
            try? await Task.sleep(for: Self.publishRetryDelays[attempt])
            attempt += 1
            waiting = failed
        }
        staged.deliveries.ack()
        let publishSeconds = (ContinuousClock.now - t0).seconds
        counters.withLock { c in
            c.assessSeconds += staged.assessSeconds
            c.storeSeconds += staged.storeSeconds
            c.publishSeconds += publishSeconds
            c.batches += 1
            for o in staged.outcomes {
                switch o {
                case .delivered: c.delivered += 1
                case .refused: c.refused += 1
                case .consentRecorded: c.consentRecords += 1
                case .alreadyProcessed: c.duplicates += 1
                case .replayed(let outcomes): c.replays += outcomes.count
                }
            }
        }
        for (a, o) in zip(staged.assessments, staged.outcomes) {
            if case .refused(let code) = o {
                logger.notice(
                    "refused",
                    metadata: [
                        "message_id": "\(a.envelope?.messageID ?? "-")", "type": "\(a.envelope?.type.rawValue ?? "-")",
                        "reason": "\(code.rawValue)",
                    ])
            }
        }
        metrics.record(staged.assessments, staged.outcomes, parties: decider.parties)
        metrics.recordPhases(assess: staged.assessSeconds, store: staged.storeSeconds, publish: publishSeconds)
        observer?(staged.outcomes)
    }

    private func assess(_ batch: [AMQPDelivery], now: Timestamp) async -> [Assessment] {
        let decider = self.decider
        guard batch.count >= 16 else { return batch.map { decider.assess(SubmittedMessage($0), now: now) } }
        // Two halves in parallel: signature checks and redaction dominate the CPU time.
        let middle = batch.count / 2
        async let first = Task { batch[..<middle].map { decider.assess(SubmittedMessage($0), now: now) } }.value
        let second = batch[middle...].map { decider.assess(SubmittedMessage($0), now: now) }
        return await first + second
    }

    /// Sends what a previous run decided but did not get confirmed, before taking new work.
    private func publishPendingOutbox(with publisher: AMQPPublisher) async throws {
        let user = configuration.user
        let entries = try await store.read { db in try Outbox.pending(in: db, userID: user) }
        guard !entries.isEmpty else { return }
        logger.notice("sending messages decided before a restart", metadata: ["count": "\(entries.count)"])
        let results = await publisher.publish(entries.map(\.message))
        let confirmed = zip(entries, results).compactMap { e, r -> Int64? in if case .success = r { return e.id } else { return nil } }
        try await store.write { db in try Outbox.remove(confirmed, in: db) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
