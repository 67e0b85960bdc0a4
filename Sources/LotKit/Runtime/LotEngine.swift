import Contracts
import Foundation
import GRDB
import GatewayDecision

/// A service's rules applied to its store, without the broker: the worker feeds it messages and timers, staff
/// commands call `perform`. Every call is one transaction.
public struct LotEngine: Sendable {
    /// The service whose rules are applied.
    public let lot: any Lot
    /// The service's own SQLite store.
    public let store: LotStore
    /// The rule thresholds and timescales from config/lots.yaml, given to every context.
    public let settings: LotSettings
    let allocator: URCAllocator?
    /// For a service that must never hold where anyone is: the gateway's own text checks (the sharing policy's
    /// gazetteer and sensitive terms), run on the free text its staff write before it is stored.
    let whereabouts: DisclosureGuard?

    /// Opens the service's store at `databasePath` with its issuer code from the party directory. A service that
    /// holds no contact details also reads the sharing policy beside `config/lots.yaml`, for its text checks.
    public init(lot: any Lot, databasePath: String, settings: LotSettings, parties: PartyDirectory) throws(LotError) {
        self.lot = lot
        self.settings = settings
        if lot.holdsContactDetails {
            whereabouts = nil
        } else {
            let file = settings.directory.appendingPathComponent("sharing-policy.yaml")
            do {
                let policy = try SharingPolicy(contentsOf: file)
                whereabouts = DisclosureGuard(gazetteer: policy.gazetteer, sensitiveTerms: policy.sensitiveTerms)
            } catch {
                throw .configuration("\(file.path): \(error) (the \(lot.party) service checks its staff's free text with it)")
            }
        }
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
        let whereabouts = self.whereabouts
        do {
            return try store.database.write { db in
                try body(
                    LotContext(
                        db: db, party: party, settings: settings, now: now, allocator: allocator,
                        holdsContactDetails: holds, whereabouts: whereabouts, cause: cause))
            }
        } catch let e as LotError {
            throw e
        } catch let e as URCError {
            throw LotError.badInput("\(e)")
        } catch {
            throw LotError.storeFailed("the \(party) store failed (\(type(of: error))): \(error)")
        }
    }

