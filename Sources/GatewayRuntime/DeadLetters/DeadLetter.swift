import AMQP
import Contracts
import Crypto
import Foundation
import GatewayDecision
import GatewayStorage

extension DeadLetter {
    /// Reads a delivery from the dead-letter queue: RabbitMQ's `x-death`, or the gateway's refusal headers.
    public static func reading(_ d: AMQPDelivery, now: Timestamp) -> (DeadLetter, fingerprint: String, content: DeadLetterContent) {
        let h = d.properties.headers
        func header(_ name: String) -> String? { h[name]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        var letter = DeadLetter(
            messageID: d.properties.messageID, originalExchange: d.exchange, originalRoutingKey: d.routingKey,
            queue: "", reason: "unknown", reasonDetail: nil, deathCount: 1, firstDeathAt: now, lastDeathAt: now,
            sender: header(Envelope.Header.sender), recipient: header(Envelope.Header.recipient), type: d.properties.type,
            subject: header(Envelope.Header.subject), keptAt: now)
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
        return (letter, SHA256.hash(data: input).hex, DeadLetterContent(properties: propertiesJSON, body: d.body))
    }
}

extension DeadLetterArchive {
    /// Keeps a dead letter once (a redelivery of the same one changes nothing); returns whether it was new.
    @discardableResult
    public static func keep(_ d: AMQPDelivery, now: Timestamp, in tx: any GatewayTransaction) throws -> Bool {
        let (letter, fingerprint, content) = DeadLetter.reading(d, now: now)
        return try tx.keepDeadLetter(letter, fingerprint: fingerprint, content: content) != nil
    }
}
