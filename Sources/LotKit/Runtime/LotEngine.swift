import Contracts
import Foundation
import GRDB

/// A service's rules applied to its store, without the broker: the worker feeds it messages and timers, staff
/// commands call `perform`. Every call is one transaction.
public struct LotEngine: Sendable {
    public let lot: any Lot
    public let store: LotStore
    public let settings: LotSettings
    let allocator: URCAllocator?

    /// Opens the service's store at `databasePath` with its issuer code from the party directory.
    public init(lot: any Lot, databasePath: String, settings: LotSettings, parties: PartyDirectory) throws(LotError) {
        self.lot = lot
        self.settings = settings
        store = try LotStore(path: databasePath, party: lot.party, migrations: lot.migrations)
        allocator = parties.entries[lot.party]?.issuer.flatMap { try? URCAllocator(issuer: $0) }
    }

    /// Runs `body` in one write transaction, as `cause` (a command or rule name).
    public func perform<T>(
        _ cause: String, at now: Timestamp = Timestamp(),
        _ body: (LotContext) throws -> T
    ) throws -> T {
        let party = lot.party
        let settings = self.settings
        let allocator = self.allocator
        let holds = lot.holdsContactDetails
        do {
            return try store.database.write { db in
                try body(
                    LotContext(
                        db: db, party: party, settings: settings, now: now, allocator: allocator,
                        holdsContactDetails: holds, cause: cause))
            }
        } catch let e as LotError {
            throw e
        } catch let e as URCError {
            throw LotError.badInput("\(e)")
        } catch {
            throw LotError.configuration("the \(party) store failed: \(error)")
        }
    }

