import Contracts
import Foundation
import Logging
import PostgresNIO

/// One transaction on the PostgreSQL store, its statements waited for on this thread.
///
/// The rows a decision writes (seen message, audit entry and its people, person roles, correspondence, outbox) are
/// held and sent as one multi-row INSERT per table (`PendingInsert`) before COMMIT, or before any statement that
/// could read them. The reads on a decision's path answer from what is held as well as from the database, so they
/// need not send it first: `seenMessage`, `people`, `correspondence` and `markDelivered` on a held row. Holding changes no
/// outcome: the transaction holds the region's write lock, so nothing else writes meanwhile, and a conflict (a
/// message id another gateway decided first) still fails the whole transaction before it commits.
///
/// Seen messages, consents and correspondence are read one statement a table for all a batch is about to check
/// (`prepare(for:)`), or for one when asked first, and kept until the next `flush()` that sends rows. A write that
/// goes straight to a kept table forgets what is kept of it, so nothing kept can go stale.
final class PostgresGatewayTransaction: GatewayTransaction {
    private let connection: PostgresConnection
    private let logger: Logger
    /// The audit chain's last entry, read at the first append (under the write lock) and moved on by each one.
    private var tail: AuditLog.Tail?
    /// The name audit entries are stamped with when they carry none (the process that opened the store).
    private let instance: String?

    // Rows held until `flush()`, in the order they were written.
    private var heldSeen: [SeenMessage] = []
    private var heldSeenIndex: [String: Int] = [:]
    private var heldAudit = PendingInsert(
        into: """
            audit (seq, at, event, message_id, type, sender, recipient, subject, reason_code, basis, basis_reference,
                justification, removed_fields, actor, previous_hash, hash, people, instance)
            """, columns: 18)
    private var heldAuditPeople = PendingInsert(into: "audit_person (urc, seq)", columns: 2, then: "ON CONFLICT DO NOTHING")
    private var heldPeople: [String: PersonRecord] = [:]
    private var heldPeopleOrder: [String] = []
    private var heldCorrespondence: [CorrespondenceRecord] = []
    private var heldOutbox = PendingInsert(
        into: "outbox (id, message_id, exchange, routing_key, type, headers, body, created_at, content_type, persistent)", columns: 10)
    /// Outbox ids taken from the table's sequence and not used yet (the held rows need theirs before they are sent).
    private var reservedOutboxIDs: [Int64] = []
    private var outboxReservation = 16

