import AMQP
import Contracts
import Foundation
import Messaging

/// An administrator's request that the gateway decide a kept dead letter again.
///
/// The request travels to the gateway through `gateway.in` like every other message, so the gateway alone decides,
/// signs and delivers (the administrator's tool never holds the gateway's key), and the replay is ordered with the
/// consents and withdrawals around it. The request carries only references: the gateway reads the dead letter,
/// who asked and why from its own store, where `refgw dlq replay` wrote them before publishing.
public struct ReplayRequest: Sendable, Equatable, Codable {
    /// The AMQP `type` of a replay request.
    public static let messageType = "refgw.replay-request"

    public var requestID: String
    public var deadLetterID: Int64

    public init(requestID: String = UUID().uuidString.lowercased(), deadLetterID: Int64) {
        self.requestID = requestID
        self.deadLetterID = deadLetterID
    }

    /// The message the dead-letter user publishes to the gateway's input.
    public func outgoing(topology: ReferralGatewayTopology, brokerUser: String) -> OutgoingMessage {
        var headers = AMQPFieldTable()
        headers[Self.replayOfHeader] = .string(String(deadLetterID))
        let properties = AMQPProperties(contentType: "application/json", persistent: true, messageID: requestID,
                                        timestamp: UInt64(Date().timeIntervalSince1970), type: Self.messageType,
                                        userID: brokerUser, appID: "refgw-dlq", headers: headers)
        let body = (try? JSONEncoder().encode(self)) ?? Data()
        return OutgoingMessage(exchange: topology.submitExchange, routingKey: "gateway", properties: properties, body: body)
    }

    /// Reads a request from a delivery, or nil when it is not one.
    public init?(_ delivery: AMQPDelivery) {
        guard delivery.properties.type == Self.messageType,
              let r = try? JSONDecoder().decode(ReplayRequest.self, from: delivery.body),
              r.requestID == delivery.properties.messageID else { return nil }
        self = r
    }

    /// Header on a replayed delivery: the kept dead letter it replays (the link to the original).
    public static let replayOfHeader = "refgw-replay-of"
    /// Header on a replayed delivery: which replay of that dead letter this is (1 for the first).
    public static let replayCountHeader = "refgw-replay-count"
}

/// What the gateway decided about one replay.
public enum ReplayOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Delivered to its recipient (or, for a consent record, recorded).
    case delivered
    /// The message had already been delivered: it is not delivered again.
    case alreadyDelivered
    /// The dead letter was discarded, or cannot be replayed from where it died.
    case notReplayable(String)
    /// Refused again: consent and policy as they stand now do not allow it. The dead letter stays kept.
    case refused(ReasonCode, String)

    /// The stable text stored in `replay_request.outcome` and `dead_letter.last_replay_outcome`.
    public var code: String {
        switch self {
        case .delivered: return "delivered"
        case .alreadyDelivered: return "already-delivered"
        case .notReplayable: return "not-replayable"
        case .refused(let code, _): return code.rawValue
        }
    }

    /// Whether the dead letter is resolved by it (no longer kept).
    public var resolves: Bool {
        switch self {
        case .delivered, .alreadyDelivered: return true
        case .notReplayable, .refused: return false
        }
    }

    public var description: String {
        switch self {
        case .delivered: return "delivered"
        case .alreadyDelivered: return "already delivered before; not delivered again"
        case .notReplayable(let why): return "not replayable: \(why)"
        case .refused(let code, let detail): return "refused again (\(code.rawValue)): \(detail)"
        }
    }
}
