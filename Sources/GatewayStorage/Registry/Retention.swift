import Contracts

/// How long the gateway keeps what it need not keep for ever (`config/retention.yaml`), and how often it purges.
///
/// The audit log, the consent and person registries and the correspondence are never purged: they are the record an
/// information-governance officer answers from, and what later messages about a person or a referral are checked
/// against. What goes is what only deduplication or a pending replay needs.
public struct RetentionRules: Sendable, Equatable {
    /// Days a decided message id is remembered (a redelivery or a sender's retry within them is found decided).
    public var seenMessageDays: Int
    /// Days a replayed dead letter keeps its body and properties after it was replayed.
    public var replayedDeadLetterContentDays: Int
    /// How often the purge runs, in seconds: once in that time across every gateway sharing the store.
    public var intervalSeconds: Int
    /// Rows of each kind one purge transaction removes at most, so that it never holds the write lock for long.
    public var rowsPerTransaction: Int

    /// Rules keeping seen ids `seenMessageDays` days and replayed dead letters' content `replayedDeadLetterContentDays`.
    public init(seenMessageDays: Int, replayedDeadLetterContentDays: Int, intervalSeconds: Int = 3600, rowsPerTransaction: Int = 5000) {
        self.seenMessageDays = seenMessageDays
        self.replayedDeadLetterContentDays = replayedDeadLetterContentDays
        self.intervalSeconds = intervalSeconds
        self.rowsPerTransaction = rowsPerTransaction
    }
}

/// What one purge transaction removed.
public struct PurgeReport: Sendable, Equatable {
    /// Seen message ids forgotten.
    public var seenMessages = 0
    /// Replayed dead letters whose body and properties were erased.
    public var deadLetterContents = 0
    /// False when a kind reached the transaction's limit: more is due, and the next transaction goes on.
    public var complete = true
    /// Message ids decided before this were forgotten.
    public var seenBefore: Timestamp
    /// Dead letters replayed before this lost their content.
    public var replayedBefore: Timestamp

    /// A report of nothing removed yet, with these cutoffs.
    public init(seenBefore: Timestamp, replayedBefore: Timestamp) {
        self.seenBefore = seenBefore
        self.replayedBefore = replayedBefore
    }

    /// Rows removed, of every kind.
    public var removed: Int { seenMessages + deadLetterContents }
}

/// The purge: what the retention rules let go, once an interval for a whole region.
public enum Retention {
    /// The `maintenance` row the purge keeps.
    public static let purgeTask = "purge"

    /// Purges in this transaction if no instance finished a purge within the interval (`force`: whatever the last
    /// run), up to the rules' limit a kind; nil when it was not due. Every write transaction holds the store's write
    /// lock (the file's on SQLite, the region's advisory lock on PostgreSQL), so two gateways asking at once
    /// purge once: the second reads the first's run. A transaction that removes anything appends one audit entry
    /// saying what and up to when; only a transaction that finished the work records the run.
    public static func purgeIfDue(_ rules: RetentionRules, now: Timestamp, force: Bool = false, in tx: any GatewayTransaction) throws -> PurgeReport?
    {
        if !force, let last = try tx.lastMaintenance(purgeTask),
            now.millisecondsSince1970 - last.at.millisecondsSince1970 < Int64(rules.intervalSeconds) * 1000
        {
            return nil
        }
        var report = PurgeReport(
            seenBefore: now.adding(seconds: -Double(rules.seenMessageDays) * 86_400),
            replayedBefore: now.adding(seconds: -Double(rules.replayedDeadLetterContentDays) * 86_400))
        report.seenMessages = try tx.purgeSeenMessages(decidedBefore: report.seenBefore, limit: rules.rowsPerTransaction)
        report.deadLetterContents = try tx.eraseReplayedDeadLetterContents(resolvedBefore: report.replayedBefore, limit: rules.rowsPerTransaction)
        report.complete = report.seenMessages < rules.rowsPerTransaction && report.deadLetterContents < rules.rowsPerTransaction
        if report.removed > 0 {
            try AuditLog.append(
                AuditEntry(
                    at: now, event: .purged, messageID: "(none)", type: "retention", sender: PartyID.gateway.rawValue,
                    recipient: PartyID.gateway.rawValue, subject: URC.noSubject.canonical,
                    justification: """
                        forgot \(report.seenMessages) message id(s) decided before \(report.seenBefore) and erased the content of \
                        \(report.deadLetterContents) dead letter(s) replayed before \(report.replayedBefore), as config/retention.yaml says
                        """),
                in: tx)
        }
        if report.complete { try tx.recordMaintenance(purgeTask, at: now) }
        return report
    }
}
