import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision

/// Messages the gateway decided to send, stored in the same transaction as the decision and deleted once the
/// broker confirmed them: a crash in between loses nothing (they are sent at the next start).
public enum Outbox {
    /// A stored message.
    public struct Entry: Sendable {
        /// The row id, to `remove` once the broker has confirmed the message.
        public var id: Int64
        /// The message to publish, rebuilt from the stored row.
        public var message: OutgoingMessage
    }

    /// Stores a message; returns its id.
    @discardableResult
    public static func add(_ m: OutgoingMessage, in db: Database, now: Int64) throws -> Int64 {
        var headers: [JSONValue.Member] = []
        for (k, v) in m.properties.headers.sorted(by: { $0.key < $1.key }) { if let s = v.stringValue { headers.append(.init(k, .string(s))) } }
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox (message_id, exchange, routing_key, type, headers, body, created_at, content_type, persistent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            m.properties.messageID ?? "", m.exchange, m.routingKey, m.properties.type ?? "",
            String(decoding: JSONWriter.bytes(.object(headers)), as: UTF8.self), m.body, now,
            m.properties.contentType ?? "", m.properties.persistent,
        ])
        return db.lastInsertedRowID
    }

    /// Pending messages, oldest first; `userID` is the gateway's broker user, set on every publish.
    public static func pending(in db: Database, userID: String?) throws -> [Entry] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id")
        return try rows.map { row in
            let headers = try JSONDecoder().decode([String: String].self, from: Data((row["headers"] as String).utf8))
            var table = AMQPFieldTable()
            for (k, v) in headers { table[k] = .string(v) }
            let messageID: String = row["message_id"]
            let type: String = row["type"]
            // A dead letter goes out as its original arrived (content type, delivery mode); everything else as JSON.
            // NULL: stored before the column existed, when everything went out as JSON. "": the original had none.
            let contentType = (row["content_type"] as String?).map { $0.isEmpty ? nil : $0 } ?? "application/json"
            let props = AMQPProperties(
                contentType: contentType, persistent: row["persistent"] ?? true,
                messageID: messageID.isEmpty ? nil : messageID,
                timestamp: UInt64(Date().timeIntervalSince1970), type: type.isEmpty ? nil : type,
                userID: userID, appID: "refgw-gateway", headers: table)
            return Entry(
                id: row["id"],
                message: OutgoingMessage(
                    exchange: row["exchange"], routingKey: row["routing_key"],
                    properties: props, body: row["body"]))
        }
    }

    /// Deletes the messages the broker confirmed, within the caller's transaction.
    public static func remove(_ ids: [Int64], in db: Database) throws {
        guard !ids.isEmpty else { return }
        try db.execute(literal: "DELETE FROM outbox WHERE id IN \(ids)")
    }
}
