import AMQP
import Contracts
import Foundation
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// A service's worker process: consumes its inbox from the gateway, applies each message once, publishes its
/// outbox with confirms, fires its timers, and stops cleanly on SIGTERM.
///
/// A delivery is acknowledged only after its effects are committed and the messages they caused are confirmed
/// by the broker, so a crash at any point loses nothing: the broker redelivers, the inbox table dedupes.
public final class LotWorker: Service, Sendable {
    /// How the worker uses the broker: topology names, how far ahead it takes deliveries, how often it polls.
    public struct Options: Sendable {
        /// Broker topology names (a namespace for tests).
        public var topology: ReferralGatewayTopology
        /// Declare the topology at start (development brokers only; least-privilege users may not).
        public var declareTopology: Bool
        /// Deliveries the broker may send ahead unacknowledged (`basic.qos`), so the most one batch (one transaction) holds.
        public var prefetch: UInt16
        /// How often the outbox is checked for messages staff commands wrote.
        public var outboxInterval: Duration
        /// How often timers are checked.
        public var timerInterval: Duration
        /// Options for production by default: standard names, no topology declared, outbox every 250 ms, timers every 30 s.
        public init(
            topology: ReferralGatewayTopology = .standard, declareTopology: Bool = false, prefetch: UInt16 = 200,
            outboxInterval: Duration = .milliseconds(250), timerInterval: Duration = .seconds(30)
        ) {
            self.topology = topology
            self.declareTopology = declareTopology
            self.prefetch = prefetch
            self.outboxInterval = outboxInterval
            self.timerInterval = timerInterval
        }
    }

    /// Counts since start (no personal data).
    public struct Counters: Sendable, Equatable {
        /// Messages applied, redeliveries skipped, unverified ones dead-lettered, failures requeued, messages published, timers fired.
        public var applied = 0, duplicates = 0, deadLettered = 0, retried = 0, published = 0, timersFired = 0
    }

    /// The service's rules and store, which every delivery and timer is applied to.
    public let engine: LotEngine
    /// The key the worker signs what it sends with.
    public let signer: MessageSigner
    /// The keys it verifies the gateway's messages with.
    public let trust: TrustStore
    private let configuration: AMQPConnectionConfiguration
    private let options: Options
    private let logger: Logger
    let clock: @Sendable () -> Timestamp
    private let counters = Mutex(Counters())
    /// What operators see on the admin listener (no-op unless a metrics factory was given).
    let metrics: WorkerMetrics
    /// The broker clients of the current run, for readiness: nil before `run` connects them and after it ends.
    let clients = Mutex<(consumer: AMQPConsumer?, publisher: AMQPPublisher?)>((nil, nil))
    private let flushing = AsyncLock()

    /// A worker for `engine`'s service that signs with `signer` and accepts only gateway messages `trust` verifies.
    public init(
        engine: LotEngine, signer: MessageSigner, trust: TrustStore, configuration: AMQPConnectionConfiguration,
        options: Options = .init(), logger: Logger? = nil, metrics: WorkerMetrics = WorkerMetrics(),
        clock: @escaping @Sendable () -> Timestamp = { Timestamp() }
    ) {
        self.metrics = metrics
        self.engine = engine
        self.signer = signer
        self.trust = trust
        self.configuration = configuration
        self.options = options
        self.logger = logger ?? Logger(label: "refgw.\(engine.lot.party)")
        self.clock = clock
    }

    /// The counts so far, for logs and tests (no personal data).
    public var statistics: Counters { counters.withLock { $0 } }

