import Contracts
import GRDB

/// A timer a rule scheduled (table `timer`): fired once when due, unless cancelled first.
public struct TimerRecord: StoreRecord, Sendable {
    public static let databaseTableName = "timer"

    public var id: Int64?
    /// What falls due (the lot's timer kinds: first contact, works, ...).
    public var kind: String
    public var subject: URC
    /// What it is about (a referral id).
    public var reference: String
    public var dueAt: Timestamp
    public var firedAt: Timestamp?
    public var cancelledAt: Timestamp?

    /// Pending timers due at `now`, earliest first.
    public static func due(at now: Timestamp) -> QueryInterfaceRequest<TimerRecord> {
        filter(Column("due_at") <= now && Column("fired_at") == nil && Column("cancelled_at") == nil).order(Column("due_at"), Column("id"))
    }
}