    /// Reads the store.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try store.database.read(body)
    }

    /// Reads the store on GRDB's own queue, leaving the caller's thread free while the store is busy.
    public func readOnStoreQueue<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await store.database.read(body)
    }

    /// Takes the store's write lock and lets it go, changing nothing: whether the worker could apply a message now.
    public func probeWrite() async throws {
        try await store.database.write { _ in }
    }

    /// What applying one message came to.
    public enum Applied: Sendable, Equatable {
        /// The message was new, and its effects and the messages they cause are committed.
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
                        // Kept as it is: a store failing is not the message's fault, and the log must say which.
                        result = .failure(.storeFailed("\(type(of: error)): \(error)"))
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
        let db = ctx.db
        if try InboxEntry.exists(db, key: env.messageID) { return .duplicate }
        guard env.recipient == ctx.party else {
            throw LotError.unprocessable("message \(env.messageID) is for \(env.recipient), not \(ctx.party)")
        }
        var summary = "\(env.type.rawValue) from \(env.sender)"
        switch env.type {
        case .referralOutcome:
            let o = try m.decode(ReferralOutcome.self)
            let known =
                try ReferralRecord.filter(key: o.referralId)
                .filter(Column("direction") == ReferralDirection.outgoing && Column("counterpart") == env.sender).fetchCount(db) > 0
            guard known else {
                throw LotError.unprocessable("an outcome for referral \(o.referralId), which \(ctx.party) did not send to \(env.sender)")
            }
            var detail = o.declineReason?.summary ?? o.note
            if let works = o.works { detail = "works completed, total £\(String(format: "%.2f", Double(works.totalCostPence) / 100))" }
            try ctx.updateReferral(o.referralId, status: ReferralStatus(o.outcome), detail: detail)
            summary += ": referral \(o.referralId) \(o.outcome.rawValue)"
        case .nonDeliveryReport:
            let r = try m.decode(NonDeliveryReport.self)
            try RefusalRecord(
                messageId: r.originalMessageId, originalType: r.originalType, intendedRecipient: r.intendedRecipient, reasonCode: r.reasonCode,
                reasonText: r.reasonText, at: ctx.now
            ).insert(db, onConflict: .ignore)
            let refused = try ReferralRecord.filter(Column("message_id") == r.originalMessageId && Column("direction") == ReferralDirection.outgoing)
                .fetchOne(db)
            if let refused {
                try ctx.updateReferral(refused.referralId, status: .refused, detail: "\(r.reasonCode.rawValue): \(r.reasonText)")
            }
            if r.originalType == MessageType.consent.rawValue {
                // The gateway did not keep the consent record: this service must not rely on it.
                try ctx.markConsentRefused(sentAs: r.originalMessageId, detail: "\(r.reasonCode.rawValue): \(r.reasonText)")
                try ctx.markConsentAnswered(sentAs: r.originalMessageId)
            }
            summary += ": \(r.originalType) to \(r.intendedRecipient) refused (\(r.reasonCode.rawValue))"
        case .consentAcknowledgement:
            let ack = try m.decode(ConsentAcknowledgement.self)
            try ctx.markConsentAnswered(sentAs: ack.originalMessageId)
            if var consent = try HeldConsent.fetchOne(db, key: ack.consentId) {
                consent.gatewayStatus = .registered
                consent.gatewayDetail = nil
                try consent.update(db)
            }
            summary += ": consent \(ack.consentId) \(ack.status == .given ? "registered" : "withdrawal registered")"
        case .safetyAlert:
            let a = try m.decode(SafetyAlert.self)
            try AlertRecord(
                alertId: a.alertId, direction: .incoming, counterpart: env.sender, subject: env.subject, kind: a.kind, severity: a.severity,
                at: a.raisedAt, summary: a.summary, reference: a.relatesTo?.referralId ?? a.relatesTo?.maracReferralId
            ).insert(db, onConflict: .ignore)
            summary += ": \(a.severity.rawValue) \(a.kind.rawValue)"
            try lot.receive(m, in: ctx)
        case .maracActionPlan:
            let plan = try m.decode(MaracActionPlan.self)
            for action in plan.actions where action.owner == ctx.party.rawValue {
                // A plan issued again updates what and when; where the action stands stays this agency's.
                if var held = try AssignedAction.fetchOne(db, key: ["case_id": plan.caseId, "action_id": action.actionId]) {
                    held.description = action.description
                    held.dueDate = action.dueDate
                    try held.update(db)
                } else {
                    try AssignedAction(
                        caseId: plan.caseId, actionId: action.actionId, maracReferralId: plan.maracReferralId, subject: env.subject,
                        description: action.description, dueDate: action.dueDate, status: action.status, updatedAt: ctx.now
                    ).insert(db)
                }
            }
            summary += ": case \(plan.caseId), \(plan.actions.count) action(s) for \(ctx.party)"
        default:
            try lot.receive(m, in: ctx)
            if env.type == .referral, let r = try? m.decode(Referral.self) {
                summary += ": referral \(r.referralId) (\(r.subjectRole.rawValue))"
            }
        }
        try InboxEntry(messageId: env.messageID, type: env.type, sender: env.sender, subject: env.subject, receivedAt: ctx.now, summary: summary)
            .insert(db)
        return .applied
    }

    /// Fires every timer due at `now`, each once, each in its own savepoint: a timer whose action fails stays
    /// pending (reported to `failed`, tried again next time) and never holds back the others, such as an overdue
    /// lock change's alert. Returns how many fired.
    @discardableResult
    public func fireDueTimers(at now: Timestamp = Timestamp(), failed: (DueTimer, LotError) -> Void = { _, _ in }) throws -> Int {
        let lot = self.lot
        var failures: [(DueTimer, LotError)] = []
        let fired = try perform("timer", at: now) { ctx in
            var fired = 0
            for var timer in try TimerRecord.due(at: now).fetchAll(ctx.db) {
                let due = DueTimer(id: timer.id ?? 0, kind: timer.kind, subject: timer.subject, reference: timer.reference, dueAt: timer.dueAt)
                try ctx.db.inSavepoint {
                    do {
                        timer.firedAt = now
                        try timer.update(ctx.db)
                        ctx.cause = "timer \(timer.kind)"
                        try lot.fire(due, in: ctx)
                        fired += 1
                        return .commit
                    } catch let e as LotError {
                        failures.append((due, e))
                    } catch {
                        failures.append((due, .storeFailed("\(type(of: error)): \(error)")))
                    }
                    return .rollback
                }
            }
            return fired
        }
        for (timer, error) in failures { failed(timer, error) }
        return fired
    }

    // MARK: Outbox

    /// Up to `limit` unsent messages, oldest first.
    public func pendingMessages(limit: Int = 500) throws -> [OutboxEntry] {
        try read { db in try OutboxEntry.pending(limit: limit).fetchAll(db) }
    }

    /// Marks messages the broker confirmed as sent.
    public func markSent(_ seqs: [Int64], at now: Timestamp = Timestamp()) throws {
        guard !seqs.isEmpty else { return }
        try store.database.write { db in
            _ = try OutboxEntry.filter(keys: seqs).updateAll(db, Column("sent_at").set(to: now))
        }
    }
}