    /// Reads the store.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try store.database.read(body)
    }

    /// What applying one message came to.
    public enum Applied: Sendable, Equatable {
        case applied
        /// The same message id was applied before (a redelivery): nothing changed.
        case duplicate
    }

    /// Applies one message from the gateway, once: a message id already in the inbox changes nothing.
    public func apply(_ message: InboundMessage, at now: Timestamp = Timestamp()) throws -> Applied {
        let lot = self.lot
        return try perform("receive \(message.envelope.type.rawValue)", at: now) { ctx in
            try Self.apply(message, lot: lot, in: ctx)
        }
    }

    /// Applies messages in one transaction (each in a savepoint): one that throws is left out, with its error.
    public func apply(batch: [InboundMessage], at now: Timestamp = Timestamp()) throws -> [Result<Applied, LotError>] {
        let lot = self.lot
        return try perform("receive", at: now) { ctx in
            var results: [Result<Applied, LotError>] = []
            for m in batch {
                var result: Result<Applied, LotError> = .success(.applied)
                try ctx.db.inSavepoint {
                    do {
                        ctx.cause = "receive \(m.envelope.type.rawValue)"
                        result = .success(try Self.apply(m, lot: lot, in: ctx))
                        return .commit
                    } catch let e as LotError {
                        result = .failure(e)
                    } catch {
                        result = .failure(.unprocessable("\(error)"))
                    }
                    return .rollback
                }
                results.append(result)
            }
            return results
        }
    }

    static func apply(_ m: InboundMessage, lot: any Lot, in ctx: LotContext) throws -> Applied {
        let env = m.envelope
        if try Bool.fetchOne(ctx.db, sql: "SELECT 1 FROM inbox WHERE message_id = ?", arguments: [env.messageID]) == true {
            return .duplicate
        }
        guard env.recipient == ctx.party else {
            throw LotError.unprocessable("message \(env.messageID) is for \(env.recipient), not \(ctx.party)")
        }
        var summary = "\(env.type.rawValue) from \(env.sender)"
        switch env.type {
        case .referralOutcome:
            let o = try m.decode(ReferralOutcome.self)
            let known =
                try Bool.fetchOne(
                    ctx.db, sql: "SELECT 1 FROM referral WHERE referral_id = ? AND direction = 'out' AND counterpart = ?",
                    arguments: [o.referralId, env.sender.rawValue]) ?? false
            guard known else {
                throw LotError.unprocessable("an outcome for referral \(o.referralId), which \(ctx.party) did not send to \(env.sender)")
            }
            var detail = o.declineReason?.summary ?? o.note
            if let works = o.works { detail = "works completed, total £\(String(format: "%.2f", Double(works.totalCostPence) / 100))" }
            try ctx.updateReferral(o.referralId, status: o.outcome.rawValue, detail: detail)
            summary += ": referral \(o.referralId) \(o.outcome.rawValue)"
        case .nonDeliveryReport:
            let r = try m.decode(NonDeliveryReport.self)
            try ctx.db.execute(
                sql: """
                    INSERT INTO refusal (message_id, original_type, intended_recipient, reason_code, reason_text, at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(message_id) DO NOTHING
                    """,
                arguments: [
                    r.originalMessageId, r.originalType, r.intendedRecipient.rawValue, r.reasonCode.rawValue,
                    r.reasonText, ctx.now.millisecondsSince1970,
                ])
            if let id = try String.fetchOne(
                ctx.db, sql: "SELECT referral_id FROM referral WHERE message_id = ? AND direction = 'out'",
                arguments: [r.originalMessageId])
            {
                try ctx.updateReferral(id, status: "refused", detail: "\(r.reasonCode.rawValue): \(r.reasonText)")
            }
            if r.originalType == MessageType.consent.rawValue {
                // The gateway did not keep the consent record: this service must not rely on it.
                try ctx.markConsent(sentAs: r.originalMessageId, status: "refused", detail: "\(r.reasonCode.rawValue): \(r.reasonText)")
            }
            summary += ": \(r.originalType) to \(r.intendedRecipient) refused (\(r.reasonCode.rawValue))"
        case .consentAcknowledgement:
            let ack = try m.decode(ConsentAcknowledgement.self)
            try ctx.db.execute(
                sql: "UPDATE consent SET gateway_status = 'registered', gateway_detail = NULL WHERE consent_id = ?",
                arguments: [ack.consentId])
            summary += ": consent \(ack.consentId) \(ack.status == .given ? "registered" : "withdrawal registered")"
        case .safetyAlert:
            let a = try m.decode(SafetyAlert.self)
            try ctx.db.execute(
                sql: """
                    INSERT INTO alert (alert_id, direction, counterpart, subject, kind, severity, at, summary, reference)
                    VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(alert_id) DO NOTHING
                    """,
                arguments: [
                    a.alertId, env.sender.rawValue, env.subject.canonical, a.kind.rawValue, a.severity.rawValue,
                    a.raisedAt.millisecondsSince1970, a.summary, a.relatesTo?.referralId ?? a.relatesTo?.maracReferralId,
                ])
            summary += ": \(a.severity.rawValue) \(a.kind.rawValue)"
            try lot.receive(m, in: ctx)
        case .maracActionPlan:
            let plan = try m.decode(MaracActionPlan.self)
            for action in plan.actions where action.owner == ctx.party.rawValue {
                try ctx.db.execute(
                    sql: """
                        INSERT INTO assigned_action (case_id, action_id, marac_referral_id, subject, description, due_date, status, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(case_id, action_id) DO UPDATE SET description = excluded.description, due_date = excluded.due_date
                        """,
                    arguments: [
                        plan.caseId, action.actionId, plan.maracReferralId, env.subject.canonical, action.description,
                        action.dueDate.description, action.status.rawValue, ctx.now.millisecondsSince1970,
                    ])
            }
            summary += ": case \(plan.caseId), \(plan.actions.count) action(s) for \(ctx.party)"
        default:
            try lot.receive(m, in: ctx)
            if env.type == .referral, let r = try? m.decode(Referral.self) {
                summary += ": referral \(r.referralId) (\(r.subjectRole.rawValue))"
            }
        }
        try ctx.db.execute(
            sql: "INSERT INTO inbox (message_id, type, sender, subject, received_at, summary) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                env.messageID, env.type.rawValue, env.sender.rawValue, env.subject.canonical,
                ctx.now.millisecondsSince1970, summary,
            ])
        return .applied
    }

    /// Fires every timer due at `now`, each once; returns how many fired.
    @discardableResult
    public func fireDueTimers(at now: Timestamp = Timestamp()) throws -> Int {
        let lot = self.lot
        return try perform("timer", at: now) { ctx in
            let due = try Row.fetchAll(
                ctx.db,
                sql: """
                    SELECT * FROM timer WHERE due_at <= ? AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id
                    """, arguments: [now.millisecondsSince1970]
            ).map { row in
                DueTimer(
                    id: row["id"], kind: row["kind"], subject: try URC(parsing: row["subject"] as String),
                    reference: row["reference"], dueAt: Timestamp(millisecondsSince1970: row["due_at"]))
            }
            for t in due {
                try ctx.db.execute(sql: "UPDATE timer SET fired_at = ? WHERE id = ?", arguments: [now.millisecondsSince1970, t.id])
                ctx.cause = "timer \(t.kind)"
                try lot.fire(t, in: ctx)
            }
            return due.count
        }
    }

    // MARK: Outbox

    /// A message waiting in the outbox.
    public struct PendingMessage: Sendable {
        public var seq: Int64
        public var messageID: String
        public var type: MessageType
        public var recipient: PartyID
        public var subject: URC
        public var body: Data
    }

    /// Up to `limit` unsent messages, oldest first.
    public func pendingMessages(limit: Int = 500) throws -> [PendingMessage] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", arguments: [limit]).map { row in
                PendingMessage(
                    seq: row["seq"], messageID: row["message_id"], type: MessageType(rawValue: row["type"])!,
                    recipient: PartyID(rawValue: row["recipient"])!, subject: try URC(parsing: row["subject"] as String),
                    body: row["body"])
            }
        }
    }

    /// Marks messages the broker confirmed as sent.
    public func markSent(_ seqs: [Int64], at now: Timestamp = Timestamp()) throws {
        guard !seqs.isEmpty else { return }
        try store.database.write { db in
            for s in seqs { try db.execute(sql: "UPDATE outbox SET sent_at = ? WHERE seq = ?", arguments: [now.millisecondsSince1970, s]) }
        }
    }
}
