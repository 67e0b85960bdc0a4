import AMQP
import Contracts
import Foundation

/// A contract message as it travels: envelope plus body bytes, convertible to and from AMQP.
public struct SignedMessage: Sendable, Equatable {
    public var envelope: Envelope
    public var body: Data

    public init(envelope: Envelope, body: Data) {
        self.envelope = envelope
        self.body = body
    }

    /// Builds and signs a message from `signer`'s party about `subject`.
    public static func make<B: MessageBody>(_ body: B, to recipient: PartyID, about subject: URC,
                                            signer: MessageSigner, messageID: String = UUID.randomLowercased(),
                                            sentAt: Timestamp = Timestamp()) throws -> SignedMessage {
        let data = try ContractJSON.encode(body)
        var envelope = Envelope(messageID: messageID, type: B.messageType, sender: signer.party, recipient: recipient,
                                subject: subject, sentAt: sentAt, keyID: signer.keyID)
        signer.sign(&envelope, body: data)
        return SignedMessage(envelope: envelope, body: data)
    }

    /// Reads a delivery's envelope; throws naming the first missing or malformed property or header.
    public init(delivery: AMQPDelivery) throws(EnvelopeError) {
        var headers: [String: String] = [:]
        for (k, v) in delivery.properties.headers where k.hasPrefix("refgw-") {
            if let s = v.stringValue { headers[k] = s }
        }
        envelope = try Envelope(messageID: delivery.properties.messageID, type: delivery.properties.type, headers: headers)
        body = delivery.body
    }

    /// The AMQP message to publish: `user_id` is the publishing broker user, which RabbitMQ checks.
    public func outgoing(exchange: String, routingKey: String, brokerUser: String?) -> OutgoingMessage {
        var headers = AMQPFieldTable()
        for (k, v) in envelope.headers { headers[k] = .string(v) }
        let properties = AMQPProperties(
            contentType: "application/json", persistent: true, messageID: envelope.messageID,
            timestamp: UInt64(max(0, envelope.sentAt.millisecondsSince1970 / 1000)), type: envelope.type.rawValue,
            userID: brokerUser, appID: "refgw", headers: headers)
        return OutgoingMessage(exchange: exchange, routingKey: routingKey, properties: properties, body: body)
    }

    /// The message a service submits to the gateway.
    public func submission(brokerUser: String?, topology: ReferralGatewayTopology = .standard) -> OutgoingMessage {
        outgoing(exchange: topology.submitExchange, routingKey: envelope.recipient.rawValue, brokerUser: brokerUser)
    }
}
