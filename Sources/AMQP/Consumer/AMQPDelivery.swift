import Foundation

/// A message handed out by an `AMQPConsumer`; settle it exactly once with `ack`, `nack` or `reject`.
///
/// Settling is non-blocking: it is queued for the consumer's thread. If the connection was lost since the
/// message was delivered, settling does nothing and the broker delivers the message again (`redelivered`).
public struct AMQPDelivery: Sendable {
    /// The exchange the message was published to (for a dead letter, the dead-letter exchange that routed it here).
    public let exchange: String
    /// The routing key it was published with (or the one its queue's dead-lettering gave it).
    public let routingKey: String
    /// True when the broker delivered this message before (to this or another consumer) without an ack.
    public let redelivered: Bool
    /// The AMQP properties and headers as published (the contract's envelope travels in the headers).
    public let properties: AMQPProperties
    /// The body bytes as published: the broker never changes them.
    public let body: Data
    /// The channel's number for this delivery, with which it is settled; 0 for a message read back from storage.
    public let deliveryTag: UInt64
    let generation: Int
    let settler: ConsumerCore?

    init(
        exchange: String, routingKey: String, redelivered: Bool, properties: AMQPProperties, body: Data,
        deliveryTag: UInt64, generation: Int, settler: ConsumerCore?
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.properties = properties
        self.body = body
        self.deliveryTag = deliveryTag
        self.generation = generation
        self.settler = settler
    }

    /// A message read back from storage (a kept dead letter) rather than from the broker: settling it does nothing.
    public init(storedFrom exchange: String, routingKey: String, properties: AMQPProperties, body: Data) {
        self.init(
            exchange: exchange, routingKey: routingKey, redelivered: false, properties: properties, body: body,
            deliveryTag: 0, generation: 0, settler: nil)
    }

    /// Tells the broker the message was handled and may be forgotten. Call only after its effect is stored.
    public func ack() { settler?.settle(Settlement(generation: generation, tag: deliveryTag, kind: .ack)) }

    /// Gives the message back: requeued, or (default) dead-lettered if the queue has a dead-letter exchange.
    public func nack(requeue: Bool = false) {
        settler?.settle(Settlement(generation: generation, tag: deliveryTag, kind: .nack(requeue: requeue)))
    }

    /// Refuses the message: requeued, or (default) dead-lettered with reason `rejected`.
    public func reject(requeue: Bool = false) {
        settler?.settle(Settlement(generation: generation, tag: deliveryTag, kind: .reject(requeue: requeue)))
    }

    /// The `x-death` entries RabbitMQ adds when it dead-letters a message, newest first.
    public var deaths: [AMQPDeath] {
        (properties.headers["x-death"]?.arrayValue ?? []).compactMap { $0.tableValue.map(AMQPDeath.init) }
    }
}

extension Collection where Element == AMQPDelivery {
    /// Acknowledges every delivery, handing the acks to each consumer's thread at once: settling one by one
    /// in a loop wakes that thread again for each ack arriving after it took the previous ones.
    public func ack() { settleAll(.ack) }

    /// Gives every delivery back at once (see `AMQPDelivery.nack(requeue:)`).
    public func nack(requeue: Bool = false) { settleAll(.nack(requeue: requeue)) }

    private func settleAll(_ kind: Settlement.Kind) {
        // Usually one consumer; stored deliveries (no consumer) settle nothing.
        var byConsumer: [ObjectIdentifier: (consumer: ConsumerCore, settlements: [Settlement])] = [:]
        for d in self {
            guard let settler = d.settler else { continue }
            byConsumer[ObjectIdentifier(settler), default: (settler, [])].settlements
                .append(Settlement(generation: d.generation, tag: d.deliveryTag, kind: kind))
        }
        for (consumer, settlements) in byConsumer.values { consumer.settle(contentsOf: settlements) }
    }
}

/// One entry of RabbitMQ's `x-death` header: why, where from and how often a message was dead-lettered.
public struct AMQPDeath: Sendable, Equatable {
    /// `rejected`, `expired`, `maxlen` or `delivery_limit`.
    public var reason: String
    /// The queue the message was dead-lettered from.
    public var queue: String
    /// The exchange the message had been published to before it reached that queue.
    public var exchange: String
    /// The routing keys it had been published with (including any `CC` keys).
    public var routingKeys: [String]
    /// How many times it was dead-lettered from this queue for this reason.
    public var count: Int64
    /// Seconds since 1970 of the first death for this queue and reason.
    public var time: UInt64?

    init(_ t: AMQPFieldTable) {
        reason = t["reason"]?.stringValue ?? ""
        queue = t["queue"]?.stringValue ?? ""
        exchange = t["exchange"]?.stringValue ?? ""
        routingKeys = t["routing-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        count = t["count"]?.intValue ?? 0
        if case .timestamp(let ts) = t["time"] { time = ts } else { time = nil }
    }
}

/// How a delivery was settled by the application.
struct Settlement: Sendable {
    enum Kind: Sendable, Equatable {
        case ack
        case nack(requeue: Bool)
        case reject(requeue: Bool)
    }
    var generation: Int
    var tag: UInt64
    var kind: Kind
}
