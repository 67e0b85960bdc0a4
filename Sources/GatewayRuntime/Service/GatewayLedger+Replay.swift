import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Messaging

extension GatewayLedger {
    /// Decides a kept dead letter again, in the batch's transaction, as the administrator asked.
    ///
    /// A message the gateway refused (or that died in `gateway.in`) is checked as if it had just arrived, except for
    /// its age: signature, schema, policy and consent as they stand now. A delivery that died in a recipient's inbox
    /// goes to that recipient again if the basis it was shared on still holds (a withdrawn consent keeps it dead).
    /// A message already delivered is not delivered again. No non-delivery report is sent for a replay refused
    /// again: the sender had one, and the dead letter stays kept with the new outcome beside it.
    func replay(
        _ requests: [ReplayRequest], prepared: [String: PreparedReplay], in tx: any GatewayTransaction, now: Timestamp,
        tail: inout AuditLog.Tail
    ) throws -> (Outcome, [Outbox.Entry]) {
        var outcomes: [ReplayOutcome] = []
        var entries: [Outbox.Entry] = []
        for request in requests {
            guard let outcome = try replay(request, prepared: prepared[request.requestID], in: tx, now: now, tail: &tail, entries: &entries) else {
                continue
            }
            outcomes.append(outcome)
        }
        // Every request decided before: the message came again after a crash, so its outbox may still be waiting.
        return (outcomes.isEmpty ? .alreadyProcessed : .replayed(outcomes), entries)
    }

    /// Decides one request; nil when it was decided before.
    private func replay(
        _ request: ReplayRequest, prepared: PreparedReplay?, in tx: any GatewayTransaction, now: Timestamp,
        tail: inout AuditLog.Tail, entries: inout [Outbox.Entry]
    ) throws -> ReplayOutcome? {
        guard let (asked, letterStatus) = try tx.replayRequest(request.requestID), asked.deadLetterID == request.deadLetterID else {
            // `refgw dlq replay` stores who asked and why before it publishes: without that there is nothing to audit.
            return .notReplayable("no replay request \(request.requestID) is stored for dead letter \(request.deadLetterID)")
        }
        if asked.outcome != nil { return nil }
        let attempt = asked.attempt
        let by = asked.requestedBy
        let why = asked.reason
        func decided(_ outcome: ReplayOutcome) throws -> ReplayOutcome {
            try tx.decideReplayRequest(request.requestID, outcome: outcome.code, at: now)
            return outcome
        }
        // Only the status can have changed since the replay was prepared: a letter's content is never rewritten.
        guard let status = letterStatus else {
            return try decided(.notReplayable("there is no dead letter \(request.deadLetterID)"))
        }
        switch status {
        case .discarded: return try decided(.notReplayable("dead letter \(request.deadLetterID) was discarded"))
        case .replayed: return try decided(.alreadyDelivered)
        case .kept: break
        }
        let ready: PreparedReplay
        if let prepared {
            ready = prepared
        } else {
            guard let letter = try StoredLetter.load([request.deadLetterID], in: tx).first else {
                return try decided(.notReplayable("there is no dead letter \(request.deadLetterID)"))
            }
            ready = prepare(letter, now: now)
        }
        let letter = ready.letter
        var outcome: ReplayOutcome
        var effect: Effect?
        switch ready.check {
        case .resubmission(let a): (outcome, effect) = try resubmission(a, in: tx, now: now)
        case .redelivery(let r, let recipient): (outcome, effect) = try redelivery(r, to: recipient, in: tx, now: now)
        case .notReplayable(let why): outcome = .notReplayable(why)
        }

        // Who asked, when and why, then the decision itself, in the hash chain.
        let env = ready.envelope
        let messageID = env?.messageID ?? letter.messageID ?? "(none)"
        let type = env?.type.rawValue ?? letter.type ?? "(none)"
        let sender = env?.sender.rawValue ?? letter.sender ?? "(unknown)"
        let recipient = env?.recipient.rawValue ?? letter.recipient ?? "(unknown)"
        let subject = env?.subject.canonical ?? letter.subject ?? Self.noSubject.canonical
        try AuditLog.append(
            AuditEntry(
                at: now, event: .replayed, messageID: messageID, type: type, sender: sender, recipient: recipient,
                subject: subject, reasonCode: outcome == .delivered ? nil : outcome.code,
                basisReference: "dead letter \(request.deadLetterID), replay \(attempt)",
                justification: why, actor: by), after: &tail, in: tx)
        // A refusal's detail goes into the audit log; the dead letter itself stays as it was, still kept.
        if case .refused(let code, let detail) = outcome {
            try AuditLog.append(
                AuditEntry(
                    at: now, event: .refused, messageID: messageID, type: type, sender: sender, recipient: recipient,
                    subject: subject, reasonCode: code.rawValue, justification: String(detail.prefix(500)),
                    actor: by), after: &tail, in: tx)
        }
        switch effect {
        case .deliver(let message, let basis, let removed, let prepared):
            let headers = [ReplayRequest.replayOfHeader: String(request.deadLetterID), ReplayRequest.replayCountHeader: String(attempt)]
            entries.append(
                try deliver(
                    message, basis: basis, removedFields: removed, headers: headers, prepared: prepared,
                    in: tx, now: now, tail: &tail))
        case .recordConsent(let record, let env):
            try recordConsent(record, envelope: env, in: tx, now: now, tail: &tail)
        case nil:
            break
        }
        // The letter remembers every answer; delivered (now or before) resolves it.
        try tx.recordReplay(
            of: request.deadLetterID, outcome: outcome.code,
            resolution: outcome.resolves ? DeadLetterResolution(at: now, by: by, reason: why) : nil)
        return try decided(outcome)
    }

