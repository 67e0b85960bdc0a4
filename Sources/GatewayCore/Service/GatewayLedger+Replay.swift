import AMQP
import Contracts
import Foundation
import GRDB
import Messaging

extension GatewayLedger {
    /// Decides a kept dead letter again, in the batch's transaction, as the administrator asked.
    ///
    /// A message the gateway refused (or that died in `gateway.in`) is checked as if it had just arrived, except for
    /// its age: signature, schema, policy and consent as they stand now. A delivery that died in a recipient's inbox
    /// goes to that recipient again if the basis it was shared on still holds (a withdrawn consent keeps it dead).
    /// A message already delivered is not delivered again. No non-delivery report is sent for a replay refused
    /// again: the sender had one, and the dead letter stays kept with the new outcome beside it.
    func replay(_ request: ReplayRequest, in db: Database, now: Timestamp, tail: inout AuditLog.Tail) throws -> (Outcome, [Outbox.Entry]) {
        guard let asked = try Row.fetchOne(db, sql: "SELECT * FROM replay_request WHERE request_id = ?", arguments: [request.requestID]),
              (asked["dead_letter_id"] as Int64) == request.deadLetterID else {
            // `refgw dlq replay` stores who asked and why before it publishes: without that there is nothing to audit.
            return (.replayed(.notReplayable("no replay request \(request.requestID) is stored for dead letter \(request.deadLetterID)")), [])
        }
        if (asked["outcome"] as String?) != nil { return (.alreadyProcessed, []) }
        let attempt: Int = asked["attempt"], by: String = asked["requested_by"], why: String = asked["reason"]
        func decided(_ outcome: ReplayOutcome, _ entries: [Outbox.Entry] = []) throws -> (Outcome, [Outbox.Entry]) {
            try db.execute(sql: "UPDATE replay_request SET outcome = ?, decided_at = ? WHERE request_id = ?",
                           arguments: [outcome.code, now.millisecondsSince1970, request.requestID])
            return (.replayed(outcome), entries)
        }
        guard let letter = try Row.fetchOne(db, sql: "SELECT * FROM dead_letter WHERE id = ?", arguments: [request.deadLetterID]) else {
            return try decided(.notReplayable("there is no dead letter \(request.deadLetterID)"))
        }
        switch letter["status"] as String {
        case "discarded": return try decided(.notReplayable("dead letter \(request.deadLetterID) was discarded"))
        case "replayed": return try decided(.alreadyDelivered)
        default: break
        }
        let stored = Self.storedDelivery(letter)
        let queue: String = letter["queue"]
        let topology = decider.topology
        let recipientInbox = decider.parties.entries.keys.first { topology.inbox($0) == queue }

        var outcome: ReplayOutcome
        var effect: Effect?
        if queue == topology.gatewayQueue {
            (outcome, effect) = try resubmission(stored, in: db, now: now)
        } else if let recipient = recipientInbox {
            (outcome, effect) = try redelivery(stored, to: recipient, in: db, now: now)
        } else {
            outcome = .notReplayable("it died in queue '\(queue)', which holds nothing the gateway delivers")
        }

        // Who asked, when and why, then the decision itself, in the hash chain.
        let env = try? SignedMessage(delivery: stored).envelope
        try AuditLog.append(AuditEntry(at: now, event: .replayed, messageID: env?.messageID ?? letter["message_id"] ?? "(none)",
                                       type: env?.type.rawValue ?? letter["type"] ?? "(none)",
                                       sender: env?.sender.rawValue ?? letter["sender"] ?? "(unknown)",
                                       recipient: env?.recipient.rawValue ?? letter["recipient"] ?? "(unknown)",
                                       subject: env?.subject.canonical ?? letter["subject"] ?? Self.noSubject.canonical,
                                       reasonCode: outcome.resolves && outcome != .alreadyDelivered ? nil : outcome.code,
                                       basisReference: "dead letter \(request.deadLetterID), replay \(attempt)",
                                       justification: why, actor: by), after: &tail, in: db)
        // A refusal's detail goes into the audit log; the dead letter itself stays as it was, still kept.
        if case .refused(let code, let detail) = outcome {
            try AuditLog.append(AuditEntry(at: now, event: .refused, messageID: env?.messageID ?? "(none)", type: env?.type.rawValue ?? "(none)",
                                           sender: env?.sender.rawValue ?? "(unknown)", recipient: env?.recipient.rawValue ?? "(unknown)",
                                           subject: env?.subject.canonical ?? Self.noSubject.canonical, reasonCode: code.rawValue,
                                           justification: String(detail.prefix(500)), actor: by), after: &tail, in: db)
        }
        var entries: [Outbox.Entry] = []
        switch effect {
        case .deliver(let message, let basis, let removed):
            let headers = [ReplayRequest.replayOfHeader: String(request.deadLetterID), ReplayRequest.replayCountHeader: String(attempt)]
            entries.append(try deliver(message, basis: basis, removedFields: removed, headers: headers, in: db, now: now, tail: &tail))
        case .recordConsent(let record, let env):
            try ConsentRegistry.record(record, subject: env.subject, recordedBy: env.sender, in: db)
            try AuditLog.append(AuditEntry(at: now, event: record.status == .given ? .consentGiven : .consentWithdrawn,
                                           messageID: env.messageID, type: env.type.rawValue, sender: env.sender.rawValue,
                                           recipient: PartyID.gateway.rawValue, subject: env.subject.canonical,
                                           basisReference: record.consentId), after: &tail, in: db)
        case nil:
            break
        }
        if case .notReplayable = outcome {} else {
            try db.execute(sql: """
                UPDATE dead_letter SET replay_count = replay_count + 1, last_replay_outcome = ?,
                    status = CASE WHEN ? THEN 'replayed' ELSE status END,
                    resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END,
                    resolved_by = CASE WHEN ? THEN ? ELSE resolved_by END,
                    resolution_reason = CASE WHEN ? THEN ? ELSE resolution_reason END
                WHERE id = ?
                """, arguments: [outcome.code, outcome.resolves, outcome.resolves, now.millisecondsSince1970, outcome.resolves, by,
                                 outcome.resolves, why, request.deadLetterID])
        }
        return try decided(outcome, entries)
    }

