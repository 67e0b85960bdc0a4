import Foundation

/// The AMQP basic properties a message carries besides its headers.
public struct AMQPProperties: Sendable, Equatable {
    /// MIME type of the body; a contract message must say `application/json`, or the gateway refuses it.
    public var contentType: String?
    /// Encoding of the body (such as `gzip`); contract messages are plain JSON and set none.
    public var contentEncoding: String?
    /// Persistent messages survive a broker restart (quorum queues store every message on disk anyway).
    public var persistent: Bool
    /// Message priority (0–9); only queues that support priorities honour it, and this project sets none.
    public var priority: UInt8?
    /// Ties a reply to the request it answers (request/reply); not part of the signed envelope.
    public var correlationID: String?
    /// The queue a reply should go to (request/reply); not part of the signed envelope.
    public var replyTo: String?
    /// Per-message time to live, in milliseconds, as text (AMQP's format).
    public var expiration: String?
    /// The message's unique id: the gateway and the inboxes dedupe on it, and a returned message is matched by it.
    public var messageID: String?
    /// Seconds since 1970.
    public var timestamp: UInt64?
    /// The message type (in this project: the contract's message type, e.g. `referral`).
    public var type: String?
    /// The broker user that published the message; RabbitMQ refuses a message whose user_id is not its login.
    public var userID: String?
    /// The publishing application (such as `refgw-gateway`): informative only, neither checked nor signed.
    public var appID: String?
    /// Application headers: the envelope's `refgw-*` headers, and those the broker adds (`x-death`).
    public var headers: AMQPFieldTable

    /// Properties for a publish; persistent by default, so the broker writes the message to disk.
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
    /// The exchange to publish to (`""` is the default exchange, which routes by queue name).
    public var exchange: String
    /// How the exchange routes it: a recipient's id on `refgw.deliver`; fanout exchanges such as `refgw.submit` ignore it.
    public var routingKey: String
    /// The AMQP properties and headers it is published with.
    public var properties: AMQPProperties
    /// The body bytes (for a contract message, the signed JSON).
    public var body: Data
    /// If true the broker returns the message when no queue is bound for it, and `publish` throws `.unroutable`.
    public var mandatory: Bool

    /// A message to publish; mandatory by default, so one that no queue takes fails (`.unroutable`) instead of vanishing.
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
