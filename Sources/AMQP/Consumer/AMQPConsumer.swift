import Foundation
import Logging
import Synchronization

/// Consumes one queue with manual acknowledgements on its own connection and thread, handing deliveries out
/// as an `AsyncSequence`.
///
/// At most `prefetch` deliveries are unsettled at once. When the connection is lost the consumer reconnects
/// with backoff, declares its topology again and resumes; deliveries not yet acknowledged come back as
/// `redelivered`. End the sequence with `stopReceiving()` (graceful shutdown: settle what you hold, then
/// `close()`); `close()` alone returns unsettled deliveries to the queue.
public final class AMQPConsumer: AsyncSequence, Sendable {
    /// Each element is one delivery, to be settled exactly once (`ack`, `nack` or `reject`).
    public typealias Element = AMQPDelivery

    /// Tuning for a consumer.
    public struct Options: Sendable {
        /// Unacknowledged deliveries the broker may send ahead (`basic.qos`).
        public var prefetch: UInt16
        /// Backoff between attempts to reconnect after the connection is lost.
        public var reconnect: AMQPReconnectPolicy
        /// Hand deliveries out in batches (`batches`) instead of one by one: everything read in one turn of the
        /// connection thread, so a consumer can commit a batch's effects in one transaction.
        public var batched: Bool

        /// Defaults: 100 unacknowledged deliveries in flight, the default backoff, deliveries handed out one by one.
        public init(prefetch: UInt16 = 100, reconnect: AMQPReconnectPolicy = .init(), batched: Bool = false) {
            self.prefetch = prefetch
            self.reconnect = reconnect
            self.batched = batched
        }
    }

    private let core: ConsumerCore
    private let stream: AsyncStream<AMQPDelivery>

    /// With `Options.batched`: each element is every delivery that arrived since the previous one was taken,
    /// so batches grow while the application is busy and shrink when it keeps up.
    public var batches: Batches { Batches(core: core) }

    /// The deliveries as batches (see `batches`).
    public struct Batches: AsyncSequence, Sendable {
        /// Each element is every delivery that arrived since the previous batch was taken (never empty).
        public typealias Element = [AMQPDelivery]
        let core: ConsumerCore

        /// An iterator over the batches; it ends once the consumer has stopped receiving and the last batch was taken.
        public func makeAsyncIterator() -> Iterator { Iterator(core: core) }

        /// Waits for the next batch of deliveries.
        public struct Iterator: AsyncIteratorProtocol {
            let core: ConsumerCore
            /// The next batch, waiting for at least one delivery; nil once the consumer has stopped and everything was taken.
            public mutating func next() async -> [AMQPDelivery]? { await core.nextBatch() }
        }
    }

    /// Connects, declares `topology`, and starts consuming `queue`; throws a one-line error if that fails.
    public init(
        configuration: AMQPConnectionConfiguration, queue: String, topology: AMQPTopology = .init(),
        options: Options = .init(),
        logger: Logger = Logger(label: "refgw.amqp.consumer")
    ) async throws(AMQPError) {
        let (stream, continuation) = AsyncStream<AMQPDelivery>.makeStream()
        let core = ConsumerCore(
            configuration: configuration, queue: queue, topology: topology, options: options,
            logger: logger, continuation: continuation)
        let started: Result<Void, AMQPError> = await withCheckedContinuation { started in
            startDedicatedThread(name: "amqp-consumer") {
                ConsumerLoop(core: core).run(started: started)
            }
        }
        try started.get()
        self.core = core
        self.stream = stream
    }

    deinit {
        core.request(close: true)
    }

    /// With `Options.batched`: deliveries that arrived since the last batch was taken, without waiting.
    public func takeBuffered() -> [AMQPDelivery] { core.takeBuffered() }

    /// An iterator over the deliveries; it ends after `stopReceiving()` or `close()`, once those already read are handed out.
    public func makeAsyncIterator() -> AsyncStream<AMQPDelivery>.Iterator {
        stream.makeAsyncIterator()
    }

    /// Whether it holds a connection to a broker node now, and how many times it lost one (for readiness and metrics).
    public var connection: AMQPConnectionState.Snapshot { core.connectionState.snapshot }

    /// Cancels the subscription: no new deliveries; the sequence ends after those already handed out.
    /// Deliveries held can still be settled until `close()`.
    public func stopReceiving() async {
        await core.waitFor(close: false)
    }

    /// Closes the connection; deliveries not yet acknowledged go back to the queue.
    public func close() async {
        await core.waitFor(close: true)
    }
}

