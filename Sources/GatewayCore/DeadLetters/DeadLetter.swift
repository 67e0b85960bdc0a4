import AMQP
import Contracts
import Crypto
import Foundation
import GRDB
import GatewayDecision

/// A dead letter as the keeper stores it: where it came from, why it died, and who and what it concerns.
public struct DeadLetter: Sendable, Equatable, Codable {
    /// The row id in the store, which the `refgw dlq` commands name; nil until the letter is kept.
    public var id: Int64?
    /// The message's `message_id`, when it had one.
    public var messageID: String?
    /// The exchange it was first published to (from `x-death`; `refgw.submit` for a message the gateway refused).
    public var originalExchange: String
    /// The routing key it was first published with (for a refusal, its intended recipient).
    public var originalRoutingKey: String
    /// The queue it died in: `gateway.in` (also for the gateway's refusals) or a recipient's inbox.
    public var queue: String
    /// RabbitMQ's `rejected`, `expired`, `maxlen`, `delivery_limit`, or the gateway's reason code.
    public var reason: String
    /// The gateway's explanation of its refusal (no personal data); nil for a message RabbitMQ dead-lettered.
    public var reasonDetail: String?
    /// How many times RabbitMQ dead-lettered it, over every queue and reason (1 for a gateway refusal).
    public var deathCount: Int
    /// When it first died (for a refusal, when the gateway refused it).
    public var firstDeathAt: Timestamp
    /// When it last died: `list` sorts by this, and `since` filters on it.
    public var lastDeathAt: Timestamp
    /// The sending service as the `refgw-sender` header names it (as it arrived, not verified).
    public var sender: String?
    /// The intended recipient as `refgw-recipient` names it (not verified).
    public var recipient: String?
    /// The message type, from the AMQP `type` property (such as `referral`).
    public var type: String?
    /// The URC it is about as `refgw-subject` names it (not verified); nil when the header was missing or empty.
    public var subject: String?
    /// When the dead-letter keeper stored it.
    public var keptAt: Timestamp
    /// `kept`, `replayed` or `discarded`.
    public var status: String
    /// Replays the gateway decided, and the last one's outcome (`delivered`, or the reason it was refused again).
    public var replayCount: Int = 0
    /// The latest replay's outcome code (`ReplayOutcome.code`); nil before any replay was decided.
    public var lastReplayOutcome: String?
    /// Who replayed or discarded it, when and why.
    public var resolvedAt: Timestamp?
    /// The administrator who replayed or discarded it.
    public var resolvedBy: String?
    /// The reason the administrator gave for the replay or discard.
    public var resolutionReason: String?

    /// Reads a delivery from the dead-letter queue: RabbitMQ's `x-death`, or the gateway's refusal headers.
    public static func reading(_ d: AMQPDelivery, now: Timestamp) -> (DeadLetter, fingerprint: String, properties: String) {
        let h = d.properties.headers
        func header(_ name: String) -> String? { h[name]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        var letter = DeadLetter(
            id: nil, messageID: d.properties.messageID, originalExchange: d.exchange, originalRoutingKey: d.routingKey,
            queue: "", reason: "unknown", reasonDetail: nil, deathCount: 1, firstDeathAt: now, lastDeathAt: now,
            sender: header(Envelope.Header.sender), recipient: header(Envelope.Header.recipient), type: d.properties.type,
            subject: header(Envelope.Header.subject), keptAt: now, status: "kept")
        let deaths = d.deaths
        if let latest = deaths.first {
            letter.reason = latest.reason
            letter.queue = latest.queue
            letter.originalExchange = latest.exchange
            letter.originalRoutingKey = latest.routingKeys.first ?? ""
            letter.deathCount = Int(deaths.reduce(0) { $0 + $1.count })
            let times = deaths.compactMap(\.time).map { Timestamp(millisecondsSince1970: Int64($0) * 1000) }
            letter.firstDeathAt = times.min() ?? now
            letter.lastDeathAt = times.max() ?? now
        } else if let code = header("refgw-reason") {
            // Refused by the gateway, which put it here itself: it came to refgw.submit for its recipient.
            letter.reason = code
            letter.reasonDetail = header("refgw-reason-detail")
            letter.queue = d.routingKey
            letter.originalExchange = "refgw.submit"
            letter.originalRoutingKey = letter.recipient ?? ""
            let at = header("refgw-refused-at").flatMap(Timestamp.init(rfc3339:)) ?? now
            letter.firstDeathAt = at
            letter.lastDeathAt = at
        }
        var properties: [String: String] = [:]
        for (k, v) in h { properties[k] = v.stringValue ?? v.description }
        properties["message_id"] = d.properties.messageID
        properties["type"] = d.properties.type
        properties["user_id"] = d.properties.userID
        // As it arrived, so that a replay sees what the gateway saw (a wrong content type is refused again).
        properties["content_type"] = d.properties.contentType ?? ""
        properties["delivery_mode"] = d.properties.persistent ? "2" : "1"
        // Sorted keys, so the same dead letter always gives the same fingerprint (JSONWriter: Foundation's sorted writer is slow).
        let propertiesJSON = String(
            decoding: JSONWriter.bytes(.object(properties.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) })), as: UTF8.self)
        var input = Data(propertiesJSON.utf8)
        input.append(d.body)
        return (letter, SHA256.hash(data: input).hex, propertiesJSON)
    }
}

