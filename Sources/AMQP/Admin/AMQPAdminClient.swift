import Foundation
import Logging
import Synchronization

/// One-at-a-time broker operations (declare, delete, purge, count, fetch) on a dedicated thread: for tools,
/// set-up and tests rather than message flow.
public final class AMQPAdminClient: Sendable {
    private typealias Job = @Sendable (inout RawConnection?) -> Void

    /// The job queue the caller and the thread share.
    private final class JobQueue: Sendable {
        let jobs = Mutex<(queue: [Job], closed: Bool)>(([], false))
        let signal = DispatchSemaphore(value: 0)
    }

    private let configuration: AMQPConnectionConfiguration
    private let queue = JobQueue()

    /// Connects eagerly, so a wrong URL, password or vhost is reported here.
    public init(configuration: AMQPConnectionConfiguration) async throws(AMQPError) {
        var c = configuration
        c.heartbeat = 0  // idle between operations; a dead connection is noticed and replaced on the next one
        self.configuration = c
        let shared = self.queue
        startDedicatedThread(name: "amqp-admin") {
            var connection: RawConnection?
            while true {
                shared.signal.wait()
                let job: Job? = shared.jobs.withLock { j in j.queue.isEmpty ? nil : j.queue.removeFirst() }
                guard let job else {
                    if shared.jobs.withLock({ $0.closed }) {
                        connection?.close()
                        return
                    }
                    continue
                }
                job(&connection)
            }
        }
        try await run { (_: RawConnection) throws(AMQPError) in }
    }

    deinit {
        queue.jobs.withLock { $0.closed = true }
        queue.signal.signal()
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (RawConnection) throws(AMQPError) -> T) async throws(AMQPError) -> T {
        let configuration = self.configuration
        let result: Result<T, AMQPError> = await withCheckedContinuation { continuation in
            let job: Job = { connection in
                do throws(AMQPError) {
                    if connection == nil || !(connection!.isOpen) { connection = try RawConnection.open(configuration).connection }
                    if !connection!.channelIsOpen { try connection!.openChannel() }
                    continuation.resume(returning: .success(try body(connection!)))
                } catch {
                    if !(connection?.isOpen ?? false) { connection = nil }
                    continuation.resume(returning: .failure(error))
                }
            }
            let accepted = queue.jobs.withLock { j -> Bool in
                guard !j.closed else { return false }
                j.queue.append(job)
                return true
            }
            if accepted { queue.signal.signal() } else { continuation.resume(returning: .failure(.shutDown)) }
        }
        return try result.get()
    }

    /// Declares exchanges, queues and bindings.
    public func declare(_ topology: AMQPTopology) async throws(AMQPError) {
        try await run { (c: RawConnection) throws(AMQPError) in try c.declare(topology) }
    }

    /// Deletes a queue and the messages in it.
    public func deleteQueue(_ name: String) async throws(AMQPError) {
        try await run { (c: RawConnection) throws(AMQPError) in try c.deleteQueue(name) }
    }

    /// Deletes an exchange and its bindings; the queues that were bound to it, and their messages, stay.
    public func deleteExchange(_ name: String) async throws(AMQPError) {
        try await run { (c: RawConnection) throws(AMQPError) in try c.deleteExchange(name) }
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) async throws(AMQPError) -> Int {
        Int(try await run { (c: RawConnection) throws(AMQPError) in try c.purgeQueue(name) })
    }

    /// Ready messages in a queue (from a passive declare; quorum queues report this at once, unlike the
    /// management statistics). Throws `.channelClosed(404, ...)` if the queue does not exist.
    public func messageCount(_ queue: String) async throws(AMQPError) -> Int {
        Int(try await run { (c: RawConnection) throws(AMQPError) in try c.declareQueue(AMQPTopology.Queue(queue), passive: true).messages })
    }

    /// Ready messages and consumers of a queue (a passive declare); throws `.channelClosed(404, ...)` if it does not exist.
    public func queueStatus(_ queue: String) async throws(AMQPError) -> (messages: Int, consumers: Int) {
        let r = try await run { (c: RawConnection) throws(AMQPError) in try c.declareQueue(AMQPTopology.Queue(queue), passive: true) }
        return (Int(r.messages), Int(r.consumers))
    }

    /// Takes one message from a queue, removing it (`basic.get` then `basic.ack`); nil when empty.
    public func take(from queue: String) async throws(AMQPError) -> AMQPDelivery? {
        try await run { conn throws(AMQPError) -> AMQPDelivery? in
            guard let d = try conn.get(queue: queue) else { return nil }
            try conn.ack(d.deliveryTag, multiple: false)
            return AMQPDelivery(
                exchange: d.exchange, routingKey: d.routingKey, redelivered: d.redelivered,
                properties: d.properties, body: d.body, deliveryTag: d.deliveryTag,
                generation: 0, settler: nil)
        }
    }

    /// Closes the connection and stops the thread.
    public func close() async {
        _ = try? await run { (c: RawConnection) throws(AMQPError) in c.close() }
        queue.jobs.withLock { $0.closed = true }
        queue.signal.signal()
    }
}
