import AMQP
import Synchronization

/// The consumer a long-running service reads from, and a stop asked for before it had one: a stop that comes
/// while the service is still connecting is kept, and ends the run as soon as the consumer exists.
final class ConsumerSlot: Sendable {
    private enum State {
        case idle, stopRequested
        case running(AMQPConsumer)
    }
    private let state = Mutex(State.idle)

    /// Holds `consumer` for the run; stops it at once if a stop was asked for already.
    func hold(_ consumer: AMQPConsumer) async {
        let stopNow = state.withLock { s -> Bool in
            defer { s = .running(consumer) }
            if case .stopRequested = s { return true }
            return false
        }
        if stopNow { await consumer.stopReceiving() }
    }

    /// Stops the consumer held, or keeps the request for the one about to be held.
    func stop() async {
        let consumer = state.withLock { s -> AMQPConsumer? in
            if case .running(let c) = s { return c }
            s = .stopRequested
            return nil
        }
        await consumer?.stopReceiving()
    }

    /// The run is over: a later run starts afresh.
    func release() { state.withLock { $0 = .idle } }
}
