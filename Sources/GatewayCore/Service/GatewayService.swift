import AMQP
import Contracts
import Foundation
import GRDB
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// The gateway process's work: consume `gateway.in`, decide, record, deliver, acknowledge.
///
/// For each batch the broker hands over: assess every message (in parallel: signatures, schema, policy,
/// redaction), apply the batch in one database transaction (dedupe, consent, audit, outbox), publish the
/// outbox with confirms, and only then acknowledge the inputs. On graceful shutdown (SIGTERM) it stops
/// receiving, finishes the batches already handed over, and acknowledges nothing unfinished.
public final class GatewayService: Service, Sendable {
    /// Counts since start, for logs and benchmarks (no personal data).
    public struct Counters: Sendable, Equatable {
        public var delivered = 0, refused = 0, consentRecords = 0, duplicates = 0, replays = 0
        public var processed: Int { delivered + refused + consentRecords + duplicates + replays }
        /// Time spent per phase, in seconds: checks and redaction, the database transaction, publishing.
        public var assessSeconds = 0.0, storeSeconds = 0.0, publishSeconds = 0.0
        public var batches = 0
    }

    private let decider: GatewayDecider
    private let ledger: GatewayLedger
    private let store: GatewayStore
    private let configuration: AMQPConnectionConfiguration
    private let prefetch: UInt16
    private let declareTopology: Bool
    private let logger: Logger
    private let counters = Mutex(Counters())
    private let consumerBox = Mutex<AMQPConsumer?>(nil)
    /// Outbox rows the broker confirmed, deleted in the next transaction.
    private let confirmedOutbox = Mutex<[Int64]>([])
    /// Called after every batch with its outcomes (for tests and benchmarks).
    private let observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)?

    public init(decider: GatewayDecider, store: GatewayStore, configuration: AMQPConnectionConfiguration,
                prefetch: UInt16 = 500, declareTopology: Bool = false, logger: Logger = Logger(label: "refgw.gateway"),
                observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)? = nil) {
        self.decider = decider
        self.ledger = GatewayLedger(decider: decider)
        self.store = store
        self.configuration = configuration
        self.prefetch = prefetch
        self.declareTopology = declareTopology
        self.logger = logger
        self.observer = observer
    }

    public var statistics: Counters { counters.withLock { $0 } }

    /// Batches smaller than this wait `batchWindow` for more: latency traded for fewer commits under load.
    static let smallBatch = 64
    static let batchWindow = Duration.milliseconds(2)

    public func run() async throws {
        // With least privilege the gateway's broker user may not declare: the broker's definitions hold the topology.
        let topology = declareTopology ? decider.topology.topology(parties: Array(decider.policy.recipients)) : AMQPTopology()
        let publisher = try await AMQPPublisher(configuration: configuration, topology: topology, logger: logger)
        let consumer = try await AMQPConsumer(configuration: configuration, queue: decider.topology.gatewayQueue,
                                              topology: topology, options: .init(prefetch: prefetch, batched: true),
                                              logger: logger)
        consumerBox.withLock { $0 = consumer }
        // Whatever a previous run decided but did not get confirmed goes out first.
        try await publishPendingOutbox(with: publisher)
        logger.info("gateway running", metadata: ["queue": "\(decider.topology.gatewayQueue)", "broker": "\(configuration.redactedURL)"])
        await withGracefulShutdownHandler {
            // Two stages overlap: while batch N waits for the broker's confirms, batch N+1 is checked and stored.
            var publishing: Task<Void, Never>?
            for await first in consumer.batches {
                var batch = first
                if batch.count < Self.smallBatch {
                    // A small batch costs a whole transaction and confirm round: give the rest a moment to arrive.
                    try? await Task.sleep(for: Self.batchWindow)
                    batch += consumer.takeBuffered()
                }
                do {
                    let staged = try await stage(batch)
                    await publishing?.value
                    publishing = Task { await self.finish(staged, with: publisher) }
                } catch {
                    // Nothing was acknowledged: the broker delivers these again; the store dedupes what was applied.
                    logger.error("a batch failed and will be delivered again", metadata: ["error": "\(error)", "messages": "\(batch.count)"])
                    for d in batch { d.nack(requeue: true) }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            await publishing?.value
        } onGracefulShutdown: {
            Task { await consumer.stopReceiving() }
        }
        let confirmed = confirmedOutbox.withLock { ids in defer { ids.removeAll() }; return ids }
        try? await store.database.write { db in try Outbox.remove(confirmed, in: db) }
        await consumer.close()
        await publisher.close()
        logger.info("gateway stopped", metadata: ["processed": "\(statistics.processed)"])
    }

    /// Stops receiving; batches already handed over are finished (for tests and embedding without a ServiceGroup).
    public func stop() async {
        if let c = consumerBox.withLock({ $0 }) { await c.stopReceiving() }
    }

    /// A batch whose decisions are committed and whose outgoing messages wait to be published.
    struct StagedBatch: Sendable {
        var deliveries: [AMQPDelivery]
        var assessments: [Assessment]
        var outcomes: [GatewayLedger.Outcome]
        var outbox: [Outbox.Entry]
        var assessSeconds: Double
        var storeSeconds: Double
    }

    /// Checks and redacts a batch, then commits its effects (and deletes what earlier batches got confirmed).
    private func stage(_ batch: [AMQPDelivery]) async throws -> StagedBatch {
        let now = Timestamp()
        let t0 = ContinuousClock.now
        let assessments = await assess(batch, now: now)
        let ledger = self.ledger
        let requests = assessments.flatMap { a -> [ReplayRequest] in if case .replay(let r) = a.verdict { return r } else { return [] } }
        let replays = requests.isEmpty ? [:] : try await ledger.prepareReplays(requests, from: store, now: now)
        let t1 = ContinuousClock.now
        let confirmed = confirmedOutbox.withLock { ids in defer { ids.removeAll() }; return ids }
        let user = configuration.user
        let (outcomes, entries) = try await store.database.write { db in
            try Outbox.remove(confirmed, in: db)
            var (outcomes, entries) = try ledger.apply(assessments, replays: replays, in: db, now: now)
            // A redelivered message may have outbox entries a crash left behind: send everything pending then.
            if outcomes.contains(.alreadyProcessed) { entries = try Outbox.pending(in: db, userID: user) }
            return (outcomes, entries)
        }
        return StagedBatch(deliveries: batch, assessments: assessments, outcomes: outcomes, outbox: entries,
                           assessSeconds: (t1 - t0).seconds, storeSeconds: (ContinuousClock.now - t1).seconds)
    }

    /// Publishes a staged batch's messages with confirms, then acknowledges its deliveries.
    private func finish(_ staged: StagedBatch, with publisher: AMQPPublisher) async {
        let t0 = ContinuousClock.now
        let user = configuration.user
        let results = await publisher.publish(staged.outbox.map { e in
            var m = e.message
            m.properties.userID = user
            return m
        })
        var confirmed: [Int64] = []
        for (e, r) in zip(staged.outbox, results) {
            switch r {
            case .success: confirmed.append(e.id)
            case .failure(let error):
                logger.error("an outgoing message was not confirmed; it stays in the outbox",
                             metadata: ["message_id": "\(e.message.properties.messageID ?? "-")", "error": "\(error)"])
            }
        }
        let done = confirmed
        // Deleted in the next transaction: a crash before then only sends them again (receivers dedupe).
        confirmedOutbox.withLock { $0 += done }
        if done.count == staged.outbox.count {
            for d in staged.deliveries { d.ack() }
        } else {
            // Given back: when they come again they are recognised, and the outbox is sent again.
            for d in staged.deliveries { d.nack(requeue: true) }
            return
        }
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
                logger.notice("refused", metadata: ["message_id": "\(a.envelope?.messageID ?? "-")", "type": "\(a.envelope?.type.rawValue ?? "-")",
                                                    "reason": "\(code.rawValue)"])
            }
        }
        observer?(staged.outcomes)
    }

    private func assess(_ batch: [AMQPDelivery], now: Timestamp) async -> [Assessment] {
        let decider = self.decider
        guard batch.count >= 16 else { return batch.map { decider.assess($0, now: now) } }
        // Two halves in parallel: signature checks and redaction dominate the CPU time.
        let middle = batch.count / 2
        async let first = Task { batch[..<middle].map { decider.assess($0, now: now) } }.value
        let second = batch[middle...].map { decider.assess($0, now: now) }
        return await first + second
    }

    /// Sends what a previous run decided but did not get confirmed, before taking new work.
    private func publishPendingOutbox(with publisher: AMQPPublisher) async throws {
        let user = configuration.user
        let entries = try await store.database.read { db in try Outbox.pending(in: db, userID: user) }
        guard !entries.isEmpty else { return }
        logger.notice("sending messages decided before a restart", metadata: ["count": "\(entries.count)"])
        let results = await publisher.publish(entries.map(\.message))
        let confirmed = zip(entries, results).compactMap { e, r -> Int64? in if case .success = r { return e.id } else { return nil } }
        try await store.database.write { db in try Outbox.remove(confirmed, in: db) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