    /// What a replay that is allowed does, once its audit entry is written.
    private enum Effect {
        /// `prepared`: a message decided for the first time (remembered as a first delivery is).
        case deliver(SignedMessage, SharingBasis, removedFields: [String], prepared: PreparedDelivery?)
        case recordConsent(ConsentRecord, Envelope)
    }

    /// A message that was submitted to the gateway: assessed again as it arrived, except for its age.
    private func resubmission(_ a: Assessment, in tx: any GatewayTransaction, now: Timestamp) throws -> (ReplayOutcome, Effect?) {
        guard let env = a.envelope else {
            if case .refuse(let r) = a.verdict { return (.refused(r.code, r.detail), nil) }
            return (.notReplayable("its envelope cannot be read"), nil)
        }
        // Delivered under this id is final; seen before with the same content is what a replay expects; another
        // message under this id never goes.
        switch try Self.see(a, envelope: env, now: now, in: tx) {
        case .same(delivered: true), .reused(_, delivered: true): return (.alreadyDelivered, nil)
        case .reused(let r, delivered: false): return (.refused(r.code, r.detail), nil)
        case .new, .same(delivered: false): break
        }
        switch a.verdict {
        case .refuse(let r):
            return (.refused(r.code, r.detail), nil)
        case .replay:
            return (.notReplayable("a replay request is not itself replayed"), nil)
        case .recordConsent(let record):
            if let r = try checkConsentAuthority(record, envelope: env, in: tx) { return (.refused(r.code, r.detail), nil) }
            return (.delivered, .recordConsent(record, env))
        case .deliver(let p):
            switch try admit(p, envelope: env, now: now, in: tx) {
            case .failure(let r): return (.refused(r.code, r.detail), nil)
            case .success(let basis): return (.delivered, .deliver(p.outgoing, basis, removedFields: p.removedFields, prepared: p))
            }
        }
    }

