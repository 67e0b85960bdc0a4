import Contracts
import Foundation
import Logging
import PostgresNIO

/// One transaction on the PostgreSQL store: each call one statement (or a few), waited for on this thread.
final class PostgresGatewayTransaction: GatewayTransaction {
    private let connection: PostgresConnection
    private let logger: Logger
    /// The audit chain's last entry, read at the first append (under the write lock) and moved on by each one.
    private var tail: AuditLog.Tail?
    /// The name audit entries are stamped with when they carry none (the process that opened the store).
    private let instance: String?

    init(connection: PostgresConnection, instance: String?, logger: Logger) {
        self.connection = connection
        self.instance = instance
        self.logger = logger
    }

    /// Runs a statement and returns its rows; a unique key used again is `GatewayStoreError.duplicate`.
    @discardableResult
    func run(_ query: PostgresQuery, duplicate: String? = nil) throws -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError where duplicate != nil && error.serverInfo?[.sqlState] == PostgresError.Code.uniqueViolation.raw {
            throw GatewayStoreError.duplicate(duplicate!)
        } catch let error as PSQLError {
            // The server's own words (which name no data, only the statement's problem), not the driver's dump.
            throw GatewayStoreError.unavailable(
                "PostgreSQL: \(error.serverInfo?[.message] ?? "\(error.code)")\(error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")")
        }
    }

    private func rows(_ query: PostgresQuery) throws -> [PostgresRow] { Array(try run(query)) }

    // MARK: Seen messages

    func seenMessage(_ id: String) throws -> SeenMessage? {
        try rows("SELECT sender, fingerprint, processed_at, delivered_seq FROM seen_message WHERE message_id = \(id)").first.map {
            let (sender, fingerprint, at, seq) = try $0.decode((String, String, Int64, Int64?).self)
            return SeenMessage(
                messageID: id, sender: sender, fingerprint: fingerprint, processedAt: Timestamp(millisecondsSince1970: at), deliveredSeq: seq)
        }
    }

    func rememberMessage(_ m: SeenMessage) throws {
        try run(
            """
            INSERT INTO seen_message (message_id, sender, fingerprint, processed_at, delivered_seq)
            VALUES (\(m.messageID), \(m.sender), \(m.fingerprint), \(m.processedAt.millisecondsSince1970), \(m.deliveredSeq))
            """, duplicate: "message id \(m.messageID)")
    }

    func markDelivered(_ id: String, auditSeq: Int64) throws {
        try run("UPDATE seen_message SET delivered_seq = \(auditSeq) WHERE message_id = \(id)")
    }

    // MARK: Consent registry

    private static func consent(_ row: PostgresRow) throws -> StoredConsent {
        let (id, subject, recordedBy, recipients, purposes, given, expires, withdrawn) = try row.decode(
            (String, String, String, String, String, Int64, Int64, Int64?).self)
        guard let urc = try? URC(parsing: subject) else {
            throw GatewayStoreError.unreadable("consent \(id) has subject '\(subject)', which is not a URC")
        }
        return StoredConsent(
            consentID: id, subject: urc, recordedBy: recordedBy, recipients: recipients.split(separator: " ").map(String.init),
            purposes: purposes.split(separator: " ").map(String.init), givenAt: Timestamp(millisecondsSince1970: given),
            expiresAt: Timestamp(millisecondsSince1970: expires), withdrawnAt: withdrawn.map(Timestamp.init(millisecondsSince1970:)))
    }

    func consent(_ id: String) throws -> StoredConsent? {
        try rows(
            "SELECT consent_id, subject, recorded_by, recipients, purposes, given_at, expires_at, withdrawn_at FROM consent WHERE consent_id = \(id)"
        ).first.map(Self.consent)
    }

    func consents(of subject: URC) throws -> [StoredConsent] {
        try rows(
            """
            SELECT consent_id, subject, recorded_by, recipients, purposes, given_at, expires_at, withdrawn_at FROM consent
            WHERE subject = \(subject.canonical) ORDER BY consent_id
            """
        ).map(Self.consent)
    }

    func addConsent(_ c: StoredConsent) throws {
        try run(
            """
            INSERT INTO consent (consent_id, subject, recipients, purposes, given_at, expires_at, withdrawn_at, recorded_by)
            VALUES (\(c.consentID), \(c.subject.canonical), \(c.recipients.joined(separator: " ")), \(c.purposes.joined(separator: " ")),
                \(c.givenAt.millisecondsSince1970), \(c.expiresAt.millisecondsSince1970), \(c.withdrawnAt?.millisecondsSince1970), \(c.recordedBy))
            ON CONFLICT (consent_id) DO NOTHING
            """)
    }

    func withdrawConsent(_ id: String, of subject: URC, at: Timestamp) throws {
        try run(
            """
            UPDATE consent SET withdrawn_at = \(at.millisecondsSince1970)
            WHERE consent_id = \(id) AND subject = \(subject.canonical) AND withdrawn_at IS NULL
            """)
    }

    // MARK: People and correspondence

    func people(_ urcs: [String]) throws -> [PersonRecord] {
        guard !urcs.isEmpty else { return [] }
        return try rows(
            "SELECT urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders FROM person_role WHERE urc = ANY(\(urcs))"
        ).map { row in
            let (urc, role, issuer, by, message, at, holders) = try row.decode((String, String?, String, String, String, Int64, String).self)
            return PersonRecord(
                urc: urc, role: role.flatMap(PersonRole.init(rawValue:)), issuer: issuer, firstSeenBy: by, firstMessageID: message,
                firstSeenAt: Timestamp(millisecondsSince1970: at), holders: PersonRecord.holders(fromColumn: holders))
        }
    }

    func savePeople(_ people: [PersonRecord]) throws {
        for p in people {
            try run(
                """
                INSERT INTO person_role (urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders)
                VALUES (\(p.urc), \(p.role?.rawValue), \(p.issuer), \(p.firstSeenBy), \(p.firstMessageID), \(p.firstSeenAt.millisecondsSince1970), \(p.holdersColumn))
                ON CONFLICT (urc) DO UPDATE SET role = excluded.role, first_seen_by = excluded.first_seen_by,
                    first_message_id = excluded.first_message_id, first_seen_at = excluded.first_seen_at, holders = excluded.holders
                """)
        }
    }

    func correspondence(kind: String, reference: String) throws -> [CorrespondenceRecord] {
        try rows(
            """
            SELECT sender, recipient, subject, case_id, message_id, at FROM correspondence
            WHERE kind = \(kind) AND reference = \(reference) ORDER BY at, recipient
            """
        ).map { row in
            let (sender, recipient, subject, caseID, message, at) = try row.decode((String, String, String, String?, String, Int64).self)
            return CorrespondenceRecord(
                kind: kind, reference: reference, sender: sender, recipient: recipient, subject: subject, caseID: caseID, messageID: message,
                at: Timestamp(millisecondsSince1970: at))
        }
    }

    func recordCorrespondence(_ r: CorrespondenceRecord) throws {
        try run(
            """
            INSERT INTO correspondence (kind, reference, sender, recipient, subject, case_id, message_id, at)
            VALUES (\(r.kind), \(r.reference), \(r.sender), \(r.recipient), \(r.subject), \(r.caseID), \(r.messageID), \(r.at.millisecondsSince1970))
            ON CONFLICT (kind, reference, recipient) DO NOTHING
            """)
    }

    // MARK: Audit log

    func appendAudit(_ entry: AuditEntry) throws -> AuditEntry {
        let tail = try self.tail ?? currentTail()
        var stamped = entry
        stamped.instance = entry.instance ?? instance
        let e = try AuditLog.chained(stamped, after: tail)
        let removed = String(decoding: JSONWriter.bytes(.array(e.removedFields.map { .string($0) })), as: UTF8.self)
        let people = e.people.isEmpty ? nil : String(decoding: JSONWriter.bytes(.array(e.people.map { .string($0) })), as: UTF8.self)
        try run(
            """
            INSERT INTO audit (seq, at, event, message_id, type, sender, recipient, subject, reason_code, basis, basis_reference,
                justification, removed_fields, actor, previous_hash, hash, people, instance)
            VALUES (\(e.seq!), \(e.at.millisecondsSince1970), \(e.event.rawValue), \(e.messageID), \(e.type), \(e.sender), \(e.recipient),
                \(e.subject), \(e.reasonCode), \(e.basis?.rawValue), \(e.basisReference), \(e.justification), \(removed), \(e.actor),
                \(e.previousHash), \(e.hash), \(people), \(e.instance))
            """, duplicate: "audit entry \(e.seq!)")
        // "URC role": the index holds the URC.
        for person in e.people {
            try run("INSERT INTO audit_person (urc, seq) VALUES (\(String(person.prefix { $0 != " " })), \(e.seq!)) ON CONFLICT DO NOTHING")
        }
        self.tail = AuditLog.Tail(seq: e.seq!, hash: e.hash)
        return e
    }

    private func currentTail() throws -> AuditLog.Tail {
        guard let row = try rows("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").first else { return AuditLog.Tail() }
        let (seq, hash) = try row.decode((Int64, String).self)
        return AuditLog.Tail(seq: seq, hash: hash)
    }

    private static let auditSelect = """
        SELECT seq, at, event, message_id, type, sender, recipient, subject, reason_code, basis, basis_reference, justification,
            removed_fields, actor, previous_hash, hash, people, instance FROM audit
        """

    private static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        let (seq, at, event, message, type, sender, recipient, subject, reason, basis, reference, justification) = try row.decode(
            (Int64, Int64, String, String, String, String, String, String, String?, String?, String?, String?).self)
        let cells = Array(row)
        let removed = try cells[12].decode(String.self)
        let actor = try cells[13].decode(String?.self)
        let previous = try cells[14].decode(String.self)
        let hash = try cells[15].decode(String.self)
        let people = try cells[16].decode(String?.self)
        let instance = try cells[17].decode(String?.self)
        var e = AuditEntry(
            at: Timestamp(millisecondsSince1970: at), event: AuditEntry.Event(rawValue: event) ?? .refused, messageID: message, type: type,
            sender: sender, recipient: recipient, subject: subject, reasonCode: reason, basis: basis.flatMap(AuditEntry.Basis.init),
            basisReference: reference, justification: justification,
            removedFields: (try? JSONDecoder().decode([String].self, from: Data(removed.utf8))) ?? ["<unreadable>"], actor: actor,
            people: people.map { (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? ["<unreadable>"] } ?? [],
            instance: instance)
        e.seq = seq
        e.previousHash = previous
        e.hash = hash
        return e
    }

    func auditEntry(_ seq: Int64) throws -> AuditEntry? {
        try rows(PostgresQuery(unsafeSQL: Self.auditSelect + " WHERE seq = $1", binds: binds(seq))).first.map(Self.auditEntry)
    }

    func latestAuditEntries(_ limit: Int) throws -> [AuditEntry] {
        try rows(PostgresQuery(unsafeSQL: Self.auditSelect + " ORDER BY seq DESC LIMIT $1", binds: binds(Int64(limit)))).map(Self.auditEntry)
    }

    func auditTrail(of subject: String) throws -> [AuditEntry] {
        try rows(
            PostgresQuery(
                unsafeSQL: Self.auditSelect + " WHERE subject = $1 OR seq IN (SELECT seq FROM audit_person WHERE urc = $1) ORDER BY seq",
                binds: binds(subject))
        ).map(Self.auditEntry)
    }

    func forEachAuditEntry(_ body: (AuditEntry) throws -> Bool) throws {
        // A page at a time, so a long log is never held in memory whole.
        var after: Int64 = 0
        while true {
            let page = try rows(PostgresQuery(unsafeSQL: Self.auditSelect + " WHERE seq > $1 ORDER BY seq LIMIT 1000", binds: binds(after)))
            for row in page {
                let e = try Self.auditEntry(row)
                guard try body(e) else { return }
                after = e.seq!
            }
            if page.count < 1000 { return }
        }
    }

    private func binds(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var b = PostgresBindings()
        for v in values { b.append(v) }
        return b
    }

    // MARK: Outbox

    func addToOutbox(_ m: OutboxMessage) throws -> Int64 {
        let headers = String(
            decoding: JSONWriter.bytes(.object(m.headers.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) })), as: UTF8.self)
        let row = try rows(
            """
            INSERT INTO outbox (message_id, exchange, routing_key, type, headers, body, created_at, content_type, persistent)
            VALUES (\(m.messageID), \(m.exchange), \(m.routingKey), \(m.type), \(headers), \(m.body), \(Timestamp().millisecondsSince1970),
                \(m.contentType ?? ""), \(m.persistent))
            RETURNING id
            """)
        return try row[0].decode(Int64.self)
    }

    func pendingOutbox() throws -> [OutboxEntry] {
        try rows("SELECT id, message_id, exchange, routing_key, type, headers, body, content_type, persistent FROM outbox ORDER BY id").map { row in
            let (id, message, exchange, key, type, headersText, body, contentType, persistent) = try row.decode(
                (Int64, String, String, String, String, String, Data, String?, Bool).self)
            guard let headers = try? JSONDecoder().decode([String: String].self, from: Data(headersText.utf8)) else {
                throw GatewayStoreError.unreadable("outbox row \(id) has headers that are not a JSON object of strings")
            }
            return OutboxEntry(
                id: id,
                message: OutboxMessage(
                    messageID: message, exchange: exchange, routingKey: key, type: type,
                    contentType: contentType.map { $0.isEmpty ? nil : $0 } ?? "application/json", persistent: persistent, headers: headers,
                    body: body))
        }
    }

    func removeFromOutbox(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try run("DELETE FROM outbox WHERE id = ANY(\(ids))")
    }

    // MARK: Dead letters

    private static let letterColumns = """
        d.id, d.message_id, d.original_exchange, d.original_routing_key, d.queue, d.reason, d.reason_detail, d.death_count,
        d.first_death_at, d.last_death_at, d.sender, d.recipient, d.type, d.subject, d.kept_at, d.status, d.replay_count,
        d.last_replay_outcome, d.resolved_at, d.resolved_by, d.resolution_reason
        """

    private static func letter(_ row: PostgresRow) throws -> DeadLetter {
        let c = Array(row)
        func text(_ i: Int) throws -> String { try c[i].decode(String.self) }
        func optional(_ i: Int) throws -> String? { try c[i].decode(String?.self) }
        func number(_ i: Int) throws -> Int64 { try c[i].decode(Int64.self) }
        let id = try number(0)
        guard let status = DeadLetterStatus(rawValue: try text(15)) else {
            throw GatewayStoreError.unreadable("dead letter \(id) has status '\(try text(15))'")
        }
        var l = DeadLetter(
            messageID: try optional(1), originalExchange: try text(2), originalRoutingKey: try text(3), queue: try text(4), reason: try text(5),
            reasonDetail: try optional(6), deathCount: Int(try number(7)), firstDeathAt: Timestamp(millisecondsSince1970: try number(8)),
            lastDeathAt: Timestamp(millisecondsSince1970: try number(9)), sender: try optional(10), recipient: try optional(11),
            type: try optional(12), subject: try optional(13), keptAt: Timestamp(millisecondsSince1970: try number(14)))
        l.id = id
        l.status = status
        l.replayCount = Int(try number(16))
        l.lastReplayOutcome = try optional(17)
        l.resolvedAt = try c[18].decode(Int64?.self).map(Timestamp.init(millisecondsSince1970:))
        l.resolvedBy = try optional(19)
        l.resolutionReason = try optional(20)
        return l
    }

    func keepDeadLetter(_ l: DeadLetter, fingerprint: String, content: DeadLetterContent) throws -> Int64? {
        let inserted = try rows(
            """
            INSERT INTO dead_letter (fingerprint, message_id, original_exchange, original_routing_key, queue, reason, reason_detail,
                death_count, first_death_at, last_death_at, sender, recipient, type, subject, kept_at)
            VALUES (\(fingerprint), \(l.messageID), \(l.originalExchange), \(l.originalRoutingKey), \(l.queue), \(l.reason), \(l.reasonDetail),
                \(Int64(l.deathCount)), \(l.firstDeathAt.millisecondsSince1970), \(l.lastDeathAt.millisecondsSince1970), \(l.sender),
                \(l.recipient), \(l.type), \(l.subject), \(l.keptAt.millisecondsSince1970))
            ON CONFLICT (fingerprint) DO NOTHING RETURNING id
            """)
        guard let id = try inserted.first?.decode(Int64.self) else { return nil }
        try run("INSERT INTO dead_letter_content (id, properties, body) VALUES (\(id), \(content.properties), \(content.body))")
        return id
    }

    func deadLetters(_ filter: DeadLetterFilter, limit: Int) throws -> [DeadLetter] {
        var clauses: [String] = []
        var b = PostgresBindings()
        if !filter.includeResolved { clauses.append("d.status = 'kept'") }
        for (column, value) in [("reason", filter.reason), ("sender", filter.sender), ("recipient", filter.recipient), ("type", filter.type)] {
            guard let value else { continue }
            b.append(value)
            clauses.append("d.\(column) = $\(b.count)")
        }
        if let since = filter.since {
            b.append(since.millisecondsSince1970)
            clauses.append("d.last_death_at >= $\(b.count)")
        }
        b.append(Int64(limit))
        let sql =
            "SELECT \(Self.letterColumns) FROM dead_letter d" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY d.last_death_at DESC, d.id DESC LIMIT $\(b.count)"
        return try rows(PostgresQuery(unsafeSQL: sql, binds: b)).map(Self.letter)
    }

    func deadLetterGroups() throws -> [DeadLetterGroup] {
        try rows(
            """
            SELECT reason, COALESCE(type, '-') AS t, COALESCE(recipient, '-') AS r, COUNT(*) AS n FROM dead_letter
            WHERE status = 'kept' GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3
            """
        ).map { row in
            let (reason, type, recipient, n) = try row.decode((String, String, String, Int64).self)
            return DeadLetterGroup(reason: reason, type: type, recipient: recipient, count: Int(n))
        }
    }

    func keptDeadLetterIDs(in group: DeadLetterGroupKey?) throws -> [Int64] {
        var sql = "SELECT id FROM dead_letter WHERE status = 'kept'"
        var b = PostgresBindings()
        if let group {
            b.append(group.reason)
            sql += " AND reason = $\(b.count)"
            // groups() shows a missing type or recipient as "-".
            for (column, value) in [("type", group.type), ("recipient", group.recipient)] {
                guard let value else { continue }
                if value == "-" {
                    sql += " AND \(column) IS NULL"
                } else {
                    b.append(value)
                    sql += " AND \(column) = $\(b.count)"
                }
            }
        }
        return try rows(PostgresQuery(unsafeSQL: sql + " ORDER BY id", binds: b)).map { try $0.decode(Int64.self) }
    }

    func deadLetterCount(status: DeadLetterStatus?) throws -> Int {
        let row =
            if let status {
                try rows("SELECT COUNT(*) FROM dead_letter WHERE status = \(status.rawValue)")
            } else {
                try rows("SELECT COUNT(*) FROM dead_letter")
            }
        return Int(try row[0].decode(Int64.self))
    }

    func deadLettersWithContent(_ ids: [Int64]) throws -> [(DeadLetter, DeadLetterContent)] {
        guard !ids.isEmpty else { return [] }
        var b = PostgresBindings()
        b.append(ids)
        let found = try rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.letterColumns), COALESCE(c.properties, '{}'), COALESCE(c.body, ''::bytea)
                    FROM dead_letter d LEFT JOIN dead_letter_content c ON c.id = d.id WHERE d.id = ANY($1)
                    """, binds: b)
        ).map { row -> (DeadLetter, DeadLetterContent) in
            let c = Array(row)
            return (try Self.letter(row), DeadLetterContent(properties: try c[21].decode(String.self), body: try c[22].decode(Data.self)))
        }
        return found.inOrder(of: ids)
    }

    func discardDeadLetter(_ id: Int64, resolution r: DeadLetterResolution) throws {
        try run(
            """
            UPDATE dead_letter SET status = 'discarded', resolved_at = \(r.at.millisecondsSince1970), resolved_by = \(r.by),
                resolution_reason = \(r.reason) WHERE id = \(id)
            """)
        try run("UPDATE dead_letter_content SET body = ''::bytea, properties = '{}' WHERE id = \(id)")
    }

    func recordReplay(of id: Int64, outcome: String, resolution r: DeadLetterResolution?) throws {
        try run(
            """
            UPDATE dead_letter SET replay_count = replay_count + 1, last_replay_outcome = \(outcome),
                status = CASE WHEN \(r != nil) THEN 'replayed' ELSE status END,
                resolved_at = COALESCE(\(r?.at.millisecondsSince1970)::BIGINT, resolved_at),
                resolved_by = COALESCE(\(r?.by)::TEXT, resolved_by),
                resolution_reason = COALESCE(\(r?.reason)::TEXT, resolution_reason)
            WHERE id = \(id)
            """)
    }

    // MARK: Replay requests

    func addReplayRequest(_ r: StoredReplayRequest) throws {
        try run(
            """
            INSERT INTO replay_request (request_id, dead_letter_id, attempt, requested_at, requested_by, reason, outcome, decided_at)
            VALUES (\(r.requestID), \(r.deadLetterID), \(Int64(r.attempt)), \(r.requestedAt.millisecondsSince1970), \(r.requestedBy),
                \(r.reason), \(r.outcome), \(r.decidedAt?.millisecondsSince1970))
            """, duplicate: "replay request \(r.requestID)")
    }

    func replayRequest(_ id: String) throws -> (StoredReplayRequest, letterStatus: DeadLetterStatus?)? {
        guard
            let row = try rows(
                """
                SELECT r.dead_letter_id, r.attempt, r.requested_at, r.requested_by, r.reason, r.outcome, r.decided_at, d.status
                FROM replay_request r LEFT JOIN dead_letter d ON d.id = r.dead_letter_id WHERE r.request_id = \(id)
                """
            ).first
        else { return nil }
        let (letter, attempt, at, by, reason, outcome, decided, status) = try row.decode(
            (Int64, Int64, Int64, String, String, String?, Int64?, String?).self)
        let request = StoredReplayRequest(
            requestID: id, deadLetterID: letter, attempt: Int(attempt), requestedAt: Timestamp(millisecondsSince1970: at), requestedBy: by,
            reason: reason, outcome: outcome, decidedAt: decided.map(Timestamp.init(millisecondsSince1970:)))
        return (request, status.flatMap(DeadLetterStatus.init(rawValue:)))
    }

    func replayHistory(of letters: [Int64]) throws -> [Int64: ReplayHistory] {
        guard !letters.isEmpty else { return [:] }
        var out: [Int64: ReplayHistory] = [:]
        for row in try rows(
            """
            SELECT d.id, d.status, d.resolved_at,
                (SELECT request_id FROM replay_request WHERE dead_letter_id = d.id AND outcome IS NULL ORDER BY attempt LIMIT 1),
                (SELECT COUNT(*) FROM replay_request WHERE dead_letter_id = d.id)
            FROM dead_letter d WHERE d.id = ANY(\(letters))
            """)
        {
            let (id, statusText, resolved, pending, attempts) = try row.decode((Int64, String, Int64?, String?, Int64).self)
            guard let status = DeadLetterStatus(rawValue: statusText) else {
                throw GatewayStoreError.unreadable("dead letter \(id) has status '\(statusText)'")
            }
            out[id] = ReplayHistory(
                status: status, resolvedAt: resolved.map(Timestamp.init(millisecondsSince1970:)), attempts: Int(attempts), pending: pending)
        }
        return out
    }

    func decideReplayRequest(_ id: String, outcome: String, at: Timestamp) throws {
        try run("UPDATE replay_request SET outcome = \(outcome), decided_at = \(at.millisecondsSince1970) WHERE request_id = \(id)")
    }

    func replayOutcomes(of ids: [String]) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for row in try rows("SELECT request_id, outcome FROM replay_request WHERE outcome IS NOT NULL AND request_id = ANY(\(ids))") {
            let (id, outcome) = try row.decode((String, String).self)
            out[id] = outcome
        }
        return out
    }
}
