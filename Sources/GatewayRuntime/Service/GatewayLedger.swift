import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Messaging
import Synchronization

/// Applies assessed messages to the gateway's store, in order, inside one transaction: dedupe, consent
/// registry, consent check, audit entry, and the outgoing messages (delivery, or non-delivery report and
/// dead letter) into the outbox.
public struct GatewayLedger: Sendable {
    /// What became of one message.
    public enum Outcome: Sendable, Equatable {
        /// Allowed: redacted, signed and put in the outbox for `recipient`'s inbox.
        case delivered(recipient: PartyID)
        /// Refused with this reason: the sender gets a non-delivery report and the message is dead-lettered.
        case refused(ReasonCode)
        /// A consent record (given or withdrawn) was applied to the registry.
        case consentRecorded
        /// The same message again (a redelivery, or a sender's retry): nothing is applied twice.
        case alreadyProcessed
        /// Kept dead letters decided again at an administrator's request (one message carries several requests).
        case replayed([ReplayOutcome])
    }

    /// "No subject could be read": the subject of non-delivery reports for messages without a readable URC.
    public static var noSubject: URC { .noSubject }

    /// The checks that need no database, which every message went through before its transaction.
    public let decider: GatewayDecider
    /// The broker names (exchanges and queues) deliveries, reports and dead letters go to.
    public let topology: ReferralGatewayTopology
    /// The person-registry overlay of each transaction a batch is being applied in.
    private let batches = BatchOverlays()

    /// A ledger that applies what `decider` assessed, sending through `topology`'s exchanges.
    public init(decider: GatewayDecider, topology: ReferralGatewayTopology = .standard) {
        self.decider = decider
        self.topology = topology
    }

    /// Applies a batch; returns each message's outcome and the outbox entries to publish.
    /// `replays` holds what `prepareReplays` checked outside the transaction, by request id.
    public func apply(
        _ batch: [Assessment], replays: [String: PreparedReplay] = [:], in tx: any GatewayTransaction,
        now: Timestamp
    ) throws -> (outcomes: [Outcome], outbox: [Outbox.Entry]) {
        var outcomes: [Outcome] = []
        var outbox: [Outbox.Entry] = []
        // The last entry this batch appended: a delivery's seen message points at its entry.
        var tail = AuditLog.Tail()
        // The people the batch names, read in one query; what it registers is written once, at the end.
        let people = PersonRegistry.Overlay()
        batches.overlays.withLock { $0[ObjectIdentifier(tx)] = people }
        defer { _ = batches.overlays.withLock { $0.removeValue(forKey: ObjectIdentifier(tx)) } }
        try people.load(
            batch.flatMap { a -> [URC] in
                switch a.verdict {
                case .deliver(let p): return p.bound.people.map(\.urc) + p.deliveredPeople.map(\.urc)
                case .recordConsent: return a.envelope.map { [$0.subject] } ?? []
                default: return []
                }
            }, in: tx)
        try tx.prepare(for: Self.reads(of: batch))
        for a in batch {
            let (outcome, entries) = try apply(a, replays: replays, in: tx, now: now, tail: &tail)
            outcomes.append(outcome)
            outbox += entries
        }
        try people.flush(in: tx)
        return (outcomes, outbox)
    }

    /// What deciding `batch` reads of the seen-message ledger, the consent registry and the correspondence.
    static func reads(of batch: [Assessment]) -> BatchReads {
        var reads = BatchReads()
        for a in batch {
            guard let env = a.envelope else { continue }
            reads.messageIDs.append(env.messageID)
            guard case .deliver(let p) = a.verdict else { continue }
            if p.consentID == nil, p.lawfulBasis == nil { reads.consentSubjects.append(env.subject) }
            reads.correspondence += p.bound.references.map { CorrespondenceKey(kind: $0.kind.rawValue, reference: $0.id) }
            reads.correspondence += p.records.map { CorrespondenceKey(kind: $0.kind.rawValue, reference: $0.id) }
        }
        return reads
    }

    /// The person registry as the batch in transaction `tx` sees it (read directly outside a batch).
    func people(in tx: any GatewayTransaction) -> PersonRegistry.Overlay {
        batches.overlays.withLock { $0[ObjectIdentifier(tx)] } ?? PersonRegistry.Overlay()
    }