    /// What a replay that is allowed does, once its audit entry is written.
    private enum Effect {
        case deliver(SignedMessage, SharingBasis, removedFields: [String])
        case recordConsent(ConsentRecord, Envelope)
    }

    /// A message that was submitted to the gateway: assessed again as it arrived, except for its age.
    private func resubmission(_ stored: AMQPDelivery, in db: Database, now: Timestamp) throws -> (ReplayOutcome, Effect?) {
        let a = decider.assess(stored, now: now, replaying: true)
        guard let env = a.envelope else {
            if case .refuse(let r) = a.verdict { return (.refused(r.code, r.detail), nil) }
            return (.notReplayable("its envelope cannot be read"), nil)
        }
        if try Self.wasDelivered(env.messageID, to: nil, in: db) { return (.alreadyDelivered, nil) }
        if let seen = try String.fetchOne(db, sql: "SELECT fingerprint FROM seen_message WHERE message_id = ?", arguments: [env.messageID]),
           seen != a.fingerprint {
            return (.refused(.duplicateMessage, "message id \(env.messageID) was already used for another message"), nil)
        }
        try db.execute(sql: "INSERT OR IGNORE INTO seen_message (message_id, sender, fingerprint, processed_at) VALUES (?, ?, ?, ?)",
                       arguments: [env.messageID, env.sender.rawValue, a.fingerprint, now.millisecondsSince1970])
        switch a.verdict {
        case .refuse(let r):
            return (.refused(r.code, r.detail), nil)
        case .replay:
            return (.notReplayable("a replay request is not itself replayed"), nil)
        case .recordConsent(let record):
            return (.delivered, .recordConsent(record, env))
        case .deliver(let p):
            switch try sharingBasis(for: p, envelope: env, now: now, in: db) {
            case .failure(let r): return (.refused(r.code, r.detail), nil)
            case .success(let basis): return (.delivered, .deliver(p.outgoing, basis, removedFields: p.removedFields))
            }
        }
    }

