import Foundation

/// The AMQP basic properties a message carries besides its headers.
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var contentEncoding: String?
    /// Persistent messages survive a broker restart (quorum queues store every message on disk anyway).
    public var persistent: Bool
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    /// Per-message time to live, in milliseconds, as text (AMQP's format).
    public var expiration: String?
    public var messageID: String?
    /// Seconds since 1970.
    public var timestamp: UInt64?
    /// The message type (in this project: the contract's message type, e.g. `referral`).
    public var type: String?
    /// The broker user that published the message; RabbitMQ refuses a message whose user_id is not its login.
    public var userID: String?
    public var appID: String?
    public var headers: AMQPFieldTable

    public init(
        contentType: String? = nil, contentEncoding: String? = nil, persistent: Bool = true,
        priority: UInt8? = nil, correlationID: String? = nil, replyTo: String? = nil,
        expiration: String? = nil, messageID: String? = nil, timestamp: UInt64? = nil,
        type: String? = nil, userID: String? = nil, appID: String? = nil, headers: AMQPFieldTable = [:]
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.persistent = persistent
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
        self.headers = headers
    }
}

/// A message to publish: where it goes, its properties and its body.
public struct OutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var properties: AMQPProperties
    public var body: Data
    /// If true the broker returns the message when no queue is bound for it, and `publish` throws `.unroutable`.
    public var mandatory: Bool

    public init(
        exchange: String, routingKey: String, properties: AMQPProperties = .init(), body: Data,
        mandatory: Bool = true
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        self.mandatory = mandatory
    }
}
