import AMQP
import Contracts
import Foundation

extension SignedMessage {
    /// Reads a delivery's envelope; throws naming the first missing or malformed property or header.
    ///
    /// Strict, as contracts/envelope.md says: `content_type` is `application/json`, `delivery_mode` is 2
    /// (persistent), and every envelope header is an AMQP long string. Headers the broker adds (`x-*`) and any
    /// other header are ignored: they are not signed, so nothing may depend on them.
    public init(delivery: AMQPDelivery) throws(EnvelopeError) {
        try self.init(properties: delivery.properties, body: delivery.body)
    }

    /// Reads an envelope from AMQP properties and a body (a delivery, or a kept dead letter).
    public init(properties p: AMQPProperties, body: Data) throws(EnvelopeError) {
        try self.init(
            contentType: p.contentType, persistent: p.persistent, messageID: p.messageID, type: p.type,
            header: { p.headers[$0]?.transportHeader }, body: body)
    }

    /// The AMQP message to publish: `user_id` is the publishing broker user, which RabbitMQ checks.
    public func outgoing(exchange: String, routingKey: String, brokerUser: String?) -> OutgoingMessage {
        var headers = AMQPFieldTable()
        for (k, v) in envelope.headers { headers[k] = .string(v) }
        let properties = AMQPProperties(
            contentType: Self.contentType, persistent: true, messageID: envelope.messageID,
            timestamp: UInt64(max(0, envelope.sentAt.millisecondsSince1970 / 1000)), type: envelope.type.rawValue,
            userID: brokerUser, appID: "refgw", headers: headers)
        return OutgoingMessage(exchange: exchange, routingKey: routingKey, properties: properties, body: body)
    }

    /// The message a service submits to the gateway.
    public func submission(brokerUser: String?, topology: ReferralGatewayTopology = .standard) -> OutgoingMessage {
        outgoing(exchange: topology.submitExchange, routingKey: envelope.recipient.rawValue, brokerUser: brokerUser)
    }
}

extension AMQPFieldValue {
    /// The value as the transport-neutral code sees a header: text for a long string, anything else by its kind.
    public var transportHeader: TransportHeader {
        if let s = stringValue { return .text(s) }
        return .other(kind: kindName, description: description)
    }
}
