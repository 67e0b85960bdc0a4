/// Exchanges, queues and bindings a client declares on every (re)connection, so that a restarted or new broker
/// has everything the client needs. Declarations are idempotent when the arguments match.
public struct AMQPTopology: Sendable, Equatable {
    /// Exchanges to declare, before the queues and bindings.
    public var exchanges: [Exchange]
    /// Queues to declare, with the arguments their typed options give.
    public var queues: [Queue]
    /// Bindings to declare, after the exchanges and queues they name.
    public var bindings: [Binding]

    /// A topology from its declarations; empty by default (declares nothing).
    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// True when there is nothing to declare (as for a gateway whose broker user may not declare).
    public var isEmpty: Bool { exchanges.isEmpty && queues.isEmpty && bindings.isEmpty }

    /// This topology followed by another's declarations.
    public func merging(_ other: AMQPTopology) -> AMQPTopology {
        AMQPTopology(
            exchanges: exchanges + other.exchanges, queues: queues + other.queues,
            bindings: bindings + other.bindings)
    }

    /// An exchange declaration.
    public struct Exchange: Sendable, Equatable {
        /// How it routes: by exact routing key (`direct`), by pattern (`topic`), to every bound queue (`fanout`), or by headers.
        public enum Kind: String, Sendable { case direct, topic, fanout, headers }
        /// The exchange's name (such as `refgw.submit`).
        public var name: String
        /// How it routes messages to the queues bound to it.
        public var kind: Kind
        /// Whether the exchange survives a broker restart; the project's always do.
        public var durable: Bool
        /// An internal exchange takes messages only from other exchanges, never from publishers.
        public var `internal`: Bool
        /// Further `exchange.declare` arguments (such as `alternate-exchange`), passed as they are.
        public var arguments: AMQPFieldTable

        /// A durable, non-internal direct exchange unless told otherwise.
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
        /// The queue type (`x-queue-type`): `quorum`, replicated and durable (the project's); `classic`, on one node.
        public enum Kind: String, Sendable { case classic, quorum }
        /// What a queue does when full (`x-overflow`).
        public enum Overflow: String, Sendable {
            /// Drops (or dead-letters) the oldest messages to make room: RabbitMQ's default.
            case dropHead = "drop-head"
            /// Refuses new messages (a publisher with confirms gets a nack); at-least-once dead-lettering needs it.
            case rejectPublish = "reject-publish"
            /// Refuses new messages and dead-letters them (classic queues only).
            case rejectPublishDLX = "reject-publish-dlx"
        }
        /// How a quorum queue dead-letters (`x-dead-letter-strategy`).
        public enum DeadLetterStrategy: String, Sendable {
            /// A dead letter leaves the queue at once and may be lost on its way to the dead-letter queue (RabbitMQ's default).
            case atMostOnce = "at-most-once"
            /// A dead letter stays in the queue until its dead-letter queue has confirmed it; needs `overflow: .rejectPublish`.
            case atLeastOnce = "at-least-once"
        }

        /// The queue's name (such as `gateway.in` or `inbox.victim`).
        public var name: String
        /// The queue type; quorum by default, which can dead-letter at least once and enforce a delivery limit.
        public var kind: Kind
        /// Whether the queue survives a broker restart (quorum queues must be durable).
        public var durable: Bool
        /// An exclusive queue belongs to the connection that declared it and goes when it closes (classic queues only).
        public var exclusive: Bool
        /// An auto-delete queue is deleted when its last consumer goes away.
        public var autoDelete: Bool
        /// Where rejected, expired or over-limit messages go (`x-dead-letter-exchange`); nil drops them.
        public var deadLetterExchange: String?
        /// The routing key dead letters get (`x-dead-letter-routing-key`); nil keeps each message's own.
        public var deadLetterRoutingKey: String?
        /// Deliveries after which a quorum queue dead-letters the message (`x-delivery-limit`).
        public var deliveryLimit: Int?
        /// How this quorum queue dead-letters (`x-dead-letter-strategy`); nil leaves RabbitMQ's default, at most once.
        public var deadLetterStrategy: DeadLetterStrategy?
        /// What the queue does when full (`x-overflow`); nil leaves RabbitMQ's default, dropping the oldest.
        public var overflow: Overflow?
        /// How long a message may wait in the queue before it expires (`x-message-ttl`), in milliseconds; nil: for ever.
        public var messageTTLMilliseconds: Int?
        /// The most ready messages the queue holds (`x-max-length`); nil: no limit.
        public var maxLength: Int?
        /// How many nodes hold a copy of a quorum queue (`x-quorum-initial-group-size`), capped by the cluster's
        /// size; nil leaves the broker's `quorum_cluster_size`. Part of the queue's identity: every declarer must
        /// give the same value, or the broker refuses the declaration.
        public var replicas: Int?
        /// Arguments not covered above, passed as they are.
        public var extraArguments: AMQPFieldTable

        /// A durable quorum queue with no dead-lettering and no limits unless told otherwise (`reliable` gives the project's).
        public init(
            _ name: String, kind: Kind = .quorum, durable: Bool = true, exclusive: Bool = false,
            autoDelete: Bool = false, deadLetterExchange: String? = nil, deadLetterRoutingKey: String? = nil,
            deliveryLimit: Int? = nil, deadLetterStrategy: DeadLetterStrategy? = nil,
            overflow: Overflow? = nil, messageTTLMilliseconds: Int? = nil, maxLength: Int? = nil,
            replicas: Int? = nil, extraArguments: AMQPFieldTable = [:]
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
            self.replicas = replicas
            self.extraArguments = extraArguments
        }

        /// A durable quorum queue that never loses a dead letter: at-least-once dead-lettering to `exchange`,
        /// which RabbitMQ only honours together with `overflow=reject-publish`.
        public static func reliable(
            _ name: String, deadLetterExchange: String, deadLetterRoutingKey: String? = nil,
            deliveryLimit: Int? = 5, replicas: Int? = nil
        ) -> Queue {
            Queue(
                name, kind: .quorum, deadLetterExchange: deadLetterExchange,
                deadLetterRoutingKey: deadLetterRoutingKey, deliveryLimit: deliveryLimit,
                deadLetterStrategy: .atLeastOnce, overflow: .rejectPublish, replicas: replicas)
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
            if let v = replicas { a["x-quorum-initial-group-size"] = .int(Int64(v)) }
            return a
        }
    }

    /// A binding of a queue to an exchange.
    public struct Binding: Sendable, Equatable {
        /// The queue that receives what the binding matches.
        public var queue: String
        /// The exchange the binding takes messages from.
        public var exchange: String
        /// The key a direct exchange matches (a recipient's id on `refgw.deliver`); fanout exchanges ignore it.
        public var routingKey: String
        /// Further binding arguments (for headers exchanges), passed as they are.
        public var arguments: AMQPFieldTable

        /// A binding of `queue` to `exchange` for messages routed with `routingKey`.
        public init(queue: String, exchange: String, routingKey: String, arguments: AMQPFieldTable = [:]) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
            self.arguments = arguments
        }
    }
}
