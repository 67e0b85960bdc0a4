import AMQP
import Contracts
import Foundation
import GatewayStorage

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

    /// Stores a message (its text headers: the outbox keeps no others); returns its id.
    @discardableResult
    public static func add(_ m: OutgoingMessage, in tx: any GatewayTransaction) throws -> Int64 {
        var headers: [String: String] = [:]
        for (k, v) in m.properties.headers { if let s = v.stringValue { headers[k] = s } }
        return try tx.addToOutbox(
            OutboxMessage(
                messageID: m.properties.messageID ?? "", exchange: m.exchange, routingKey: m.routingKey, type: m.properties.type ?? "",
                contentType: m.properties.contentType, persistent: m.properties.persistent, headers: headers, body: m.body))
    }

    /// Pending messages, oldest first; `userID` is the gateway's broker user, set on every publish.
    public static func pending(in tx: any GatewayTransaction, userID: String?) throws -> [Entry] {
        try tx.pendingOutbox().map { e in
            let m = e.message
            var table = AMQPFieldTable()
            for (k, v) in m.headers { table[k] = .string(v) }
            // A dead letter goes out as its original arrived (content type, delivery mode); everything else as JSON.
            let props = AMQPProperties(
                contentType: m.contentType, persistent: m.persistent, messageID: m.messageID.isEmpty ? nil : m.messageID,
                timestamp: UInt64(Date().timeIntervalSince1970), type: m.type.isEmpty ? nil : m.type,
                userID: userID, appID: "refgw-gateway", headers: table)
            return Entry(id: e.id, message: OutgoingMessage(exchange: m.exchange, routingKey: m.routingKey, properties: props, body: m.body))
        }
    }

    /// Deletes the messages the broker confirmed, within the caller's transaction.
    public static func remove(_ ids: [Int64], in tx: any GatewayTransaction) throws {
        guard !ids.isEmpty else { return }
        try tx.removeFromOutbox(ids)
    }
}
