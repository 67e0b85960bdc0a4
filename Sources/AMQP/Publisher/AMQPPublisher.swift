import Foundation
import Logging
import Synchronization

/// Publishes persistent messages under publisher confirms on its own connection and thread.
///
/// `publish` returns once the broker has taken responsibility for the message (`basic.ack`). Up to
/// `Options.window` messages are unconfirmed at once, so concurrent callers (or one `publish(_:)` of an array)
/// keep the connection busy instead of waiting for each confirm in turn. A nack, a returned mandatory message,
/// a refused publish (e.g. a `user_id` that is not the login) or a timeout is thrown to that message's caller.
///
/// When the connection is lost the publisher reconnects with backoff, declares its topology again and sends
/// every unconfirmed message again: delivery is at least once, so consumers must tolerate duplicates
/// (this project's inboxes dedupe on message id).
public final class AMQPPublisher: Sendable {
    /// Tuning for a publisher.
    public struct Options: Sendable {
        /// Unconfirmed messages allowed in flight.
        public var window: Int
        /// Seconds after which an unconfirmed message fails with `.timedOut` (it may still have been stored).
        public var confirmTimeout: Double
        /// Backoff between attempts to reconnect after the connection is lost.
        public var reconnect: AMQPReconnectPolicy

        /// Defaults: 100 unconfirmed messages in flight, 60 s for each confirm, the default backoff; `window` is at least 1.
        public init(window: Int = 100, confirmTimeout: Double = 60, reconnect: AMQPReconnectPolicy = .init()) {
            self.window = max(1, window)
            self.confirmTimeout = confirmTimeout
            self.reconnect = reconnect
        }
    }

    private let core: PublisherCore

    /// Connects (throwing a one-line error if the broker cannot be reached or refuses the login), declares
    /// `topology` and turns on confirms.
    public init(
        configuration: AMQPConnectionConfiguration, topology: AMQPTopology = .init(),
        options: Options = .init(),
        logger: Logger = Logger(label: "refgw.amqp.publisher")
    ) async throws(AMQPError) {
        let core = PublisherCore(configuration: configuration, topology: topology, options: options, logger: logger)
        let started: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            startDedicatedThread(name: "amqp-publisher") {
                PublisherLoop(core: core).run(started: continuation)
            }
        }
        try started.get()
        self.core = core
    }

    deinit {
        core.requestShutdown()
    }

    /// Publishes one message and returns when the broker has confirmed it.
    public func publish(_ message: OutgoingMessage) async throws(AMQPError) {
        let result: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            core.submit([message]) { _, result in continuation.resume(returning: result) }
        }
        try result.get()
    }

    /// Publishes messages in order, pipelined within the window; returns each one's outcome in the same order.
    public func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] {
        guard !messages.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = BatchCollector(count: messages.count, continuation: continuation)
            core.submit(messages) { index, result in collector.complete(index, result) }
        }
    }

    /// Whether it holds a connection to a broker node now, and how many times it lost one (for readiness and metrics).
    public var connection: AMQPConnectionState.Snapshot { core.connectionState.snapshot }

    /// Stops accepting messages, waits for the ones in flight to be confirmed (or time out), and disconnects.
    public func close() async {
        await core.shutdown()
    }
}

/// Gathers the results of a batch and resumes its caller once all are in.
private final class BatchCollector: Sendable {
    private let state: Mutex<(results: [Result<Void, AMQPError>?], remaining: Int)>
    private let continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>

    init(count: Int, continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) {
        state = Mutex((Array(repeating: nil, count: count), count))
        self.continuation = continuation
    }

    func complete(_ index: Int, _ result: Result<Void, AMQPError>) {
        let done: [Result<Void, AMQPError>]? = state.withLock { s in
            guard s.results[index] == nil else { return nil }
            s.results[index] = result
            s.remaining -= 1
            return s.remaining == 0 ? s.results.map { $0! } : nil
        }
        if let done { continuation.resume(returning: done) }
    }
}

/// A message waiting to be published or confirmed, with whom to tell.
struct PublishRequest: Sendable {
    var message: OutgoingMessage
    var index: Int
    var deadline: ContinuousClock.Instant
    var completion: @Sendable (Int, Result<Void, AMQPError>) -> Void