    private func apply(
        _ a: Assessment, replays: [String: PreparedReplay], in tx: any GatewayTransaction, now: Timestamp,
        tail: inout AuditLog.Tail
    ) throws -> (Outcome, [Outbox.Entry]) {
        guard let env = a.envelope else { return try decide(a, replays: replays, in: tx, now: now, tail: &tail) }
        switch try Self.see(a, envelope: env, now: now, remember: false, in: tx) {
        case .new: break
        case .same: return (.alreadyProcessed, [])
        case .reused(let refusal, _): return try refuse(a, refusal, in: tx, now: now, tail: &tail)
        }
        let decided = try decide(a, replays: replays, in: tx, now: now, tail: &tail)
        // Remembered once decided, with the delivery's audit entry when it went (one write, not an insert and
        // an update): the entry a delivery appends is the tail it leaves.
        var delivered: Int64?
        if case .delivered = decided.0 { delivered = tail.seq }
        try tx.rememberMessage(
            SeenMessage(messageID: env.messageID, sender: env.sender.rawValue, fingerprint: a.fingerprint, processedAt: now, deliveredSeq: delivered))
        return decided
    }

    /// What becomes of a message not seen before (or without an envelope).
    private func decide(
        _ a: Assessment, replays: [String: PreparedReplay], in tx: any GatewayTransaction, now: Timestamp,
        tail: inout AuditLog.Tail
    ) throws -> (Outcome, [Outbox.Entry]) {
        switch a.verdict {
        case .refuse(let r):
            return try refuse(a, r, in: tx, now: now, tail: &tail)
        case .recordConsent(let record):
            let env = a.envelope!
            if let refusal = try checkConsentAuthority(record, envelope: env, in: tx) {
                return try refuse(a, refusal, in: tx, now: now, tail: &tail)
            }
            try recordConsent(record, envelope: env, in: tx, now: now, tail: &tail)
            // The sender learns that the registry holds it: its own record of the consent can say so.
            guard let reportTo = a.brokerSender else { return (.consentRecorded, []) }
            return (.consentRecorded, [try acknowledge(record, envelope: env, reportTo: reportTo, now: now, in: tx)])
        case .deliver(let p):
            let env = a.envelope!
            switch try admit(p, envelope: env, now: now, in: tx) {
            case .failure(let refusal):
                return try refuse(a, refusal, in: tx, now: now, tail: &tail)
            case .success(let basis):
                let entry = try deliver(
                    p.outgoing, basis: basis, removedFields: p.removedFields, prepared: p, markSeen: false,
                    in: tx, now: now, tail: &tail)
                return (.delivered(recipient: env.recipient), [entry])
            }
        case .replay(let requests):
            return try replay(requests, prepared: replays, in: tx, now: now, tail: &tail)
        }
    }

    /// What the seen-message ledger knows of a message id.
    enum Seen {
        /// Not seen before; now remembered with this message's fingerprint.
        case new
        /// The same message again (a redelivery, a sender's retry, a replay); `delivered` if it went to its recipient.
        case same(delivered: Bool)
        /// The id was used before for a different message; `delivered` if that one went to its recipient.
        case reused(Refusal, delivered: Bool)
    }

    /// Looks a message id up in the seen-message ledger, remembering it when it is new (unless the caller
    /// remembers it itself once decided: `remember` false).
    static func see(_ a: Assessment, envelope env: Envelope, now: Timestamp, remember: Bool = true, in tx: any GatewayTransaction) throws -> Seen {
        if let seen = try tx.seenMessage(env.messageID) {
            let delivered = seen.deliveredSeq != nil
            return seen.fingerprint == a.fingerprint
                ? .same(delivered: delivered)
                : .reused(Refusal(.duplicateMessage, "message id \(env.messageID) was already used for another message"), delivered: delivered)
        }
        if remember {
            try tx.rememberMessage(SeenMessage(messageID: env.messageID, sender: env.sender.rawValue, fingerprint: a.fingerprint, processedAt: now))
        }
        return .new
    }

    /// Records a consent message in the registry and the audit log.
    func recordConsent(
        _ record: ConsentRecord, envelope env: Envelope, in tx: any GatewayTransaction, now: Timestamp, tail: inout AuditLog.Tail
    ) throws {
        try ConsentRegistry.record(record, subject: env.subject, recordedBy: env.sender, in: tx)
        try AuditLog.append(
            AuditEntry(
                at: now, event: record.status == .given ? .consentGiven : .consentWithdrawn,
                messageID: env.messageID, type: env.type.rawValue, sender: env.sender.rawValue,
                recipient: PartyID.gateway.rawValue, subject: env.subject.canonical,
                basisReference: record.consentId), after: &tail, in: tx)
    }