extension DeadLetter {
    init(row: Row) {
        id = row["id"]
        messageID = row["message_id"]
        originalExchange = row["original_exchange"]
        originalRoutingKey = row["original_routing_key"]
        queue = row["queue"]
        reason = row["reason"]
        reasonDetail = row["reason_detail"]
        deathCount = row["death_count"]
        firstDeathAt = Timestamp(millisecondsSince1970: row["first_death_at"])
        lastDeathAt = Timestamp(millisecondsSince1970: row["last_death_at"])
        sender = row["sender"]
        recipient = row["recipient"]
        type = row["type"]
        subject = row["subject"]
        keptAt = Timestamp(millisecondsSince1970: row["kept_at"])
        status = row["status"]
        replayCount = row["replay_count"]
        lastReplayOutcome = row["last_replay_outcome"]
        resolvedAt = (row["resolved_at"] as Int64?).map(Timestamp.init(millisecondsSince1970:))
        resolvedBy = row["resolved_by"]
        resolutionReason = row["resolution_reason"]
    }
}

/// The kept dead letters in the gateway's store.
public enum DeadLetterArchive {
    /// Keeps a dead letter once (a redelivery of the same one changes nothing); returns whether it was new.
    @discardableResult
    public static func keep(_ d: AMQPDelivery, now: Timestamp, in db: Database) throws -> Bool {
        let (l, fingerprint, properties) = DeadLetter.reading(d, now: now)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO dead_letter (fingerprint, message_id, original_exchange, original_routing_key, queue, reason,
                    reason_detail, death_count, first_death_at, last_death_at, sender, recipient, type, subject, kept_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                fingerprint, l.messageID, l.originalExchange, l.originalRoutingKey, l.queue, l.reason, l.reasonDetail,
                l.deathCount, l.firstDeathAt.millisecondsSince1970, l.lastDeathAt.millisecondsSince1970, l.sender,
                l.recipient, l.type, l.subject, now.millisecondsSince1970,
            ])
        guard db.changesCount > 0 else { return false }
        try db.execute(
            sql: "INSERT INTO dead_letter_content (id, properties, body) VALUES (?, ?, ?)",
            arguments: [db.lastInsertedRowID, properties, d.body])
        return true
    }

    /// Filters for `list`.
    public struct Filter: Sendable {
        /// Only dead letters with this reason, sender, recipient or type (nil: any).
        public var reason: String?, sender: String?, recipient: String?, type: String?
        /// Only dead letters that last died at or after this time.
        public var since: Timestamp?
        /// Also replayed and discarded ones (`--all`), not only those still kept.
        public var includeResolved = false
        /// A filter; by default every dead letter still kept.
        public init(
            reason: String? = nil, sender: String? = nil, recipient: String? = nil, type: String? = nil,
            since: Timestamp? = nil, includeResolved: Bool = false
        ) {
            self.reason = reason
            self.sender = sender
            self.recipient = recipient
            self.type = type
            self.since = since
            self.includeResolved = includeResolved
        }
    }

    /// Dead letters matching `filter`, newest first.
    public static func list(_ filter: Filter, limit: Int = 100, in db: Database) throws -> [DeadLetter] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if !filter.includeResolved { clauses.append("status = 'kept'") }
        for (column, value) in [("reason", filter.reason), ("sender", filter.sender), ("recipient", filter.recipient), ("type", filter.type)] {
            if let value {
                clauses.append("\(column) = ?")
                args.append(value)
            }
        }
        if let since = filter.since {
            clauses.append("last_death_at >= ?")
            args.append(since.millisecondsSince1970)
        }
        args.append(limit)
        let sql =
            "SELECT * FROM dead_letter" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY last_death_at DESC, id DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(DeadLetter.init(row:))
    }

    /// One group of kept dead letters: a reason, a type and a recipient, with how many.
    public struct Group: Sendable, Equatable, Codable {
        /// The group's reason code, type and recipient (`-` where the letters have none), and how many letters it holds.
        public var reason: String, type: String, recipient: String, count: Int
    }

    /// Kept dead letters counted by reason, type and recipient, largest first.
    public static func groups(in db: Database) throws -> [Group] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT reason, COALESCE(type, '-') AS type, COALESCE(recipient, '-') AS recipient, COUNT(*) AS n FROM dead_letter
                WHERE status = 'kept' GROUP BY 1, 2, 3 ORDER BY n DESC, reason, type, recipient
                """
        ).map { Group(reason: $0["reason"], type: $0["type"], recipient: $0["recipient"], count: $0["n"]) }
    }

    /// One dead letter with its properties and body.
    public static func find(_ id: Int64, in db: Database) throws -> (DeadLetter, properties: String, body: Data)? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT d.*, COALESCE(c.properties, '{}') AS properties, COALESCE(c.body, X'') AS body
                FROM dead_letter d LEFT JOIN dead_letter_content c ON c.id = d.id WHERE d.id = ?
                """, arguments: [id]
        ).map { (DeadLetter(row: $0), $0["properties"], $0["body"]) }
    }
}