    func complete(_ result: Result<Void, AMQPError>) { completion(index, result) }
}

/// The state a publisher's callers and its thread share.
final class PublisherCore: Sendable {
    struct Shared {
        var queue: [PublishRequest] = []
        /// The thread is about to block in `poll` and must be woken for new work.
        var sleeping = false
        var shuttingDown = false
        var finished = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let configuration: AMQPConnectionConfiguration
    let topology: AMQPTopology
    let options: AMQPPublisher.Options
    let logger: Logger
    let wakeup = WakeupPipe()
    let connectionState = AMQPConnectionState()
    let shared = Mutex(Shared())

    init(
        configuration: AMQPConnectionConfiguration, topology: AMQPTopology, options: AMQPPublisher.Options,
        logger: Logger
    ) {
        self.configuration = configuration
        self.topology = topology
        self.options = options
        self.logger = logger
    }

    func submit(_ messages: [OutgoingMessage], completion: @escaping @Sendable (Int, Result<Void, AMQPError>) -> Void) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(options.confirmTimeout * 1000))
        let requests = messages.enumerated().map { i, m in
            var m = m
            // A returned message is matched to its publish by message id, so every mandatory message needs one.
            if m.mandatory && m.properties.messageID == nil { m.properties.messageID = UUID().uuidString }
            return PublishRequest(message: m, index: i, deadline: deadline, completion: completion)
        }
        let (accepted, wake) = shared.withLock { s -> (Bool, Bool) in
            guard !s.shuttingDown else { return (false, false) }
            s.queue.append(contentsOf: requests)
            let wake = s.sleeping
            s.sleeping = false
            return (true, wake)
        }
        if !accepted {
            for r in requests { r.complete(.failure(.shutDown)) }
        } else if wake {
            wakeup.wake()
        }
    }

    /// Takes up to `limit` queued requests; marks the thread as sleeping when nothing is left.
    func take(limit: Int) -> (requests: [PublishRequest], moreQueued: Bool, shuttingDown: Bool) {
        shared.withLock { s in
            let n = min(limit, s.queue.count)
            let taken: [PublishRequest]
            if n == s.queue.count {
                taken = s.queue
                s.queue.removeAll(keepingCapacity: true)
            } else {
                taken = Array(s.queue.prefix(n))
                s.queue.removeFirst(n)
            }
            s.sleeping = s.queue.isEmpty
            return (taken, !s.queue.isEmpty, s.shuttingDown)
        }
    }

    /// Puts requests back at the head of the queue, in order (after a lost connection).
    func putBack(_ requests: [PublishRequest]) {
        guard !requests.isEmpty else { return }
        shared.withLock { s in s.queue.insert(contentsOf: requests, at: 0) }
    }

    /// Fails queued requests whose deadline has passed.
    func expireQueued(now: ContinuousClock.Instant) {
        let expired: [PublishRequest] = shared.withLock { s in
            guard s.queue.contains(where: { $0.deadline <= now }) else { return [] }
            let e = s.queue.filter { $0.deadline <= now }
            s.queue.removeAll { $0.deadline <= now }
            return e
        }
        for r in expired { r.complete(.failure(.timedOut("no confirm from the broker within \(options.confirmTimeout) s"))) }
    }

    func requestShutdown() {
        shared.withLock { $0.shuttingDown = true }
        wakeup.wake()
    }

    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = shared.withLock { s -> Bool in
                s.shuttingDown = true
                if s.finished { return true }
                s.closeWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() } else { wakeup.wake() }
        }
    }

    /// Called by the thread as it exits: fails what is left and releases `close()` callers.
    func finish() {
        let (left, waiters) = shared.withLock { s in
            s.finished = true
            s.shuttingDown = true
            let left = s.queue
            s.queue.removeAll()
            let w = s.closeWaiters
            s.closeWaiters.removeAll()
            return (left, w)
        }
        for r in left { r.complete(.failure(.shutDown)) }
        for w in waiters { w.resume() }
    }
}
