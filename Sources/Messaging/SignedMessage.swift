import AMQP
import Contracts
import Foundation

/// A contract message as it travels: envelope plus body bytes, convertible to and from AMQP.
public struct SignedMessage: Sendable, Equatable {
    /// Who sent it to whom about whom, and the signature over it and the body.
    public var envelope: Envelope
    /// The body bytes exactly as signed: any change breaks the signature.
    public var body: Data

    /// A message from an envelope and the body it was signed with.
    public init(envelope: Envelope, body: Data) {
        self.envelope = envelope
        self.body = body
    }

    /// Builds and signs a message from `signer`'s party about `subject`.
    public static func make<B: MessageBody>(
        _ body: B, to recipient: PartyID, about subject: URC,
        signer: MessageSigner, messageID: String = UUID.randomLowercased(),
        sentAt: Timestamp = Timestamp()
    ) throws -> SignedMessage {
        let data = try ContractJSON.encode(body)
        var envelope = Envelope(
            messageID: messageID, type: B.messageType, sender: signer.party, recipient: recipient,
            subject: subject, sentAt: sentAt, keyID: signer.keyID)
        signer.sign(&envelope, body: data)
        return SignedMessage(envelope: envelope, body: data)
    }

    /// The `content_type` every message carries.
    public static let contentType = "application/json"

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
        var headers: [String: String] = [:]
        for name in Envelope.Header.all {
            guard let v = p.headers[name] else { continue }
            guard let s = v.stringValue else { throw .notAString(name, v.kindName) }
            headers[name] = s
        }
        guard let contentType = p.contentType else { throw .missing("content_type") }
        guard contentType == Self.contentType else { throw .malformed("content_type", "must be \(Self.contentType)") }
        guard p.persistent else { throw .malformed("delivery_mode", "must be 2 (persistent): a message the broker may lose cannot carry a referral") }
        envelope = try Envelope(messageID: p.messageID, type: p.type, headers: headers)
        self.body = body
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
