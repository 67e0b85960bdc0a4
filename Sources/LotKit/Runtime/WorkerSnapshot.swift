import Contracts
import GRDB

/// What a worker's store says for its operators at one moment: counts only, never a URC, name or free text.
public struct WorkerSnapshot: Sendable, Equatable {
    /// Messages waiting in the outbox to be published.
    public var outboxPending = 0
    /// When the oldest of them was written; nil when none wait.
    public var outboxOldest: Timestamp?
    /// Deadlines that passed without what they watched for being done (first contact, works, lock change, ...), by
    /// timer kind: fired, or due and about to fire.
    public var timersOverdue: [String: Int] = [:]
    /// Deadlines still ahead, by timer kind.
    public var timersPending: [String: Int] = [:]
    /// Actions the rules took, by rule, since the store was made.
    public var ruleActions: [String: Int] = [:]
    /// Safety alerts this service raised, by kind.
    public var alertsRaised: [String: Int] = [:]
    /// MARAC actions this agency owns that are past their due date and neither done nor closed.
    public var maracActionsOverdue = 0
    /// Consent records sent to the gateway that it has not answered yet.
    public var consentsUnanswered = 0

    /// An empty snapshot (a new store).
    public init() {}
}

extension LotEngine {
    /// Reads the snapshot at `now` in one read transaction.
    public func snapshot(at now: Timestamp = Timestamp()) async throws -> WorkerSnapshot {
        try await readOnStoreQueue { (db: Database) throws -> WorkerSnapshot in
            var s = WorkerSnapshot()
            if let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL") {
                s.outboxPending = row[0]
                s.outboxOldest = (row[1] as Int64?).map { Timestamp(millisecondsSince1970: $0) }
            }
            s.timersOverdue = try Self.counts(
                db, "SELECT kind, COUNT(*) FROM timer WHERE cancelled_at IS NULL AND due_at <= ? GROUP BY kind", [now.millisecondsSince1970])
            s.timersPending = try Self.counts(
                db, "SELECT kind, COUNT(*) FROM timer WHERE cancelled_at IS NULL AND fired_at IS NULL AND due_at > ? GROUP BY kind",
                [now.millisecondsSince1970])
            s.ruleActions = try Self.counts(db, "SELECT rule, COUNT(*) FROM rule_log GROUP BY rule", [])
            s.alertsRaised = try Self.counts(db, "SELECT kind, COUNT(*) FROM alert WHERE direction = 'out' GROUP BY kind", [])
            let closed = [ActionStatus.done, .notPossible, .notDone].map(\.rawValue)
            s.maracActionsOverdue =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM assigned_action WHERE due_date < ? AND status NOT IN (?, ?, ?)",
                    arguments: [CalendarDate(now).description] + StatementArguments(closed)) ?? 0
            s.consentsUnanswered =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE type = 'consent' AND answered_at IS NULL") ?? 0
            return s
        }
    }

    fileprivate static func counts(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) { out[row[0]] = row[1] }
        return out
    }
}
