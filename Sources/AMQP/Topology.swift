/// Exchanges, queues and bindings a client declares on every (re)connection, so that a restarted or new broker
/// has everything the client needs. Declarations are idempotent when the arguments match.
public struct AMQPTopology: Sendable, Equatable {
    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    public var isEmpty: Bool { exchanges.isEmpty && queues.isEmpty && bindings.isEmpty }

    /// This topology followed by another's declarations.
    public func merging(_ other: AMQPTopology) -> AMQPTopology {
        AMQPTopology(
            exchanges: exchanges + other.exchanges, queues: queues + other.queues,
            bindings: bindings + other.bindings)
    }

    /// An exchange declaration.
    public struct Exchange: Sendable, Equatable {
        public enum Kind: String, Sendable { case direct, topic, fanout, headers }
        public var name: String
        public var kind: Kind
        public var durable: Bool
        public var `internal`: Bool
        public var arguments: AMQPFieldTable

        public init(
            _ name: String, kind: Kind = .direct, durable: Bool = true, internal: Bool = false,
            arguments: AMQPFieldTable = [:]
        ) {
            self.name = name
            self.kind = kind
            self.durable = durable
            self.internal = `internal`
            self.arguments = arguments
        }
    }

    /// A queue declaration; `arguments` is computed from the typed options.
    public struct Queue: Sendable, Equatable {
        public enum Kind: String, Sendable { case classic, quorum }
        /// What a queue does when full (`x-overflow`).
        public enum Overflow: String, Sendable {
            case dropHead = "drop-head"
            case rejectPublish = "reject-publish"
            case rejectPublishDLX = "reject-publish-dlx"
        }
        /// How a quorum queue dead-letters (`x-dead-letter-strategy`).
        public enum DeadLetterStrategy: String, Sendable {
            case atMostOnce = "at-most-once"
            case atLeastOnce = "at-least-once"
        }

        public var name: String
        public var kind: Kind
        public var durable: Bool
        public var exclusive: Bool
        public var autoDelete: Bool
        public var deadLetterExchange: String?
        public var deadLetterRoutingKey: String?
        /// Deliveries after which a quorum queue dead-letters the message (`x-delivery-limit`).
        public var deliveryLimit: Int?
        public var deadLetterStrategy: DeadLetterStrategy?
        public var overflow: Overflow?
        public var messageTTLMilliseconds: Int?
        public var maxLength: Int?
        /// Arguments not covered above, passed as they are.
        public var extraArguments: AMQPFieldTable

        public init(
            _ name: String, kind: Kind = .quorum, durable: Bool = true, exclusive: Bool = false,
            autoDelete: Bool = false, deadLetterExchange: String? = nil, deadLetterRoutingKey: String? = nil,
            deliveryLimit: Int? = nil, deadLetterStrategy: DeadLetterStrategy? = nil,
            overflow: Overflow? = nil, messageTTLMilliseconds: Int? = nil, maxLength: Int? = nil,
            extraArguments: AMQPFieldTable = [:]
        ) {
            self.name = name
            self.kind = kind
            self.durable = durable
            self.exclusive = exclusive
            self.autoDelete = autoDelete
            self.deadLetterExchange = deadLetterExchange
            self.deadLetterRoutingKey = deadLetterRoutingKey
            self.deliveryLimit = deliveryLimit
            self.deadLetterStrategy = deadLetterStrategy
            self.overflow = overflow
            self.messageTTLMilliseconds = messageTTLMilliseconds
            self.maxLength = maxLength
            self.extraArguments = extraArguments
        }

        /// A durable quorum queue that never loses a dead letter: at-least-once dead-lettering to `exchange`,
        /// which RabbitMQ only honours together with `overflow=reject-publish`.
        public static func reliable(
            _ name: String, deadLetterExchange: String, deadLetterRoutingKey: String? = nil,
            deliveryLimit: Int? = 5
        ) -> Queue {
            Queue(
                name, kind: .quorum, deadLetterExchange: deadLetterExchange,
                deadLetterRoutingKey: deadLetterRoutingKey, deliveryLimit: deliveryLimit,
                deadLetterStrategy: .atLeastOnce, overflow: .rejectPublish)
        }

        /// The `x-` arguments sent with `queue.declare`.
        public var arguments: AMQPFieldTable {
            var a = extraArguments
            a["x-queue-type"] = .string(kind.rawValue)
            if let v = deadLetterExchange { a["x-dead-letter-exchange"] = .string(v) }
            if let v = deadLetterRoutingKey { a["x-dead-letter-routing-key"] = .string(v) }
            if let v = deliveryLimit { a["x-delivery-limit"] = .int(Int64(v)) }
            if let v = deadLetterStrategy { a["x-dead-letter-strategy"] = .string(v.rawValue) }
            if let v = overflow { a["x-overflow"] = .string(v.rawValue) }
            if let v = messageTTLMilliseconds { a["x-message-ttl"] = .int(Int64(v)) }
            if let v = maxLength { a["x-max-length"] = .int(Int64(v)) }
            return a
        }
    }

    /// A binding of a queue to an exchange.
    public struct Binding: Sendable, Equatable {
        public var queue: String
        public var exchange: String
        public var routingKey: String
        public var arguments: AMQPFieldTable

        public init(queue: String, exchange: String, routingKey: String, arguments: AMQPFieldTable = [:]) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
            self.arguments = arguments
        }
    }
}
