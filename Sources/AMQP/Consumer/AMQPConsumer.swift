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
    public typealias Element = AMQPDelivery

    /// Tuning for a consumer.
    public struct Options: Sendable {
        /// Unacknowledged deliveries the broker may send ahead (`basic.qos`).
        public var prefetch: UInt16
        public var reconnect: AMQPReconnectPolicy
        /// Hand deliveries out in batches (`batches`) instead of one by one: everything read in one turn of the
        /// connection thread, so a consumer can commit a batch's effects in one transaction.
        public var batched: Bool

        public init(prefetch: UInt16 = 100, reconnect: AMQPReconnectPolicy = .init(), batched: Bool = false) {
            self.prefetch = prefetch
            self.reconnect = reconnect
            self.batched = batched
        }
    }

    private let core: ConsumerCore
    private let stream: AsyncStream<AMQPDelivery>
    /// Deliveries in the batches they arrived in, when the consumer was made with `Options.batched`.
    public let batches: AsyncStream<[AMQPDelivery]>

    /// Connects, declares `topology`, and starts consuming `queue`; throws a one-line error if that fails.
    public init(configuration: AMQPConnectionConfiguration, queue: String, topology: AMQPTopology = .init(),
                options: Options = .init(),
                logger: Logger = Logger(label: "refgw.amqp.consumer")) async throws(AMQPError) {
        let (stream, continuation) = AsyncStream<AMQPDelivery>.makeStream()
        let (batches, batchContinuation) = AsyncStream<[AMQPDelivery]>.makeStream()
        let core = ConsumerCore(configuration: configuration, queue: queue, topology: topology, options: options,
                                logger: logger, continuation: continuation, batchContinuation: batchContinuation)
        let started: Result<Void, AMQPError> = await withCheckedContinuation { started in
            startDedicatedThread(name: "amqp-consumer") {
                ConsumerLoop(core: core).run(started: started)
            }
        }
        try started.get()
        self.core = core
        self.stream = stream
        self.batches = batches
    }

    deinit {
        core.request(close: true)
    }

    public func makeAsyncIterator() -> AsyncStream<AMQPDelivery>.Iterator {
        stream.makeAsyncIterator()
    }

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
    let batchContinuation: AsyncStream<[AMQPDelivery]>.Continuation
    let wakeup = WakeupPipe()
    let shared = Mutex(Shared())

    init(configuration: AMQPConnectionConfiguration, queue: String, topology: AMQPTopology,
         options: AMQPConsumer.Options, logger: Logger, continuation: AsyncStream<AMQPDelivery>.Continuation,
         batchContinuation: AsyncStream<[AMQPDelivery]>.Continuation) {
        self.configuration = configuration
        self.queue = queue
        self.topology = topology
        self.options = options
        self.logger = logger
        self.continuation = continuation
        self.batchContinuation = batchContinuation
    }

    /// Hands deliveries read in one turn to the application.
    func emit(_ deliveries: [AMQPDelivery]) {
        guard !deliveries.isEmpty else { return }
        if options.batched {
            batchContinuation.yield(deliveries)
        } else {
            for d in deliveries { continuation.yield(d) }
        }
    }

    func settle(_ s: Settlement) {
        let wake = shared.withLock { state -> Bool in
            state.settlements.append(s)
            let w = state.sleeping
            state.sleeping = false
            return w
        }
        if wake { wakeup.wake() }
    }

    /// Takes the queued settlements; marks the thread sleeping when there were none.
    func take() -> (settlements: [Settlement], stop: Bool, close: Bool) {
        shared.withLock { s in
            let taken = s.settlements
            s.settlements.removeAll(keepingCapacity: true)
            s.sleeping = taken.isEmpty
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
        batchContinuation.finish()
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
