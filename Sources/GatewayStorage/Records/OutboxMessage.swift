import Foundation

/// A message the gateway decided to send, stored in the decision's transaction and deleted once the broker
/// confirmed it: a crash in between loses nothing (it is sent at the next start).
public struct OutboxMessage: Sendable, Equatable {
    /// The message's id property ("" when it has none).
    public var messageID: String
    /// The exchange it is published to.
    public var exchange: String
    /// The routing key it is published with.
    public var routingKey: String
    /// Its type property ("" when it has none).
    public var type: String
    /// Its content type; nil when it has none (a dead letter goes out as its original arrived).
    public var contentType: String?
    /// Whether it is published to survive a broker restart.
    public var persistent: Bool
    /// Its text headers.
    public var headers: [String: String]
    /// The body bytes.
    public var body: Data

    /// A message to publish.
    public init(
        messageID: String, exchange: String, routingKey: String, type: String, contentType: String?, persistent: Bool,
        headers: [String: String], body: Data
    ) {
        self.messageID = messageID
        self.exchange = exchange
        self.routingKey = routingKey
        self.type = type
        self.contentType = contentType
        self.persistent = persistent
        self.headers = headers
        self.body = body
    }
}

/// A stored outgoing message and its id, to remove once the broker confirmed it.
public struct OutboxEntry: Sendable, Equatable {
    /// The row id.
    public var id: Int64
    /// The message.
    public var message: OutboxMessage

    /// An entry of the outbox.
    public init(id: Int64, message: OutboxMessage) {
        self.id = id
        self.message = message
    }
}
