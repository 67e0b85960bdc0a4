import Contracts

/// How much waits somewhere (the outbox, the kept dead letters) and since when: what an operator's gauges show.
public struct Backlog: Sendable, Equatable {
    /// How many wait.
    public var count: Int
    /// When the oldest of them was stored; nil when none wait.
    public var oldest: Timestamp?

    /// A backlog of `count`, the oldest stored at `oldest`.
    public init(count: Int, oldest: Timestamp?) {
        self.count = count
        self.oldest = oldest
    }
}
