import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// Keeps every message that reaches `dead-letters` in the gateway's store, committing before it acknowledges,
/// so a dead letter is never lost and a redelivered one is kept once. Runs as the dead-letter user.
public final class DeadLetterKeeper: Service, Sendable {
    let store: any GatewayStore
    private let configuration: AMQPConnectionConfiguration
    private let queue: String
    private let logger: Logger
    private let consumerSlot = ConsumerSlot()
    private let keptCount = Mutex(0)
    /// What operators see on the admin listener (no-op unless a metrics factory was given).
    let metrics: DeadLetterMetrics
    /// The consumer of the current run, for readiness: nil before `run` connects it and after it ends.
    let consumer = Mutex<AMQPConsumer?>(nil)

    /// A keeper of `topology`'s dead-letter queue storing into `store`; `configuration` logs in as the dead-letter user.
    public init(
        store: any GatewayStore, configuration: AMQPConnectionConfiguration, topology: ReferralGatewayTopology = .standard,
        logger: Logger = Logger(label: "refgw.dead-letters"), metrics: DeadLetterMetrics = DeadLetterMetrics()
    ) {
        self.metrics = metrics
        self.store = store
        self.configuration = configuration
        self.queue = topology.deadLetterQueue
        self.logger = logger
    }

    /// Dead letters kept since start (redeliveries of one already kept are not counted).
    public var kept: Int { keptCount.withLock { $0 } }

    /// Keeps dead letters until graceful shutdown: each batch committed in one transaction, then acked (requeued if that fails).
    public func run() async throws {
        let consumer = try await AMQPConsumer(
            configuration: configuration, queue: queue,
            options: .init(prefetch: 500, batched: true), logger: logger)
        await consumerSlot.hold(consumer)
        self.consumer.withLock { $0 = consumer }
        defer { self.consumer.withLock { $0 = nil } }
        logger.info("dead-letter keeper running", metadata: ["queue": "\(queue)", "broker": "\(configuration.redactedURL)"])
        await withGracefulShutdownHandler {
            for await batch in consumer.batches {
                do {
                    let now = Timestamp()
                    let new = try await store.write { db in
                        try batch.reduce(0) { n, d in n + (try DeadLetterArchive.keep(d, now: now, in: db) ? 1 : 0) }
                    }
                    keptCount.withLock { $0 += new }
                    metrics.recordKept(new)
                    batch.ack()
                } catch {
                    logger.error("dead letters could not be stored; they stay on the queue", metadata: ["error": "\(error)"])
                    batch.nack(requeue: true)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        } onGracefulShutdown: {
            Task { await consumer.stopReceiving() }
        }
        await consumer.close()
        consumerSlot.release()
        logger.info("dead-letter keeper stopped", metadata: ["kept": "\(kept)"])
    }

    /// Stops receiving (for tests and embedding).
    public func stop() async {
        await consumerSlot.stop()
    }
}
