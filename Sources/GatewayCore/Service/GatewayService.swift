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
        public var delivered = 0, refused = 0, consentRecords = 0, duplicates = 0
        public var processed: Int { delivered + refused + consentRecords + duplicates }
    }

    private let decider: GatewayDecider
    private let ledger: GatewayLedger
    private let store: GatewayStore
    private let configuration: AMQPConnectionConfiguration
    private let prefetch: UInt16
    private let logger: Logger
    private let counters = Mutex(Counters())
    private let consumerBox = Mutex<AMQPConsumer?>(nil)
    /// Called after every batch with its outcomes (for tests and benchmarks).
    private let observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)?

    public init(decider: GatewayDecider, store: GatewayStore, configuration: AMQPConnectionConfiguration,
                prefetch: UInt16 = 200, logger: Logger = Logger(label: "refgw.gateway"),
                observer: (@Sendable ([GatewayLedger.Outcome]) -> Void)? = nil) {
        self.decider = decider
        self.ledger = GatewayLedger(decider: decider)
        self.store = store
        self.configuration = configuration
        self.prefetch = prefetch
        self.logger = logger
        self.observer = observer
    }

    public var statistics: Counters { counters.withLock { $0 } }

    public func run() async throws {
        let topology = decider.topology.topology(parties: Array(decider.policy.recipients))
        let publisher = try await AMQPPublisher(configuration: configuration, topology: topology, logger: logger)
        let consumer = try await AMQPConsumer(configuration: configuration, queue: decider.topology.gatewayQueue,
                                              topology: topology, options: .init(prefetch: prefetch, batched: true),
                                              logger: logger)
        consumerBox.withLock { $0 = consumer }
        // Whatever a previous run decided but did not get confirmed goes out first.
        _ = try await publishOutbox(ids: nil, with: publisher)
        logger.info("gateway running", metadata: ["queue": "\(decider.topology.gatewayQueue)", "broker": "\(configuration.redactedURL)"])
        await withGracefulShutdownHandler {
            for await batch in consumer.batches {
                do {
                    try await process(batch, with: publisher)
                } catch {
                    // Nothing was acknowledged: the broker delivers these again; the store dedupes what was applied.
                    logger.error("a batch failed and will be delivered again", metadata: ["error": "\(error)", "messages": "\(batch.count)"])
                    for d in batch { d.nack(requeue: true) }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        } onGracefulShutdown: {
            Task { await consumer.stopReceiving() }
        }
        await consumer.close()
        await publisher.close()
        logger.info("gateway stopped", metadata: ["processed": "\(statistics.processed)"])
    }

    /// Stops receiving; batches already handed over are finished (for tests and embedding without a ServiceGroup).
    public func stop() async {
        if let c = consumerBox.withLock({ $0 }) { await c.stopReceiving() }
    }

    private func process(_ batch: [AMQPDelivery], with publisher: AMQPPublisher) async throws {
        let now = Timestamp()
        let assessments = await assess(batch, now: now)
        let ledger = self.ledger
        let (outcomes, outboxIDs) = try await store.database.write { db in
            try ledger.apply(assessments, in: db, now: now)
        }
        // A redelivered message may have outbox entries a crash left behind: send everything pending then.
        let anyRepeat = outcomes.contains(.alreadyProcessed)
        let allSent = try await publishOutbox(ids: anyRepeat ? nil : outboxIDs, with: publisher)
        guard allSent else {
            throw AMQPError.library("some outgoing messages were not confirmed; they stay in the outbox")
        }
        for d in batch { d.ack() }
        counters.withLock { c in
            for o in outcomes {
                switch o {
                case .delivered: c.delivered += 1
                case .refused: c.refused += 1
                case .consentRecorded: c.consentRecords += 1
                case .alreadyProcessed: c.duplicates += 1
                }
            }
        }
        for (a, o) in zip(assessments, outcomes) {
            if case .refused(let code) = o {
                logger.notice("refused", metadata: ["message_id": "\(a.envelope?.messageID ?? "-")", "type": "\(a.envelope?.type.rawValue ?? "-")",
                                                    "reason": "\(code.rawValue)"])
            }
        }
        observer?(outcomes)
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

    /// Publishes outbox entries (all pending when `ids` is nil) and removes the confirmed ones.
    private func publishOutbox(ids: [Int64]?, with publisher: AMQPPublisher) async throws -> Bool {
        let user = configuration.user
        let entries = try await store.database.read { db in try Outbox.pending(in: db, ids: ids, userID: user) }
        guard !entries.isEmpty else { return true }
        let results = await publisher.publish(entries.map(\.message))
        var confirmed: [Int64] = []
        for (e, r) in zip(entries, results) {
            switch r {
            case .success: confirmed.append(e.id)
            case .failure(let error):
                logger.error("an outgoing message was not confirmed; it stays in the outbox",
                             metadata: ["message_id": "\(e.message.properties.messageID ?? "-")", "error": "\(error)"])
            }
        }
        let done = confirmed
        try await store.database.write { db in try Outbox.remove(done, in: db) }
        return done.count == entries.count
    }
}