    /// A delivery that died in `recipient`'s inbox: delivered again if the basis it was shared on still holds.
    private func redelivery(
        _ prepared: Result<GatewayDecider.Redelivery, Refusal>, to recipient: PartyID, in tx: any GatewayTransaction,
        now: Timestamp
    ) throws -> (ReplayOutcome, Effect?) {
        let r: GatewayDecider.Redelivery
        switch prepared {
        case .success(let ready): r = ready
        case .failure(let refusal): return (.refused(refusal.code, refusal.detail), nil)
        }
        let env = r.envelope
        var basis = SharingBasis(basis: .policy, reference: "the gateway's own non-delivery report")
        if let rule = r.rule {
            // The role the gateway knows the person in now (an administrator may have corrected it since).
            if let roles = rule.subjectRoles {
                guard let known = try PersonRegistry.known([env.subject], in: tx)[env.subject]?.role, roles.contains(known) else {
                    let knownAs = try PersonRegistry.known([env.subject], in: tx)[env.subject]?.role.rawValue ?? "unknown"
                    return (
                        .refused(
                            .forbiddenContent,
                            "\(recipient) may only receive \(env.type.rawValue) about a \(roles.map(\.rawValue).sorted().joined(separator: " or ")); "
                                + "the subject is known as \(knownAs)"),
                        nil
                    )
                }
            }
            // The seen-message ledger points at the delivery's audit entry, which says what it relied on.
            guard let seq = try tx.seenMessage(env.messageID)?.deliveredSeq, let earlier = try tx.auditEntry(seq),
                earlier.recipient == recipient.rawValue
            else {
                return (
                    .refused(
                        .noPolicy, "the audit log holds no delivery of message \(env.messageID) to \(recipient) whose basis could be checked again"),
                    nil
                )
            }
            let reference = earlier.basisReference ?? ""
            basis = SharingBasis(basis: earlier.basis ?? .policy, reference: reference, justification: earlier.justification)
            switch basis.basis {
            case .consent:
                switch try ConsentRegistry.state(of: reference, subject: env.subject, at: now, in: tx) {
                case .current: break
                case .withdrawn: return (.refused(.consentWithdrawn, "consent \(reference), which the delivery relied on, was withdrawn"), nil)
                case .expired, .unknown:
                    return (.refused(.noConsent, "consent \(reference), which the delivery relied on, is no longer current"), nil)
                }
            case .lawfulBasis:
                guard let code = LawfulBasisCode(rawValue: reference), rule.lawfulBases[code]?.contains(env.sender) == true else {
                    return (.refused(.lawfulBasisNotAllowed, "the policy no longer lets \(env.sender) invoke \(reference) toward \(recipient)"), nil)
                }
            case .policy:
                guard case .notRequired = rule.consent else {
                    return (.refused(.noConsent, "the policy now needs consent for \(env.type.rawValue) to \(recipient)"), nil)
                }
            }
        }
        return (.delivered, .deliver(r.outgoing, basis, removedFields: r.removedFields, prepared: nil))
    }

    /// A replay's checks that need no database (signature, schema, policy, redaction, signing), done before the
    /// transaction and in parallel, as the gateway does for new messages. A class: handed from the checks to the
    /// transaction by reference, not copied field by field for each of thousands.
    public final class PreparedReplay: Sendable {
        /// What the checks before the transaction found, by where the dead letter died.
        public enum Check: Sendable {
            /// Submitted to the gateway: assessed as if it had just arrived, except for its age.
            case resubmission(Assessment)
            /// Died in `to`'s inbox after the gateway delivered it.
            case redelivery(Result<GatewayDecider.Redelivery, Refusal>, to: PartyID)
            /// Cannot be replayed from where it died; the text says why.
            case notReplayable(String)
        }
        /// The stored dead letter being replayed.
        public let letter: StoredLetter
        /// The envelope as stored, when its headers read (for the audit entry).
        public let envelope: Envelope?
        /// What the checks before the transaction found.
        public let check: Check

        init(letter: StoredLetter, envelope: Envelope?, check: Check) {
            self.letter = letter
            self.envelope = envelope
            self.check = check
        }
    }

    /// Prepares the replay of one stored dead letter.
    func prepare(_ letter: StoredLetter, now: Timestamp) -> PreparedReplay {
        if letter.queue == topology.gatewayQueue {
            let a = decider.assess(letter.message, now: now, replaying: true, seal: letter.signatureSeal)
            return PreparedReplay(letter: letter, envelope: a.envelope, check: .resubmission(a))
        }
        let envelope = try? decider.readEnvelope(letter.message)
        if let recipient = decider.parties.entries.keys.first(where: { topology.inbox($0) == letter.queue }) {
            let r = Result { () throws(Refusal) in try decider.prepareRedelivery(letter.message, to: recipient, now: now) }
            return PreparedReplay(letter: letter, envelope: envelope, check: .redelivery(r, to: recipient))
        }
        return PreparedReplay(
            letter: letter, envelope: envelope,
            check: .notReplayable("it died in queue '\(letter.queue)', which holds nothing the gateway delivers"))
    }

