import AMQP
import Contracts
import Foundation
import GatewayDecision
import Messaging

extension ReplayRequest {
    /// One message the dead-letter user publishes to the gateway's input, carrying `requests` (at most `perMessage`).
    public static func message(_ requests: [ReplayRequest], topology: ReferralGatewayTopology, brokerUser: String) -> OutgoingMessage {
        let properties = AMQPProperties(
            contentType: "application/json", persistent: true, messageID: UUID.randomLowercased(),
            timestamp: UInt64(Date().timeIntervalSince1970), type: Self.messageType,
            userID: brokerUser, appID: "refgw-dlq")
        return OutgoingMessage(exchange: topology.submitExchange, routingKey: "gateway", properties: properties, body: body(requests))
    }
}
