import AMQP
import Contracts

/// The broker layout every process of the project declares (DESIGN.md, "Message flow").
///
/// Services publish to `refgw.submit`, which routes everything to `gateway.in`; the gateway publishes to
/// `refgw.deliver`, which routes by recipient to `inbox.<party>`. Every queue is a quorum queue that
/// dead-letters at least once to `refgw.dlx` → `dead-letters`, and gives up on a message after
/// `deliveryLimit` failed deliveries. Each queue is kept on `replicas` nodes of a cluster (all of a smaller one), so
/// losing one node of three loses no message and stops no queue.
///
/// A `namespace` prefixes every name, so a smoke run or a test can use the same shape without touching
/// real traffic.
public struct ReferralGatewayTopology: Sendable {
    /// Deliveries after which a queue gives up on a message and dead-letters it.
    public static let defaultDeliveryLimit = 5
    /// Nodes holding a copy of each queue: a majority (two) survives the loss of any one. A constant, not a setting,
    /// because every process declares the queues and the broker refuses a declaration whose size differs.
    public static let replicas = 3
    /// The names production uses.
    public static let standard = ReferralGatewayTopology()

    /// Prefix of every name: empty in production; a test's own (such as `t1a2b3c.`) in tests and smoke runs.
    public let namespace: String
    /// The fanout exchange services publish to; it routes everything to `gatewayQueue`.
    public var submitExchange: String { namespace + "refgw.submit" }
    /// The direct exchange the gateway publishes to, routing by recipient id to each inbox.
    public var deliverExchange: String { namespace + "refgw.deliver" }
    /// The fanout exchange every queue dead-letters to, and where the gateway puts what it refuses.
    public var deadLetterExchange: String { namespace + "refgw.dlx" }
    /// The gateway's input queue, fed by `submitExchange`.
    public var gatewayQueue: String { namespace + "gateway.in" }
    /// Where every dead letter ends, for the dead-letter keeper to store.
    public var deadLetterQueue: String { namespace + "dead-letters" }

    /// The topology with every name prefixed by `namespace`.
    public init(namespace: String = "") {
        self.namespace = namespace
    }

    /// The inbox queue of a party.
    public func inbox(_ party: PartyID) -> String { namespace + "inbox.\(party.rawValue)" }

    /// Every queue name, for tools that clean up a namespace.
    public func queueNames(parties: [PartyID] = PartyID.services) -> [String] {
        [gatewayQueue, deadLetterQueue] + parties.map(inbox)
    }

    /// The full topology for `parties` (by default the six services).
    public func topology(
        parties: [PartyID] = PartyID.services,
        deliveryLimit: Int = Self.defaultDeliveryLimit
    ) -> AMQPTopology {
        var t = AMQPTopology(
            exchanges: [
                .init(submitExchange, kind: .fanout),
                .init(deliverExchange, kind: .direct),
                .init(deadLetterExchange, kind: .fanout),
            ],
            queues: [
                .reliable(gatewayQueue, deadLetterExchange: deadLetterExchange, deliveryLimit: deliveryLimit, replicas: Self.replicas),
                // The end of the line: nowhere further to dead-letter to, so no limit.
                .init(deadLetterQueue, kind: .quorum, replicas: Self.replicas),
            ],
            bindings: [
                .init(queue: gatewayQueue, exchange: submitExchange, routingKey: ""),
                .init(queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: ""),
            ])
        for party in parties {
            t.queues.append(
                .reliable(inbox(party), deadLetterExchange: deadLetterExchange, deliveryLimit: deliveryLimit, replicas: Self.replicas))
            t.bindings.append(.init(queue: inbox(party), exchange: deliverExchange, routingKey: party.rawValue))
        }
        return t
    }
}