/// The state a consumer's deliveries, its owner and its thread share.
final class ConsumerCore: Sendable {
    struct Shared {
        var settlements: [Settlement] = []
        var sleeping = false
        var stopRequested = false
        var closeRequested = false
        var stopped = false
        var closed = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let configuration: AMQPConnectionConfiguration
    let queue: String
    let topology: AMQPTopology
    let options: AMQPConsumer.Options
    let logger: Logger
    let continuation: AsyncStream<AMQPDelivery>.Continuation
    let wakeup = WakeupPipe()
    let connectionState = AMQPConnectionState()
    /// Batched mode: deliveries not yet taken, and the caller waiting for them.
    private let batch = Mutex<(buffer: [AMQPDelivery], waiter: CheckedContinuation<[AMQPDelivery]?, Never>?, finished: Bool)>(([], nil, false))
    let shared = Mutex(Shared())

    init(
        configuration: AMQPConnectionConfiguration, queue: String, topology: AMQPTopology,
        options: AMQPConsumer.Options, logger: Logger, continuation: AsyncStream<AMQPDelivery>.Continuation
    ) {
        self.configuration = configuration
        self.queue = queue
        self.topology = topology
        self.options = options
        self.logger = logger
        self.continuation = continuation
    }

    /// Hands deliveries read in one turn to the application.
    func emit(_ deliveries: [AMQPDelivery]) {
        guard !deliveries.isEmpty else { return }
        guard options.batched else {
            for d in deliveries { continuation.yield(d) }
            return
        }
        let handOver = batch.withLock { b -> (CheckedContinuation<[AMQPDelivery]?, Never>, [AMQPDelivery])? in
            b.buffer.append(contentsOf: deliveries)
            guard let w = b.waiter else { return nil }
            b.waiter = nil
            defer { b.buffer.removeAll() }
            return (w, b.buffer)
        }
        if let (waiter, deliveries) = handOver { waiter.resume(returning: deliveries) }
    }

    /// What has arrived and not been taken, without waiting (batched mode).
    func takeBuffered() -> [AMQPDelivery] {
        batch.withLock { b in
            defer { b.buffer.removeAll() }
            return b.buffer
        }
    }

    /// Everything delivered since the last call (waiting for at least one), or nil once stopped and drained.
    func nextBatch() async -> [AMQPDelivery]? {
        await withCheckedContinuation { (c: CheckedContinuation<[AMQPDelivery]?, Never>) in
            let ready: [AMQPDelivery]?? = batch.withLock { b in
                if !b.buffer.isEmpty {
                    defer { b.buffer.removeAll() }
                    return .some(b.buffer)
                }
                if b.finished { return .some(nil) }
                b.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    func settle(_ s: Settlement) { settle(contentsOf: [s]) }

    func settle(contentsOf s: [Settlement]) {
        guard !s.isEmpty else { return }
        let wake = shared.withLock { state -> Bool in
            state.settlements.append(contentsOf: s)
            let w = state.sleeping
            state.sleeping = false
            return w
        }
        if wake { wakeup.wake() }
    }

    /// Takes the queued settlements and marks the thread as wakeable.
    func take() -> (settlements: [Settlement], stop: Bool, close: Bool) {
        shared.withLock { s in
            let taken = s.settlements
            s.settlements.removeAll(keepingCapacity: true)
            // Everything was taken, so any settlement from now on must wake the thread: it may be about to
            // block in poll with the broker silent (all prefetch slots held by unacknowledged deliveries).
            s.sleeping = true
            return (taken, s.stopRequested, s.closeRequested)
        }
    }

    func request(close: Bool) {
        shared.withLock { s in
            s.stopRequested = true
            if close { s.closeRequested = true }
        }
        wakeup.wake()
    }

    func waitFor(close: Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = shared.withLock { s -> Bool in
                s.stopRequested = true
                if close {
                    s.closeRequested = true
                    if s.closed { return true }
                    s.closeWaiters.append(c)
                } else {
                    if s.stopped { return true }
                    s.stopWaiters.append(c)
                }
                return false
            }
            if done { c.resume() } else { wakeup.wake() }
        }
    }

    func markStopped() {
        continuation.finish()
        let waiter = batch.withLock { b -> CheckedContinuation<[AMQPDelivery]?, Never>? in
            b.finished = true
            guard b.buffer.isEmpty, let w = b.waiter else { return nil }
            b.waiter = nil
            return w
        }
        waiter?.resume(returning: nil)
        let waiters = shared.withLock { s in
            s.stopped = true
            let w = s.stopWaiters
            s.stopWaiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
    }

    func markClosed() {
        markStopped()
        let waiters = shared.withLock { s in
            s.closed = true
            let w = s.closeWaiters
            s.closeWaiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
    }
}
