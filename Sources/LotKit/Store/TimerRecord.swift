import Contracts
import GRDB

/// A timer a rule scheduled (table `timer`): fired once when due, unless cancelled first.
public struct TimerRecord: StoreRecord, Sendable {
    /// The table of timers the rules scheduled, pending, fired or cancelled.
    public static let databaseTableName = "timer"

    /// Its row id, assigned when it is inserted (nil before).
    public var id: Int64?
    /// What falls due (the lot's timer kinds: first contact, works, ...).
    public var kind: String
    /// The URC of the person the deadline concerns.
    public var subject: URC
    /// What it is about (a referral id).
    public var reference: String
    /// When it falls due; it fires at the worker's first timer check after that (every `--timer-interval` seconds).
    public var dueAt: Timestamp
    /// When it fired; nil while pending.
    public var firedAt: Timestamp?
    /// When it was cancelled because what it watched for was done in time; nil otherwise.
    public var cancelledAt: Timestamp?

    /// Pending timers due at `now`, earliest first.
    public static func due(at now: Timestamp) -> QueryInterfaceRequest<TimerRecord> {
        filter(Column("due_at") <= now && Column("fired_at") == nil && Column("cancelled_at") == nil).order(Column("due_at"), Column("id"))
    }
}