    /// Prepares the replays a batch asks for, by request id: the dead letters read in one go, checked in parallel.
    public func prepareReplays(_ requests: [ReplayRequest], from store: any GatewayStore, now: Timestamp) async throws -> [String: PreparedReplay] {
        let letters = try await store.read { tx in try StoredLetter.load(requests.map(\.deadLetterID), in: tx) }
        let byID = Dictionary(letters.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let work = requests.compactMap { r in byID[r.deadLetterID].map { (r.requestID, $0) } }
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, work.count / 32))
        let size = (work.count + chunks - 1) / max(chunks, 1)
        return await withTaskGroup(of: [(String, PreparedReplay)].self) { group in
            for slice in work.chunks(of: max(size, 1)) {
                group.addTask { slice.map { ($0.0, self.prepare($0.1, now: now)) } }
            }
            var out: [String: PreparedReplay] = [:]
            for await part in group { for (k, v) in part { out[k] = v } }
            return out
        }
    }
}

/// A kept dead letter read back for a replay: its status, where it died, and the message as first published
/// (the gateway's refusal headers and RabbitMQ's death records removed, `user_id` the broker user that published it).
public struct StoredLetter: Sendable {
    /// The dead letter's id in the store.
    public var id: Int64
    /// Only a kept one is replayed.
    public var status: DeadLetterStatus
    /// The queue it died in, which decides how it is replayed: `gateway.in`, or a recipient's inbox.
    public var queue: String
    /// What the keeper read from its properties and headers (not verified), for the audit entry.
    public var messageID: String?, type: String?, sender: String?, recipient: String?, subject: String?
    /// The message rebuilt as first published, to be decided again.
    public var message: SubmittedMessage
    /// The gateway's note that it checked the sender's signature when it refused the message (`SignatureSeal`).
    public var signatureSeal: String?
    /// Headers the gateway adds when it dead-letters or replays, which are not part of the message.
    static let addedHeaders: Set<String> = [
        "refgw-reason", "refgw-reason-detail", "refgw-refused-at", "refgw-published-by",
        SignatureSeal.header, ReplayRequest.replayOfHeader, ReplayRequest.replayCountHeader,
    ]

    /// The dead letters `ids` (those that exist).
    static func load(_ ids: [Int64], in tx: any GatewayTransaction) throws -> [StoredLetter] {
        try tx.deadLettersWithContent(ids).map(StoredLetter.init)
    }

    init(_ letter: DeadLetter, content: DeadLetterContent) {
        id = letter.id ?? 0
        status = letter.status
        queue = letter.queue
        messageID = letter.messageID
        type = letter.type
        sender = letter.sender
        recipient = letter.recipient
        subject = letter.subject
        // The properties as kept (one JSON object of strings): the AMQP properties, the message's own headers, and
        // what the gateway or the broker added, which is set apart.
        var headers: [String: TransportHeader] = [:]
        var messageID: String?
        var type: String?
        var userID: String?
        var publishedBy: String?
        var seal: String?
        // Letters kept before content type and delivery mode were kept had arrived as JSON, persistent.
        var contentType: String? = "application/json"
        var persistent = true
        if case .object(let members)? = try? JSONParser.parse(content.properties.utf8) {
            for m in members {
                guard let v = m.value.stringValue else { continue }
                switch m.key {
                case "message_id": messageID = v
                case "type": type = v
                case "user_id": userID = v
                case "content_type": contentType = v.isEmpty ? nil : v
                case "delivery_mode": persistent = v == "2"
                case "refgw-published-by": publishedBy = v
                case SignatureSeal.header: seal = v
                case let k where k.hasPrefix("x-") || Self.addedHeaders.contains(k): break
                case let k: headers[k] = .text(v)
                }
            }
        }
        message = SubmittedMessage(
            publisher: publishedBy ?? userID, messageID: messageID, type: type, contentType: contentType,
            persistent: persistent, headers: headers, body: content.body)
        signatureSeal = seal
    }
}