    // What the database holds (nil: it holds none), as read, until the next `flush()` that sends rows.
    private var keptSeen: [String: SeenMessage?] = [:]
    private var keptConsents: [String: [StoredConsent]] = [:]
    private var keptCorrespondence: [CorrespondenceKey: [CorrespondenceRecord]] = [:]

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
            throw Self.unavailable(error)
        }
    }

    /// The server's own words (which name no data, only the statement's problem), not the driver's dump.
    private static func unavailable(_ error: PSQLError) -> GatewayStoreError {
        .unavailable("PostgreSQL: \(error.serverInfo?[.message] ?? "\(error.code)")\(error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")")
    }

    /// Reads what a batch is about to read in one statement a table (see the type's comment).
    func prepare(for reads: BatchReads) throws {
        try readSeen(reads.messageIDs)
        try readConsents(of: reads.consentSubjects.map(\.canonical))
        try readCorrespondence(reads.correspondence)
    }

    /// Keeps what the database holds of those of `ids` neither held nor kept yet, in one statement.
    private func readSeen(_ ids: [String]) throws {
        let ids = Array(Set(ids.filter { heldSeenIndex[$0] == nil && keptSeen[$0] == nil }))
        guard !ids.isEmpty else { return }
        for id in ids { keptSeen[id] = .some(nil) }
        for row in try rows("SELECT message_id, sender, fingerprint, processed_at, delivered_seq FROM seen_message WHERE message_id = ANY(\(ids))") {
            let (id, sender, fingerprint, at, seq) = try row.decode((String, String, String, Int64, Int64?).self)
            keptSeen[id] = SeenMessage(
                messageID: id, sender: sender, fingerprint: fingerprint, processedAt: Timestamp(millisecondsSince1970: at), deliveredSeq: seq)
        }
    }

    /// Keeps the consents of those of `subjects` (canonical URCs) not kept yet, in one statement.
    private func readConsents(of subjects: [String]) throws {
        let subjects = Array(Set(subjects.filter { keptConsents[$0] == nil }))
        guard !subjects.isEmpty else { return }
        for s in subjects { keptConsents[s] = [] }
        for row in try rows(
            """
            SELECT consent_id, subject, recorded_by, recipients, purposes, given_at, expires_at, withdrawn_at FROM consent
            WHERE subject = ANY(\(subjects)) ORDER BY consent_id
            """)
        {
            let c = try Self.consent(row)
            keptConsents[c.subject.canonical, default: []].append(c)
        }
    }

    /// Keeps the correspondence of those of `keys` not kept yet, in one statement.
    private func readCorrespondence(_ keys: [CorrespondenceKey]) throws {
        let keys = Array(Set(keys.filter { keptCorrespondence[$0] == nil }))
        guard !keys.isEmpty else { return }
        for k in keys { keptCorrespondence[k] = [] }
        for row in try rows(
            """
            SELECT kind, reference, sender, recipient, subject, case_id, message_id, at FROM correspondence
            WHERE (kind, reference) IN (SELECT * FROM unnest(\(keys.map(\.kind))::text[], \(keys.map(\.reference))::text[]))
            ORDER BY at, recipient
            """)
        {
            let (kind, reference, sender, recipient, subject, caseID, message, at) = try row.decode(
                (String, String, String, String, String, String?, String, Int64).self)
            keptCorrespondence[CorrespondenceKey(kind: kind, reference: reference), default: []].append(
                CorrespondenceRecord(
                    kind: kind, reference: reference, sender: sender, recipient: recipient, subject: subject, caseID: caseID,
                    messageID: message, at: Timestamp(millisecondsSince1970: at)))
        }
    }

    /// Sends every held row: before COMMIT, and before any statement that could read them. Forgets what was read
    /// ahead when it sends anything, as the rows sent are now the database's.
    func flush() throws {
        guard
            !(heldSeen.isEmpty && heldPeopleOrder.isEmpty && heldCorrespondence.isEmpty && heldAudit.isEmpty && heldAuditPeople.isEmpty
                && heldOutbox.isEmpty)
        else { return }
        keptSeen.removeAll()
        keptConsents.removeAll()
        keptCorrespondence.removeAll()
        if !heldSeen.isEmpty {
            var rows = PendingInsert(into: "seen_message (message_id, sender, fingerprint, processed_at, delivered_seq)", columns: 5)
            for m in heldSeen {
                rows.add([
                    .text(m.messageID), .text(m.sender), .text(m.fingerprint), .number(m.processedAt.millisecondsSince1970), .number(m.deliveredSeq),
                ])
            }
            for statement in try rows.statements() {
                do {
                    _ = try connection.query(statement, logger: logger).wait()
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == PostgresError.Code.uniqueViolation.raw {
                    // Another gateway decided one of these first: this transaction fails whole, and publishes nothing.
                    let id = Self.duplicateKey(error.serverInfo?[.detail]) ?? (heldSeen.count == 1 ? heldSeen[0].messageID : nil)
                    throw GatewayStoreError.duplicate(id.map { "message id \($0)" } ?? "a message id of this batch")
                } catch let error as PSQLError {
                    throw Self.unavailable(error)
                }
            }
            heldSeen.removeAll(keepingCapacity: true)
            heldSeenIndex.removeAll(keepingCapacity: true)
        }
        if !heldPeopleOrder.isEmpty {
            var rows = PendingInsert(
                into: "person_role (urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders)", columns: 7,
                then: """
                    ON CONFLICT (urc) DO UPDATE SET role = excluded.role, first_seen_by = excluded.first_seen_by,
                        first_message_id = excluded.first_message_id, first_seen_at = excluded.first_seen_at, holders = excluded.holders
                    """)
            for urc in heldPeopleOrder {
                let p = heldPeople[urc]!
                rows.add([
                    .text(p.urc), .text(p.role?.rawValue), .text(p.issuer), .text(p.firstSeenBy), .text(p.firstMessageID),
                    .number(p.firstSeenAt.millisecondsSince1970), .text(p.holdersColumn),
                ])
            }
            try send(rows)
            heldPeople.removeAll(keepingCapacity: true)
            heldPeopleOrder.removeAll(keepingCapacity: true)
        }
        if !heldCorrespondence.isEmpty {
            var rows = PendingInsert(
                into: "correspondence (kind, reference, sender, recipient, subject, case_id, message_id, at)", columns: 8,
                then: "ON CONFLICT (kind, reference, recipient) DO NOTHING")
            for r in heldCorrespondence {
                rows.add([
                    .text(r.kind), .text(r.reference), .text(r.sender), .text(r.recipient), .text(r.subject), .text(r.caseID), .text(r.messageID),
                    .number(r.at.millisecondsSince1970),
                ])
            }
            try send(rows)
            heldCorrespondence.removeAll(keepingCapacity: true)
        }
        try send(heldAudit, duplicate: "an audit entry of this batch")
        try send(heldAuditPeople)
        try send(heldOutbox)
        heldAudit.removeAll()
        heldAuditPeople.removeAll()
        heldOutbox.removeAll()
    }

    /// Sends `rows` in as few statements as PostgreSQL's parameter limit allows.
    private func send(_ rows: PendingInsert, duplicate: String? = nil) throws {
        for statement in try rows.statements() { try run(statement, duplicate: duplicate) }
    }

    /// The key a unique violation names in its detail ("Key (message_id)=(...) already exists.").
    static func duplicateKey(_ detail: String?) -> String? {
        guard let detail, let open = detail.range(of: ")=("), let close = detail.range(of: ") already exists", options: .backwards),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(detail[open.upperBound..<close.lowerBound])
    }

    private func rows(_ query: PostgresQuery) throws -> [PostgresRow] { Array(try run(query)) }

    // MARK: Seen messages

    func seenMessage(_ id: String) throws -> SeenMessage? {
        if let held = heldSeenIndex[id] { return heldSeen[held] }
        try readSeen([id])
        return keptSeen[id] ?? nil
    }

    func rememberMessage(_ m: SeenMessage) throws {
        // Held, and checked against the database's key when sent; one held already is the same conflict, now.
        guard heldSeenIndex[m.messageID] == nil else { throw GatewayStoreError.duplicate("message id \(m.messageID)") }
        heldSeenIndex[m.messageID] = heldSeen.count
        heldSeen.append(m)
    }

    func markDelivered(_ id: String, auditSeq: Int64) throws {
        if let held = heldSeenIndex[id] {
            heldSeen[held].deliveredSeq = auditSeq
            return
        }
        keptSeen[id] = nil
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
        try readConsents(of: [subject.canonical])
        return keptConsents[subject.canonical] ?? []
    }

    func addConsent(_ c: StoredConsent) throws {
        try flush()
        keptConsents[c.subject.canonical] = nil
        try run(
            """
            INSERT INTO consent (consent_id, subject, recipients, purposes, given_at, expires_at, withdrawn_at, recorded_by)
            VALUES (\(c.consentID), \(c.subject.canonical), \(c.recipients.joined(separator: " ")), \(c.purposes.joined(separator: " ")),
                \(c.givenAt.millisecondsSince1970), \(c.expiresAt.millisecondsSince1970), \(c.withdrawnAt?.millisecondsSince1970), \(c.recordedBy))
            ON CONFLICT (consent_id) DO NOTHING
            """)
    }

    func withdrawConsent(_ id: String, of subject: URC, at: Timestamp) throws {
        try flush()
        keptConsents[subject.canonical] = nil
        try run(
            """
            UPDATE consent SET withdrawn_at = \(at.millisecondsSince1970)
            WHERE consent_id = \(id) AND subject = \(subject.canonical) AND withdrawn_at IS NULL
            """)
    }

    // MARK: People and correspondence

    func people(_ urcs: [String]) throws -> [PersonRecord] {
        guard !urcs.isEmpty else { return [] }
        // A held row is the person as this transaction last saved them: it answers instead of the database's.
        let held = urcs.compactMap { heldPeople[$0] }
        let unheld = urcs.filter { heldPeople[$0] == nil }
        guard !unheld.isEmpty else { return held }
        return try held
            + rows(
                "SELECT urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders FROM person_role WHERE urc = ANY(\(unheld))"
            ).map { row in
                let (urc, role, issuer, by, message, at, holders) = try row.decode((String, String?, String, String, String, Int64, String).self)
                return PersonRecord(
                    urc: urc, role: role.flatMap(PersonRole.init(rawValue:)), issuer: issuer, firstSeenBy: by, firstMessageID: message,
                    firstSeenAt: Timestamp(millisecondsSince1970: at), holders: PersonRecord.holders(fromColumn: holders))
            }
    }

    func savePeople(_ people: [PersonRecord]) throws {
        // The latest save of a person wins, as the upsert would: one row a person in the statement that sends them.
        for p in people {
            if heldPeople.updateValue(p, forKey: p.urc) == nil { heldPeopleOrder.append(p.urc) }
        }
    }

    func correspondence(kind: String, reference: String) throws -> [CorrespondenceRecord] {
        let key = CorrespondenceKey(kind: kind, reference: reference)
        try readCorrespondence([key])
        let stored = keptCorrespondence[key] ?? []
        // With the rows held, as the table will hold them: the first row for a recipient stays (DO NOTHING).
        var recipients = Set(stored.map(\.recipient))
        let held = heldCorrespondence.filter { $0.kind == kind && $0.reference == reference && recipients.insert($0.recipient).inserted }
        guard !held.isEmpty else { return stored }
        return (stored + held).sorted { ($0.at, $0.recipient) < ($1.at, $1.recipient) }
    }

    func recordCorrespondence(_ r: CorrespondenceRecord) throws {
        heldCorrespondence.append(r)
    }

    // MARK: Audit log

    func appendAudit(_ entry: AuditEntry) throws -> AuditEntry {
        let tail = try self.tail ?? currentTail()
        var stamped = entry
        stamped.instance = entry.instance ?? instance
        let e = try AuditLog.chained(stamped, after: tail)
        let removed = String(decoding: JSONWriter.bytes(.array(e.removedFields.map { .string($0) })), as: UTF8.self)
        let people = e.people.isEmpty ? nil : String(decoding: JSONWriter.bytes(.array(e.people.map { .string($0) })), as: UTF8.self)
        heldAudit.add([
            .number(e.seq!), .number(e.at.millisecondsSince1970), .text(e.event.rawValue), .text(e.messageID), .text(e.type), .text(e.sender),
            .text(e.recipient), .text(e.subject), .text(e.reasonCode), .text(e.basis?.rawValue), .text(e.basisReference), .text(e.justification),
            .text(removed), .text(e.actor), .text(e.previousHash), .text(e.hash), .text(people), .text(e.instance),
        ])
        // "URC role": the index holds the URC.
        for person in e.people { heldAuditPeople.add([.text(String(person.prefix { $0 != " " })), .number(e.seq!)]) }
        self.tail = AuditLog.Tail(seq: e.seq!, hash: e.hash)
        return e
    }

    /// Read once, before the transaction's first append: nothing of the audit log is held then, so the database's
    /// last entry is the chain's.
    private func currentTail() throws -> AuditLog.Tail {
        precondition(heldAudit.isEmpty, "the audit tail read after an entry was held")
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
        try flush()
        return try rows(PostgresQuery(unsafeSQL: Self.auditSelect + " WHERE seq = $1", binds: binds(seq))).first.map(Self.auditEntry)
    }

    func latestAuditEntries(_ limit: Int) throws -> [AuditEntry] {
        try flush()
        return try rows(PostgresQuery(unsafeSQL: Self.auditSelect + " ORDER BY seq DESC LIMIT $1", binds: binds(Int64(limit)))).map(Self.auditEntry)
    }

    func auditTrail(of subject: String) throws -> [AuditEntry] {
        try flush()
        return try rows(
            PostgresQuery(
                unsafeSQL: Self.auditSelect + " WHERE subject = $1 OR seq IN (SELECT seq FROM audit_person WHERE urc = $1) ORDER BY seq",
                binds: binds(subject))
        ).map(Self.auditEntry)
    }

    func forEachAuditEntry(_ body: (AuditEntry) throws -> Bool) throws {
        try flush()
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
        let id = try nextOutboxID()
        heldOutbox.add([
            .number(id), .text(m.messageID), .text(m.exchange), .text(m.routingKey), .text(m.type), .text(headers), .bytes(m.body),
            .number(Timestamp().millisecondsSince1970), .text(m.contentType ?? ""), .flag(m.persistent),
        ])
        return id
    }

    /// An id from the outbox's sequence, taken a few at a time (more each time a transaction needs more), so a held
    /// row knows its id without a round trip of its own; ids a transaction leaves unused are gaps, never reused.
    private func nextOutboxID() throws -> Int64 {
        if reservedOutboxIDs.isEmpty {
            let n = Int64(outboxReservation)
            outboxReservation = min(outboxReservation * 2, 1024)
            reservedOutboxIDs = try rows("SELECT nextval('outbox_id_seq') FROM generate_series(1, \(n))").map { try $0.decode(Int64.self) }
                .sorted(by: >)
        }
        return reservedOutboxIDs.removeLast()
    }

    func pendingOutbox() throws -> [OutboxEntry] {
        try flush()
        return try rows("SELECT id, message_id, exchange, routing_key, type, headers, body, content_type, persistent FROM outbox ORDER BY id").map {
            row in
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
        try flush()
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

    func auditCounts(since: Timestamp) throws -> [AuditCount] {
        try flush()
        return try rows(
            "SELECT event, reason_code, COUNT(*) FROM audit WHERE at >= \(since.millisecondsSince1970) GROUP BY event, reason_code ORDER BY event, reason_code"
        ).map { row in
            let (event, reason, count) = try row.decode((String, String?, Int64).self)
            guard let e = AuditEntry.Event(rawValue: event) else {
                throw GatewayStoreError.unreadable("an audit entry has the unknown event '\(event)'")
            }
            return AuditCount(event: e, reasonCode: reason, count: Int(count))
        }
    }

    func keptDeadLetterBacklog() throws -> Backlog {
        let row = try rows("SELECT COUNT(*), MIN(kept_at) FROM dead_letter WHERE status = 'kept'")
        let (count, oldest) = try row[0].decode((Int64, Int64?).self)
        return Backlog(count: Int(count), oldest: oldest.map { Timestamp(millisecondsSince1970: $0) })
    }

    func outboxBacklog() throws -> Backlog {
        try flush()
        let row = try rows("SELECT COUNT(*), MIN(created_at) FROM outbox")
        let (count, oldest) = try row[0].decode((Int64, Int64?).self)
        return Backlog(count: Int(count), oldest: oldest.map { Timestamp(millisecondsSince1970: $0) })
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

    // MARK: Retention

    func lastMaintenance(_ task: String) throws -> MaintenanceRun? {
        try rows("SELECT last_run_at, instance FROM maintenance WHERE task = \(task)").first.map { row in
            let (at, instance) = try row.decode((Int64, String?).self)
            return MaintenanceRun(at: Timestamp(millisecondsSince1970: at), instance: instance)
        }
    }

    func recordMaintenance(_ task: String, at: Timestamp) throws {
        try run(
            """
            INSERT INTO maintenance (task, last_run_at, instance) VALUES (\(task), \(at.millisecondsSince1970), \(instance))
            ON CONFLICT (task) DO UPDATE SET last_run_at = excluded.last_run_at, instance = excluded.instance
            """)
    }

    func purgeSeenMessages(decidedBefore cutoff: Timestamp, limit: Int) throws -> Int {
        try flush()
        keptSeen.removeAll()
        return try rows(
            """
            WITH gone AS (
                DELETE FROM seen_message WHERE message_id IN (
                    SELECT s.message_id FROM seen_message s
                    WHERE s.processed_at < \(cutoff.millisecondsSince1970)
                        AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.message_id = s.message_id AND d.status = 'kept')
                    ORDER BY s.processed_at LIMIT \(limit))
                RETURNING 1)
            SELECT count(*) FROM gone
            """
        ).first.map { try Int($0.decode(Int64.self)) } ?? 0
    }

    func eraseReplayedDeadLetterContents(resolvedBefore cutoff: Timestamp, limit: Int) throws -> Int {
        // The row goes: a letter without one reads as an erased one (`deadLettersWithContent`).
        try rows(
            """
            WITH gone AS (
                DELETE FROM dead_letter_content WHERE id IN (
                    SELECT d.id FROM dead_letter d JOIN dead_letter_content c ON c.id = d.id
                    WHERE d.status = 'replayed' AND d.resolved_at < \(cutoff.millisecondsSince1970)
                    ORDER BY d.resolved_at LIMIT \(limit))
                RETURNING 1)
            SELECT count(*) FROM gone
            """
        ).first.map { try Int($0.decode(Int64.self)) } ?? 0
    }
}