    /// A delivery that died in `recipient`'s inbox: delivered again if the basis it was shared on still holds.
    private func redelivery(_ stored: AMQPDelivery, to recipient: PartyID, in db: Database, now: Timestamp) throws -> (ReplayOutcome, Effect?) {
        let r: GatewayDecider.Redelivery
        do { r = try decider.prepareRedelivery(stored, to: recipient, now: now) } catch { return (.refused(error.code, error.detail), nil) }
        let env = r.envelope
        var basis = SharingBasis(basis: .policy, reference: "the gateway's own non-delivery report")
        if let rule = r.rule {
            guard let earlier = try Row.fetchOne(db, sql: """
                SELECT basis, basis_reference, justification FROM audit
                WHERE message_id = ? AND event = 'delivered' AND recipient = ? ORDER BY seq DESC LIMIT 1
                """, arguments: [env.messageID, recipient.rawValue]) else {
                return (.refused(.noPolicy, "the audit log holds no delivery of message \(env.messageID) to \(recipient) whose basis could be checked again"), nil)
            }
            let reference: String = earlier["basis_reference"] ?? ""
            basis = SharingBasis(basis: AuditEntry.Basis(rawValue: earlier["basis"] ?? "") ?? .policy, reference: reference,
                                 justification: earlier["justification"])
            switch basis.basis {
            case .consent:
                switch try ConsentRegistry.state(of: reference, subject: env.subject, at: now, in: db) {
                case .current: break
                case .withdrawn: return (.refused(.consentWithdrawn, "consent \(reference), which the delivery relied on, was withdrawn"), nil)
                case .expired, .unknown: return (.refused(.noConsent, "consent \(reference), which the delivery relied on, is no longer current"), nil)
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
        return (.delivered, .deliver(r.outgoing, basis, removedFields: r.removedFields))
    }

    /// Whether the audit log records a delivery of `messageID` (to `recipient`, or to anyone).
    static func wasDelivered(_ messageID: String, to recipient: PartyID?, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM audit WHERE message_id = ? AND event = 'delivered'"
                            + (recipient == nil ? ")" : " AND recipient = ?)"),
                          arguments: StatementArguments([messageID] + (recipient.map { [$0.rawValue] } ?? []))) ?? false
    }

    /// The dead letter as it was first published: the gateway's refusal headers and RabbitMQ's death records removed,
    /// and `user_id` the broker user that published it (the gateway records it when it dead-letters a refusal itself).
    static func storedDelivery(_ letter: Row) -> AMQPDelivery {
        let properties = (try? JSONDecoder().decode([String: String].self, from: Data((letter["properties"] as String).utf8))) ?? [:]
        var headers = AMQPFieldTable()
        for (k, v) in properties where !k.hasPrefix("x-") && !Self.addedHeaders.contains(k) && !["message_id", "type", "user_id"].contains(k) {
            headers[k] = .string(v)
        }
        let props = AMQPProperties(contentType: "application/json", persistent: true, messageID: properties["message_id"],
                                   type: properties["type"], userID: properties["refgw-published-by"] ?? properties["user_id"],
                                   headers: headers)
        return AMQPDelivery(storedFrom: letter["original_exchange"], routingKey: letter["original_routing_key"], properties: props,
                            body: letter["body"])
    }

    /// Headers the gateway adds when it dead-letters or replays, which are not part of the message.
    static let addedHeaders: Set<String> = ["refgw-reason", "refgw-reason-detail", "refgw-refused-at", "refgw-published-by",
                                           ReplayRequest.replayOfHeader, ReplayRequest.replayCountHeader]
}
