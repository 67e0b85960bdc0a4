import Contracts
import Foundation

/// A message as it reached the gateway, in no transport's terms: who published it as the transport vouches for
/// it, its properties and headers, and the body bytes. The decision is made on this alone.
public struct SubmittedMessage: Sendable, Equatable {
    /// The publisher as the transport vouches for it (for AMQP, the `user_id` RabbitMQ checked); nil when none did.
    public var publisher: String?
    /// The message's id property, when it has one.
    public var messageID: String?
    /// The message's type property (such as `referral`).
    public var type: String?
    /// The content type it was published with.
    public var contentType: String?
    /// Whether it was published to survive a broker restart.
    public var persistent: Bool
    /// Its headers by name, as they came.
    public var headers: [String: TransportHeader]
    /// The body bytes exactly as they came.
    public var body: Data

    /// A message with these properties, headers and body.
    public init(
        publisher: String?, messageID: String?, type: String?, contentType: String?, persistent: Bool,
        headers: [String: TransportHeader], body: Data
    ) {
        self.publisher = publisher
        self.messageID = messageID
        self.type = type
        self.contentType = contentType
        self.persistent = persistent
        self.headers = headers
        self.body = body
    }

    /// The text of header `name`, when it is text.
    public func text(_ name: String) -> String? { headers[name]?.text }

    /// The signed contract message it carries; throws naming the first missing or malformed property or header.
    public func signedMessage() throws(EnvelopeError) -> SignedMessage {
        try SignedMessage(
            contentType: contentType, persistent: persistent, messageID: messageID, type: type,
            header: { headers[$0] }, body: body)
    }
}