    /// What a delivery relies on, as the audit log records it.
    struct SharingBasis {
        var basis: AuditEntry.Basis
        var reference: String
        var justification: String?
    }

    /// The binding checks, then the sharing basis: what a delivery needs of the store before it may go.
    func admit(_ p: PreparedDelivery, envelope env: Envelope, now: Timestamp, in tx: any GatewayTransaction) throws -> Result<SharingBasis, Refusal> {
        if let refusal = try checkBinding(p, envelope: env, in: tx) { return .failure(refusal) }
        return try sharingBasis(for: p, envelope: env, now: now, in: tx)
    }

    /// The consent the message names (exactly that one), the lawful basis it invokes, the policy's reason consent
    /// is not needed, or a current consent of the subject's.
    func sharingBasis(
        for p: PreparedDelivery, envelope env: Envelope, now: Timestamp, in tx: any GatewayTransaction
    ) throws -> Result<SharingBasis, Refusal> {
        if let id = p.consentID {
            switch try ConsentRegistry.check(id, subject: env.subject, recipient: env.recipient, purpose: p.purpose, at: now, in: tx) {
            case .covered:
                return .success(SharingBasis(basis: .consent, reference: id))
            case .withdrawn:
                return .failure(Refusal(.consentWithdrawn, "consent \(id), which the message names, was withdrawn"))
            case .none:
                return .failure(
                    Refusal(
                        .noConsent,
                        "consent \(id), which the message names, is not a current consent of \(env.subject.canonical) covering \(env.recipient) for \(p.purpose.rawValue)"
                    ))
            }
        }
        if let lawful = p.lawfulBasis {
            return .success(SharingBasis(basis: .lawfulBasis, reference: lawful.code.rawValue, justification: lawful.justification))
        }
        if case .notRequired(let reason) = p.rule.consent { return .success(SharingBasis(basis: .policy, reference: reason)) }
        switch try ConsentRegistry.find(subject: env.subject, recipient: env.recipient, purpose: p.purpose, at: now, in: tx) {
        case .covered(let consentID):
            return .success(SharingBasis(basis: .consent, reference: consentID))
        case .withdrawn(let consentID):
            return .failure(Refusal(.consentWithdrawn, "consent \(consentID) covering \(env.recipient) for \(p.purpose.rawValue) was withdrawn"))
        case .none:
            return .failure(
                Refusal(
                    .noConsent,
                    "no current consent covers \(env.recipient) for \(p.purpose.rawValue), and no lawful basis the policy allows was given"))
        }
    }

    /// Audits a delivery and queues it for its recipient's inbox (with `headers` added, e.g. a replay's link);
    /// `prepared`, for a first delivery, is remembered (roles, holders, references) and names its people in the entry.
    /// `markSeen` false: the caller remembers the message as delivered itself.
    func deliver(
        _ message: SignedMessage, basis: SharingBasis, removedFields: [String], headers: [String: String] = [:],
        prepared: PreparedDelivery? = nil, markSeen: Bool = true, in tx: any GatewayTransaction, now: Timestamp,
        tail: inout AuditLog.Tail
    ) throws -> Outbox.Entry {
        let env = message.envelope
        if let prepared { try remember(prepared, envelope: env, now: now, in: tx) }
        let people = prepared?.deliveredPeople.dropFirst().map { "\($0.urc.canonical) \($0.role?.rawValue ?? "named")" } ?? []
        let audited = try AuditLog.append(
            AuditEntry(
                at: now, event: .delivered, messageID: env.messageID, type: env.type.rawValue,
                sender: env.sender.rawValue, recipient: env.recipient.rawValue,
                subject: env.subject.canonical, basis: basis.basis, basisReference: basis.reference,
                justification: basis.justification, removedFields: removedFields, people: people),
            after: &tail, in: tx)
        // What replays ask later: was it delivered, and on what basis (the audit log has no index of message ids).
        if markSeen { try tx.markDelivered(env.messageID, auditSeq: audited.seq!) }
        var out = message.outgoing(exchange: topology.deliverExchange, routingKey: env.recipient.rawValue, brokerUser: nil)
        for (k, v) in headers { out.properties.headers[k] = .string(v) }
        return Outbox.Entry(id: try Outbox.add(out, in: tx), message: out)
    }

