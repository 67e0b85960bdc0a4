import Synchronization

/// Whether a client holds a connection to a broker node, and how often it lost one: what readiness checks and
/// metrics read, written only by the client's own thread.
public final class AMQPConnectionState: Sendable {
    /// One reading.
    public struct Snapshot: Sendable, Equatable {
        /// Connected to a node now.
        public var isConnected: Bool
        /// Connections lost since the client started (each followed by attempts to reconnect).
        public var losses: Int
    }

    private let state = Mutex(Snapshot(isConnected: false, losses: 0))

    /// A client not yet connected.
    public init() {}

    /// The state now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func connected() { state.withLock { $0.isConnected = true } }

    func lost() {
        state.withLock { s in
            if s.isConnected { s.losses += 1 }
            s.isConnected = false
        }
    }

    func closed() { state.withLock { $0.isConnected = false } }
}