    /// Runs until graceful shutdown: publishes what a previous run left in the outbox, then applies batches and fires timers.
    public func run() async throws {
        let party = engine.lot.party
        guard signer.party == party else {
            throw LotError.configuration("key \(signer.keyID) belongs to \(signer.party), not to \(party)")
        }
        let topology = options.declareTopology ? options.topology.topology() : AMQPTopology()
        let publisher = try await AMQPPublisher(configuration: configuration, topology: topology, logger: logger)
        let consumer = try await AMQPConsumer(
            configuration: configuration, queue: options.topology.inbox(party), topology: topology,
            options: .init(prefetch: options.prefetch, batched: true), logger: logger)
        clients.withLock { $0 = (consumer, publisher) }
        logger.info(
            "worker running",
            metadata: [
                "party": "\(party)", "queue": "\(options.topology.inbox(party))",
                "broker": "\(configuration.redactedURL)",
            ])
        // What a previous run committed but did not get confirmed goes out first.
        await flushOutbox(publisher)
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.everyInterval(self.options.outboxInterval) { await self.flushOutbox(publisher) } }
                group.addTask { await self.everyInterval(self.options.timerInterval) { await self.fireTimers(publisher) } }
            }
        }
        await withGracefulShutdownHandler {
            for await batch in consumer.batches {
                await self.handle(batch, publisher: publisher)
            }
        } onGracefulShutdown: {
            Task { await consumer.stopReceiving() }
        }
        background.cancel()
        await background.value
        await flushOutbox(publisher)
        clients.withLock { $0 = (nil, nil) }
        await consumer.close()
        await publisher.close()
        logger.info("worker stopped", metadata: ["party": "\(party)", "applied": "\(statistics.applied)"])
    }

    /// Stops receiving; what was handed over is finished (for tests and embedding).
    public func stop() async {
        if let c = clients.withLock({ $0.consumer }) { await c.stopReceiving() }
    }

    private func everyInterval(_ interval: Duration, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await body()
        }
    }

    /// Verifies, applies (one transaction), publishes what the batch caused, then settles every delivery.
    private func handle(_ batch: [AMQPDelivery], publisher: AMQPPublisher) async {
        var readable: [(AMQPDelivery, InboundMessage)] = []
        for d in batch {
            do {
                let m = try SignedMessage(delivery: d)
                // Only the gateway delivers to a service's inbox; anything else is not to be trusted.
                try trust.verify(m.envelope, body: m.body, signedBy: .gateway, at: clock())
                readable.append((d, InboundMessage(envelope: m.envelope, body: m.body)))
            } catch {
                logger.error(
                    "a message in the inbox is not a verified gateway message; dead-lettered",
                    metadata: ["message_id": "\(d.properties.messageID ?? "-")", "error": "\(error)"])
                counters.withLock { $0.deadLettered += 1 }
                metrics.count("dead-lettered")
                d.reject(requeue: false)
            }
        }
        guard !readable.isEmpty else { return }
        let results: [Result<LotEngine.Applied, LotError>]
        do {
            results = try engine.apply(batch: readable.map(\.1), at: clock())
        } catch {
            logger.error("the store failed; the batch will be delivered again", metadata: ["error": "\(error)"])
            for (d, _) in readable { d.nack(requeue: true) }
            try? await Task.sleep(for: .milliseconds(500))
            return
        }
        await flushOutbox(publisher)
        for ((d, m), r) in zip(readable, results) {
            switch r {
            case .success(.applied):
                counters.withLock { $0.applied += 1 }
                metrics.count("applied")
                d.ack()
            case .success(.duplicate):
                counters.withLock { $0.duplicates += 1 }
                metrics.count("duplicate")
                d.ack()
            case .failure(let e):
                // Requeued: the broker gives up after the queue's delivery limit and dead-letters it, so a
                // message a fixed worker can apply is kept (and can be replayed) rather than lost.
                logger.error(
                    "a message could not be applied; it will be retried, then dead-lettered",
                    metadata: ["message_id": "\(m.envelope.messageID)", "type": "\(m.envelope.type.rawValue)", "error": "\(e)"])
                counters.withLock { $0.retried += 1 }
                metrics.count("retried")
                d.nack(requeue: true)
            }
        }
    }

    /// Signs and publishes every pending outbox message, marking each sent once the broker confirms it.
    private func flushOutbox(_ publisher: AMQPPublisher) async {
        // One flush at a time; a caller that waits here still gets a full pass after its own commit.
        await flushing.lock()
        defer { flushing.unlock() }
        while true {
            let pending: [OutboxEntry]
            do { pending = try engine.pendingMessages() } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                return
            }
            guard !pending.isEmpty else { return }
            let now = clock()
            let outgoing = pending.map { p -> OutgoingMessage in
                // Signed now, not when written: a message that waited out a broker outage is still fresh.
                var envelope = Envelope(
                    messageID: p.messageId, type: p.type, sender: signer.party, recipient: p.recipient,
                    subject: p.subject, sentAt: now, keyID: signer.keyID)
                signer.sign(&envelope, body: p.body)
                return SignedMessage(envelope: envelope, body: p.body)
                    .submission(brokerUser: configuration.user, topology: options.topology)
            }
            let results = await publisher.publish(outgoing)
            var sent: [Int64] = []
            for (p, r) in zip(pending, results) {
                if case .failure(let e) = r {
                    logger.error(
                        "an outgoing message was not confirmed; it stays in the outbox",
                        metadata: ["message_id": "\(p.messageId)", "error": "\(e)"])
                } else if let seq = p.seq {
                    sent.append(seq)
                }
            }
            do { try engine.markSent(sent, at: now) } catch {
                logger.error("cannot mark messages sent; they will be sent again (recipients dedupe)", metadata: ["error": "\(error)"])
                return
            }
            counters.withLock { $0.published += sent.count }
            metrics.count("published", sent.count)
            if sent.count < pending.count { return }
        }
    }

    private func fireTimers(_ publisher: AMQPPublisher) async {
        do {
            let fired = try engine.fireDueTimers(at: clock()) { timer, error in
                logger.error(
                    "a timer's action failed; it stays due and is tried again",
                    metadata: ["timer": "\(timer.kind)", "timer_id": "\(timer.id)", "error": "\(error)"])
            }
            if fired > 0 {
                counters.withLock { $0.timersFired += fired }
                metrics.count("timer-fired", fired)
                await flushOutbox(publisher)
            }
        } catch {
            logger.error("timers failed; they will be tried again", metadata: ["error": "\(error)"])
        }
    }
}

/// A lock for async code that holds it across suspension points (an actor would let a second flush interleave).
final class AsyncLock: Sendable {
    private let state = Mutex((locked: false, waiters: [CheckedContinuation<Void, Never>]()))

    func lock() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s in
                if s.locked {
                    s.waiters.append(c)
                    return false
                }
                s.locked = true
                return true
            }
            if acquired { c.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()  // handed over still locked
        }
        next?.resume()
    }
}
