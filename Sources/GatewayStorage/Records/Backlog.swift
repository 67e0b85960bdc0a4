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

/// How many audit entries of one event and reason code a window holds.
public struct AuditCount: Sendable, Equatable {
    /// The entries' event (delivered, refused, ...).
    public var event: AuditEntry.Event
    /// Their reason code, for refusals; nil for events without one.
    public var reasonCode: String?
    /// How many.
    public var count: Int

    /// A count of `count` entries.
    public init(event: AuditEntry.Event, reasonCode: String?, count: Int) {
        self.event = event
        self.reasonCode = reasonCode
        self.count = count
    }
}