    /// Audits a refusal, and queues a non-delivery report to the sender and the original to the dead letters.
    private func refuse(
        _ a: Assessment, _ r: Refusal, in tx: any GatewayTransaction, now: Timestamp, tail: inout AuditLog.Tail
    ) throws -> (Outcome, [Outbox.Entry]) {
        let env = a.envelope
        let d = a.message
        try AuditLog.append(
            AuditEntry(
                at: now, event: .refused, messageID: env?.messageID ?? d.messageID.map(Self.printable) ?? "(none)",
                type: env?.type.rawValue ?? d.type.map(Self.printable) ?? "(none)",
                sender: env?.sender.rawValue ?? a.brokerSender?.rawValue ?? "(unknown)",
                recipient: env?.recipient.rawValue ?? "(unknown)",
                subject: env?.subject.canonical ?? Self.noSubject.canonical,
                reasonCode: r.code.rawValue, justification: r.detail), after: &tail, in: tx)
        var entries: [Outbox.Entry] = []
        // The report goes to whoever the broker says published the message; without a user_id the broker vouched
        // for nobody, and a report to whoever the envelope names could flood another service's inbox.
        if let reportTo = a.brokerSender, decider.parties[reportTo] != nil, reportTo != .gateway {
            let report = NonDeliveryReport(
                // A UUID in upper case is still the sender's id: it is reported in the contract's lower case.
                originalMessageId: env?.messageID ?? d.messageID.map { $0.lowercased() }.flatMap { Envelope.isMessageID($0) ? $0 : nil }
                    ?? "00000000-0000-0000-0000-000000000000",
                originalType: env?.type.rawValue ?? "unknown", intendedRecipient: env?.recipient ?? .gateway,
                reasonCode: r.code, reasonText: String(r.detail.prefix(500)), refusedAt: now)
            let message = try SignedMessage.make(
                report, to: reportTo, about: env?.subject ?? Self.noSubject,
                signer: decider.signer, sentAt: now)
            let out = message.outgoing(exchange: topology.deliverExchange, routingKey: reportTo.rawValue, brokerUser: nil)
            entries.append(Outbox.Entry(id: try Outbox.add(out, in: tx), message: out))
        }
        // The original, unchanged, with the reason in headers, to the dead letters.
        // Headers of other kinds than text are not kept: the outbox stores text headers only.
        var headers = AMQPFieldTable()
        for (name, value) in d.headers { if let text = value.text { headers[name] = .string(text) } }
        headers["refgw-reason"] = .string(r.code.rawValue)
        headers["refgw-reason-detail"] = .string(String(r.detail.prefix(500)))
        headers["refgw-refused-at"] = .string(now.rfc3339)
        headers["refgw-published-by"] = .string(d.publisher ?? "")
        // Only the gateway's own seal: a header of that name from the sender is dropped.
        headers[SignatureSeal.header] = a.signatureChecked ? env.map { .string(decider.signatureSeal.seal($0, body: d.body)) } : nil
        let props = AMQPProperties(
            contentType: d.contentType, persistent: d.persistent, messageID: d.messageID, type: d.type, userID: d.publisher,
            headers: headers)
        let dead = OutgoingMessage(
            exchange: topology.deadLetterExchange, routingKey: topology.gatewayQueue,
            properties: props, body: d.body)
        entries.append(Outbox.Entry(id: try Outbox.add(dead, in: tx), message: dead))
        return (.refused(r.code), entries)
    }

    static func printable(_ s: String) -> String {
        String(s.prefix(64).map { $0.isASCII && !$0.isWhitespace && $0 != "\u{1F}" && $0 != "\u{1E}" ? $0 : "?" })
    }
}

/// The overlays of the transactions batches are applied in, by transaction (one at a time, in practice).
final class BatchOverlays: Sendable {
    let overlays = Mutex<[ObjectIdentifier: PersonRegistry.Overlay]>([:])
}

extension AuditLog {
    /// Appends within the caller's transaction and notes the entry as the batch's latest in `tail`.
    @discardableResult
    static func append(_ entry: AuditEntry, after tail: inout Tail, in tx: any GatewayTransaction) throws -> AuditEntry {
        let stored = try tx.appendAudit(entry)
        tail = Tail(seq: stored.seq ?? 0, hash: stored.hash)
        return stored
    }
}
