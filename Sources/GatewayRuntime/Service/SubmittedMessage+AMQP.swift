import AMQP
import Contracts
import GatewayDecision

extension SubmittedMessage {
    /// A delivery from `gateway.in` as the decision sees it: `user_id`, which RabbitMQ checked, is its publisher.
    public init(_ delivery: AMQPDelivery) {
        let p = delivery.properties
        var headers: [String: TransportHeader] = [:]
        for (name, value) in p.headers { headers[name] = value.transportHeader }
        self.init(
            publisher: p.userID, messageID: p.messageID, type: p.type, contentType: p.contentType,
            persistent: p.persistent, headers: headers, body: delivery.body)
    }
}
