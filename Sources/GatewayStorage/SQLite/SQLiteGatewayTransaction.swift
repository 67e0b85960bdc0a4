import Contracts
import Foundation
import GRDB

/// One transaction on the SQLite store. Statements are prepared once per connection (`cachedStatement`) and read
/// columns by position: the gateway runs them for every message, and looking columns up by name cost more than
/// the rest of the check.
final class SQLiteGatewayTransaction: GatewayTransaction {
    let db: Database
    /// The audit chain's last entry, read at the first append of the transaction and moved on by each one.
    private var tail: AuditLog.Tail?
    /// The name audit entries are stamped with when they carry none (the process that opened the store).
    private let instance: String?

    init(_ db: Database, instance: String? = nil) {
        self.db = db
        self.instance = instance
    }

    // MARK: Seen messages

    func seenMessage(_ id: String) throws -> SeenMessage? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sender, fingerprint, processed_at, delivered_seq FROM seen_message WHERE message_id = ?"),
            arguments: [id]
        ).map {
            SeenMessage(messageID: id, sender: $0[0], fingerprint: $0[1], processedAt: Timestamp(millisecondsSince1970: $0[2]), deliveredSeq: $0[3])
        }
    }

    func rememberMessage(_ m: SeenMessage) throws {
        do {
            try db.cachedStatement(
                sql: "INSERT INTO seen_message (message_id, sender, fingerprint, processed_at, delivered_seq) VALUES (?, ?, ?, ?, ?)"
            )
            .execute(arguments: [m.messageID, m.sender, m.fingerprint, m.processedAt.millisecondsSince1970, m.deliveredSeq])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw GatewayStoreError.duplicate("message id \(m.messageID)")
        }
    }

    func markDelivered(_ id: String, auditSeq: Int64) throws {
        try db.cachedStatement(sql: "UPDATE seen_message SET delivered_seq = ? WHERE message_id = ?").execute(arguments: [auditSeq, id])
    }

    // MARK: Consent registry

    private static let consentColumns = "consent_id, subject, recorded_by, recipients, purposes, given_at, expires_at, withdrawn_at"

    private static func consent(_ row: Row) throws -> StoredConsent {
        guard let subject = try? URC(parsing: row[1] as String) else {
            throw GatewayStoreError.unreadable("consent \(row[0] as String) has subject '\(row[1] as String)', which is not a URC")
        }
        return StoredConsent(
            consentID: row[0], subject: subject, recordedBy: row[2], recipients: (row[3] as String).split(separator: " ").map(String.init),
            purposes: (row[4] as String).split(separator: " ").map(String.init), givenAt: Timestamp(millisecondsSince1970: row[5]),
            expiresAt: Timestamp(millisecondsSince1970: row[6]), withdrawnAt: (row[7] as Int64?).map(Timestamp.init(millisecondsSince1970:)))
    }

    func consent(_ id: String) throws -> StoredConsent? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.consentColumns) FROM consent WHERE consent_id = ?"), arguments: [id])
            .map(Self.consent)
    }

    func consents(of subject: URC) throws -> [StoredConsent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.consentColumns) FROM consent WHERE subject = ?"), arguments: [subject.canonical])
            .map(Self.consent)
    }

    func addConsent(_ c: StoredConsent) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO consent (consent_id, subject, recipients, purposes, given_at, expires_at, withdrawn_at, recorded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(consent_id) DO NOTHING
                """
        ).execute(arguments: [
            c.consentID, c.subject.canonical, c.recipients.joined(separator: " "), c.purposes.joined(separator: " "),
            c.givenAt.millisecondsSince1970, c.expiresAt.millisecondsSince1970, c.withdrawnAt?.millisecondsSince1970, c.recordedBy,
        ])
    }

    func withdrawConsent(_ id: String, of subject: URC, at: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE consent SET withdrawn_at = ? WHERE consent_id = ? AND subject = ? AND withdrawn_at IS NULL")
            .execute(arguments: [at.millisecondsSince1970, id, subject.canonical])
    }

    // MARK: People and correspondence

    func people(_ urcs: [String]) throws -> [PersonRecord] {
        var out: [PersonRecord] = []
        for slice in urcs.chunks(of: idsPerQuery) {
            let rows = try Row.fetchCursor(
                db,
                SQLRequest<Row>(
                    "SELECT urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders FROM person_role WHERE urc IN \(slice)"))
            while let r = try rows.next() {
                out.append(
                    PersonRecord(
                        urc: r[0], role: (r[1] as String?).flatMap(PersonRole.init(rawValue:)), issuer: r[2], firstSeenBy: r[3],
                        firstMessageID: r[4], firstSeenAt: Timestamp(millisecondsSince1970: r[5]),
                        holders: PersonRecord.holders(fromColumn: r[6])))
            }
        }
        return out
    }

    func savePeople(_ people: [PersonRecord]) throws {
        guard !people.isEmpty else { return }
        // One prepared statement run a row at a time: a statement of many rows is parsed anew for each batch, which
        // cost more than the rows.
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO person_role (urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(urc) DO UPDATE SET role = excluded.role, first_seen_by = excluded.first_seen_by,
                    first_message_id = excluded.first_message_id, first_seen_at = excluded.first_seen_at, holders = excluded.holders
                """)
        for p in people {
            try upsert.execute(arguments: [
                p.urc, p.role?.rawValue, p.issuer, p.firstSeenBy, p.firstMessageID, p.firstSeenAt.millisecondsSince1970, p.holdersColumn,
            ])
        }
    }

    func correspondence(kind: String, reference: String) throws -> [CorrespondenceRecord] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT sender, recipient, subject, case_id, message_id, at FROM correspondence WHERE kind = ? AND reference = ?"),
            arguments: [kind, reference]
        ).map {
            CorrespondenceRecord(
                kind: kind, reference: reference, sender: $0[0], recipient: $0[1], subject: $0[2], caseID: $0[3], messageID: $0[4],
                at: Timestamp(millisecondsSince1970: $0[5]))
        }
    }

    func recordCorrespondence(_ r: CorrespondenceRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO correspondence (kind, reference, sender, recipient, subject, case_id, message_id, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, reference, recipient) DO NOTHING
                """
        ).execute(arguments: [r.kind, r.reference, r.sender, r.recipient, r.subject, r.caseID, r.messageID, r.at.millisecondsSince1970])
    }

    // MARK: Audit log

    private static let auditColumns =
        "seq, at, event, message_id, type, sender, recipient, subject, reason_code, basis, basis_reference, justification, removed_fields, actor, previous_hash, hash"

    func appendAudit(_ entry: AuditEntry) throws -> AuditEntry {
        let tail = try self.tail ?? currentTail()
        var stamped = entry
        stamped.instance = entry.instance ?? instance
        let e = try AuditLog.chained(stamped, after: tail)
        var values: [(any DatabaseValueConvertible)?] = [
            e.seq, e.at.millisecondsSince1970, e.event.rawValue, e.messageID, e.type, e.sender,
            e.recipient, e.subject, e.reasonCode, e.basis?.rawValue, e.basisReference,
            e.justification, String(decoding: JSONWriter.bytes(.array(e.removedFields.map { .string($0) })), as: UTF8.self),
            e.actor, e.previousHash, e.hash,
        ]
        // The columns added later are written only when they hold something, so an entry without them is written as
        // before they existed (and a store migrated only so far, in the migration tests, still takes it).
        var columns = Self.auditColumns
        if let instance = e.instance {
            columns += ", instance"
            values.append(instance)
        }
        if !e.people.isEmpty {
            columns += ", people"
            values.append(String(decoding: JSONWriter.bytes(.array(e.people.map { .string($0) })), as: UTF8.self))
        }
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        try db.cachedStatement(sql: "INSERT INTO audit (\(columns)) VALUES (\(placeholders))").execute(arguments: StatementArguments(values))
        if !e.people.isEmpty {
            let index = try db.cachedStatement(sql: "INSERT INTO audit_person (urc, seq) VALUES (?, ?) ON CONFLICT DO NOTHING")
            // "URC role": the index holds the URC.
            for person in e.people { try index.execute(arguments: [String(person.prefix { $0 != " " }), e.seq]) }
        }
        self.tail = AuditLog.Tail(seq: e.seq!, hash: e.hash)
        return e
    }

    private func currentTail() throws -> AuditLog.Tail {
        guard let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")) else {
            return AuditLog.Tail()
        }
        return AuditLog.Tail(seq: last[0], hash: last[1])
    }

    private static func auditEntry(_ row: Row) -> AuditEntry {
        var e = AuditEntry(
            at: Timestamp(millisecondsSince1970: row[1]), event: AuditEntry.Event(rawValue: row[2]) ?? .refused,
            messageID: row[3], type: row[4], sender: row[5], recipient: row[6], subject: row[7], reasonCode: row[8],
            basis: (row[9] as String?).flatMap(AuditEntry.Basis.init), basisReference: row[10], justification: row[11],
            removedFields: (try? JSONDecoder().decode([String].self, from: Data((row[12] as String).utf8))) ?? ["<unreadable>"],
            actor: row[13],
            people: (row[16] as String?).map { (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? ["<unreadable>"] } ?? [],
            instance: row[17])
        e.seq = row[0]
        e.previousHash = row[14]
        e.hash = row[15]
        return e
    }

    private static let auditSelect = "SELECT \(auditColumns), people, instance FROM audit"

    func auditEntry(_ seq: Int64) throws -> AuditEntry? {
        try Row.fetchOne(db.cachedStatement(sql: "\(Self.auditSelect) WHERE seq = ?"), arguments: [seq]).map(Self.auditEntry)
    }

    func latestAuditEntries(_ limit: Int) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "\(Self.auditSelect) ORDER BY seq DESC LIMIT ?", arguments: [limit]).map(Self.auditEntry)
    }

    func auditTrail(of subject: String) throws -> [AuditEntry] {
        try Row.fetchAll(
            db, sql: "\(Self.auditSelect) WHERE subject = ? OR seq IN (SELECT seq FROM audit_person WHERE urc = ?) ORDER BY seq",
            arguments: [subject, subject]
        ).map(Self.auditEntry)
    }

    func forEachAuditEntry(_ body: (AuditEntry) throws -> Bool) throws {
        let rows = try Row.fetchCursor(db, sql: "\(Self.auditSelect) ORDER BY seq")
        while let row = try rows.next() {
            guard try body(Self.auditEntry(row)) else { return }
        }
    }

    // MARK: Outbox

    func addToOutbox(_ m: OutboxMessage) throws -> Int64 {
        let headers = JSONValue.object(m.headers.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) })
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox (message_id, exchange, routing_key, type, headers, body, created_at, content_type, persistent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            m.messageID, m.exchange, m.routingKey, m.type, String(decoding: JSONWriter.bytes(headers), as: UTF8.self), m.body,
            Timestamp().millisecondsSince1970, m.contentType ?? "", m.persistent,
        ])
        return db.lastInsertedRowID
    }

    func pendingOutbox() throws -> [OutboxEntry] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, message_id, exchange, routing_key, type, headers, body, content_type, persistent FROM outbox ORDER BY id")
        return try rows.map { row in
            let headers: [String: String]
            do { headers = try JSONDecoder().decode([String: String].self, from: Data((row[5] as String).utf8)) } catch {
                throw GatewayStoreError.unreadable("outbox row \(row[0] as Int64) has headers that are not a JSON object of strings")
            }
            // NULL: stored before the column existed, when everything went out as JSON. "": the original had none.
            let contentType = (row[7] as String?).map { $0.isEmpty ? nil : $0 } ?? "application/json"
            return OutboxEntry(
                id: row[0],
                message: OutboxMessage(
                    messageID: row[1], exchange: row[2], routingKey: row[3], type: row[4], contentType: contentType,
                    persistent: row[8] ?? true, headers: headers, body: row[6]))
        }
    }

    func removeFromOutbox(_ ids: [Int64]) throws {
        for slice in ids.chunks(of: idsPerQuery) { try db.execute(literal: "DELETE FROM outbox WHERE id IN \(Array(slice))") }
    }

    // MARK: Dead letters

    private static let letterColumns = """
        d.id, d.message_id, d.original_exchange, d.original_routing_key, d.queue, d.reason, d.reason_detail, d.death_count, \
        d.first_death_at, d.last_death_at, d.sender, d.recipient, d.type, d.subject, d.kept_at, d.status, d.replay_count, \
        d.last_replay_outcome, d.resolved_at, d.resolved_by, d.resolution_reason
        """

    private static func letter(_ row: Row) throws -> DeadLetter {
        guard let status = DeadLetterStatus(rawValue: row[15]) else {
            throw GatewayStoreError.unreadable("dead letter \(row[0] as Int64) has status '\(row[15] as String)'")
        }
        var l = DeadLetter(
            messageID: row[1], originalExchange: row[2], originalRoutingKey: row[3], queue: row[4], reason: row[5],
            reasonDetail: row[6], deathCount: row[7], firstDeathAt: Timestamp(millisecondsSince1970: row[8]),
            lastDeathAt: Timestamp(millisecondsSince1970: row[9]), sender: row[10], recipient: row[11], type: row[12],
            subject: row[13], keptAt: Timestamp(millisecondsSince1970: row[14]))
        l.id = row[0]
        l.status = status
        l.replayCount = row[16]
        l.lastReplayOutcome = row[17]
        l.resolvedAt = (row[18] as Int64?).map(Timestamp.init(millisecondsSince1970:))
        l.resolvedBy = row[19]
        l.resolutionReason = row[20]
        return l
    }

    func keepDeadLetter(_ l: DeadLetter, fingerprint: String, content: DeadLetterContent) throws -> Int64? {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO dead_letter (fingerprint, message_id, original_exchange, original_routing_key, queue, reason,
                    reason_detail, death_count, first_death_at, last_death_at, sender, recipient, type, subject, kept_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            fingerprint, l.messageID, l.originalExchange, l.originalRoutingKey, l.queue, l.reason, l.reasonDetail,
            l.deathCount, l.firstDeathAt.millisecondsSince1970, l.lastDeathAt.millisecondsSince1970, l.sender,
            l.recipient, l.type, l.subject, l.keptAt.millisecondsSince1970,
        ])
        guard db.changesCount > 0 else { return nil }
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO dead_letter_content (id, properties, body) VALUES (?, ?, ?)")
            .execute(arguments: [id, content.properties, content.body])
        return id
    }

    func deadLetters(_ filter: DeadLetterFilter, limit: Int) throws -> [DeadLetter] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if !filter.includeResolved { clauses.append("d.status = 'kept'") }
        for (column, value) in [("reason", filter.reason), ("sender", filter.sender), ("recipient", filter.recipient), ("type", filter.type)] {
            if let value {
                clauses.append("d.\(column) = ?")
                args.append(value)
            }
        }
        if let since = filter.since {
            clauses.append("d.last_death_at >= ?")
            args.append(since.millisecondsSince1970)
        }
        args.append(limit)
        let sql =
            "SELECT \(Self.letterColumns) FROM dead_letter d" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY d.last_death_at DESC, d.id DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(Self.letter)
    }

    func deadLetterGroups() throws -> [DeadLetterGroup] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT reason, COALESCE(type, '-'), COALESCE(recipient, '-'), COUNT(*) AS n FROM dead_letter
                WHERE status = 'kept' GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3
                """
        ).map { DeadLetterGroup(reason: $0[0], type: $0[1], recipient: $0[2], count: $0[3]) }
    }

    func keptDeadLetterIDs(in group: DeadLetterGroupKey?) throws -> [Int64] {
        var sql = "SELECT id FROM dead_letter WHERE status = 'kept'"
        var args: [any DatabaseValueConvertible] = []
        if let group {
            sql += " AND reason = ?"
            args.append(group.reason)
            // groups() shows a missing type or recipient as "-".
            for (column, value) in [("type", group.type), ("recipient", group.recipient)] {
                guard let value else { continue }
                if value == "-" {
                    sql += " AND \(column) IS NULL"
                } else {
                    sql += " AND \(column) = ?"
                    args.append(value)
                }
            }
        }
        return try Int64.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(args))
    }

    func auditCounts(since: Timestamp) throws -> [AuditCount] {
        try Row.fetchAll(
            db, sql: "SELECT event, reason_code, COUNT(*) FROM audit WHERE at >= ? GROUP BY event, reason_code ORDER BY event, reason_code",
            arguments: [since.millisecondsSince1970]
        ).map { row in
            let event: String = row[0]
            guard let e = AuditEntry.Event(rawValue: event) else {
                throw GatewayStoreError.unreadable("an audit entry has the unknown event '\(event)'")
            }
            return AuditCount(event: e, reasonCode: row[1], count: row[2])
        }
    }

    func keptDeadLetterBacklog() throws -> Backlog {
        try backlog(sql: "SELECT COUNT(*), MIN(kept_at) FROM dead_letter WHERE status = 'kept'")
    }

    func outboxBacklog() throws -> Backlog { try backlog(sql: "SELECT COUNT(*), MIN(created_at) FROM outbox") }

    private func backlog(sql: String) throws -> Backlog {
        guard let row = try Row.fetchOne(db, sql: sql) else { return Backlog(count: 0, oldest: nil) }
        let oldest: Int64? = row[1]
        return Backlog(count: row[0], oldest: oldest.map { Timestamp(millisecondsSince1970: $0) })
    }

    func deadLetterCount(status: DeadLetterStatus?) throws -> Int {
        if let status {
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letter WHERE status = ?", arguments: [status.rawValue]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letter") ?? 0
    }

    func deadLettersWithContent(_ ids: [Int64]) throws -> [(DeadLetter, DeadLetterContent)] {
        var out: [(DeadLetter, DeadLetterContent)] = []
        for slice in ids.chunks(of: idsPerQuery) {
            // Read from the cursor's row as it goes: copying each row first (2 KiB bodies) was a fifth of loading.
            let rows = try Row.fetchCursor(
                db,
                SQLRequest<Row>(
                    """
                    SELECT \(sql: Self.letterColumns), COALESCE(c.properties, '{}'), COALESCE(c.body, X'')
                    FROM dead_letter d LEFT JOIN dead_letter_content c ON c.id = d.id WHERE d.id IN \(slice)
                    """))
            while let row = try rows.next() { out.append((try Self.letter(row), DeadLetterContent(properties: row[21], body: row[22]))) }
        }
        return out.inOrder(of: ids)
    }

    func discardDeadLetter(_ id: Int64, resolution r: DeadLetterResolution) throws {
        try db.execute(
            sql: """
                UPDATE dead_letter SET status = 'discarded', resolved_at = ?, resolved_by = ?, resolution_reason = ? WHERE id = ?;
                UPDATE dead_letter_content SET body = X'', properties = '{}' WHERE id = ?
                """, arguments: [r.at.millisecondsSince1970, r.by, r.reason, id, id])
    }

    func recordReplay(of id: Int64, outcome: String, resolution r: DeadLetterResolution?) throws {
        // The letter remembers every answer; a resolution marks it replayed.
        try db.cachedStatement(
            sql: """
                UPDATE dead_letter SET replay_count = replay_count + 1, last_replay_outcome = ?,
                    status = CASE WHEN ? THEN 'replayed' ELSE status END,
                    resolved_at = COALESCE(?, resolved_at), resolved_by = COALESCE(?, resolved_by),
                    resolution_reason = COALESCE(?, resolution_reason)
                WHERE id = ?
                """
        ).execute(arguments: [outcome, r != nil, r?.at.millisecondsSince1970, r?.by, r?.reason, id])
    }

    // MARK: Replay requests

    func addReplayRequest(_ r: StoredReplayRequest) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO replay_request (request_id, dead_letter_id, attempt, requested_at, requested_by, reason, outcome, decided_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            r.requestID, r.deadLetterID, r.attempt, r.requestedAt.millisecondsSince1970, r.requestedBy, r.reason, r.outcome,
            r.decidedAt?.millisecondsSince1970,
        ])
    }

    func replayRequest(_ id: String) throws -> (StoredReplayRequest, letterStatus: DeadLetterStatus?)? {
        // The request and its letter's status in one query (a bulk replay asks thousands of times).
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT r.dead_letter_id, r.attempt, r.requested_at, r.requested_by, r.reason, r.outcome, r.decided_at, d.status
                        FROM replay_request r LEFT JOIN dead_letter d ON d.id = r.dead_letter_id WHERE r.request_id = ?
                        """), arguments: [id])
        else { return nil }
        let request = StoredReplayRequest(
            requestID: id, deadLetterID: row[0], attempt: row[1], requestedAt: Timestamp(millisecondsSince1970: row[2]),
            requestedBy: row[3], reason: row[4], outcome: row[5], decidedAt: (row[6] as Int64?).map(Timestamp.init(millisecondsSince1970:)))
        return (request, (row[7] as String?).flatMap(DeadLetterStatus.init(rawValue:)))
    }

    func replayHistory(of letters: [Int64]) throws -> [Int64: ReplayHistory] {
        var states: [Int64: ReplayHistory] = [:]
        for slice in letters.chunks(of: idsPerQuery) {
            let rows = try Row.fetchAll(
                db,
                SQLRequest<Row>(
                    """
                    SELECT d.id, d.status, d.resolved_at,
                        (SELECT request_id FROM replay_request WHERE dead_letter_id = d.id AND outcome IS NULL LIMIT 1),
                        (SELECT COUNT(*) FROM replay_request WHERE dead_letter_id = d.id)
                    FROM dead_letter d WHERE d.id IN \(slice)
                    """))
            for row in rows {
                guard let status = DeadLetterStatus(rawValue: row[1]) else {
                    throw GatewayStoreError.unreadable("dead letter \(row[0] as Int64) has status '\(row[1] as String)'")
                }
                states[row[0]] = ReplayHistory(
                    status: status, resolvedAt: (row[2] as Int64?).map(Timestamp.init(millisecondsSince1970:)), attempts: row[4],
                    pending: row[3])
            }
        }
        return states
    }

    func decideReplayRequest(_ id: String, outcome: String, at: Timestamp) throws {
        try db.cachedStatement(sql: "UPDATE replay_request SET outcome = ?, decided_at = ? WHERE request_id = ?")
            .execute(arguments: [outcome, at.millisecondsSince1970, id])
    }

    func replayOutcomes(of ids: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for slice in ids.chunks(of: idsPerQuery) {
            let rows = try Row.fetchAll(
                db, SQLRequest<Row>("SELECT request_id, outcome FROM replay_request WHERE outcome IS NOT NULL AND request_id IN \(slice)"))
            for r in rows { out[r[0]] = r[1] }
        }
        return out
    }

    // MARK: Retention

    func lastMaintenance(_ task: String) throws -> MaintenanceRun? {
        try Row.fetchOne(db, sql: "SELECT last_run_at, instance FROM maintenance WHERE task = ?", arguments: [task]).map {
            MaintenanceRun(at: Timestamp(millisecondsSince1970: $0[0]), instance: $0[1])
        }
    }

    func recordMaintenance(_ task: String, at: Timestamp) throws {
        try db.execute(
            sql: """
                INSERT INTO maintenance (task, last_run_at, instance) VALUES (?, ?, ?)
                ON CONFLICT (task) DO UPDATE SET last_run_at = excluded.last_run_at, instance = excluded.instance
                """, arguments: [task, at.millisecondsSince1970, instance])
    }

    func purgeSeenMessages(decidedBefore cutoff: Timestamp, limit: Int) throws -> Int {
        try db.execute(
            sql: """
                DELETE FROM seen_message WHERE message_id IN (
                    SELECT s.message_id FROM seen_message s
                    WHERE s.processed_at < ?
                        AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.message_id = s.message_id AND d.status = 'kept')
                    ORDER BY s.processed_at LIMIT ?)
                """, arguments: [cutoff.millisecondsSince1970, limit])
        return db.changesCount
    }

    func eraseReplayedDeadLetterContents(resolvedBefore cutoff: Timestamp, limit: Int) throws -> Int {
        // The row goes: a letter without one reads as an erased one (`deadLettersWithContent`).
        try db.execute(
            sql: """
                DELETE FROM dead_letter_content WHERE id IN (
                    SELECT d.id FROM dead_letter d JOIN dead_letter_content c ON c.id = d.id
                    WHERE d.status = 'replayed' AND d.resolved_at < ?
                    ORDER BY d.resolved_at LIMIT ?)
                """, arguments: [cutoff.millisecondsSince1970, limit])
        return db.changesCount
    }
}
