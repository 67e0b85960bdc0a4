import Contracts
import Foundation

/// An administrator's request that the gateway decide a kept dead letter again.
///
/// Requests travel to the gateway through `gateway.in` like every other message, so the gateway alone decides,
/// signs and delivers (the administrator's tool never holds the gateway's key), and a replay is ordered with the
/// consents and withdrawals around it. They carry only references: the gateway reads the dead letter, who asked and
/// why from its own store, where `refgw dlq replay` wrote them before publishing. Up to `perMessage` requests share
/// one AMQP message, so a bulk replay costs the broker a handful of messages, not one per dead letter.
public struct ReplayRequest: Sendable, Equatable {
    /// The AMQP `type` of a message carrying replay requests.
    public static let messageType = "refgw.replay-request"
    /// Requests carried by one message at most.
    public static let perMessage = 500

    /// This request's unique id: the gateway decides each request once, so publishing it again is harmless.
    public var requestID: String
    /// The kept dead letter to decide again (its id in the store).
    public var deadLetterID: Int64

    /// A request for a dead letter, with a fresh random id unless one stored earlier is published again.
    public init(requestID: String = UUID.randomLowercased(), deadLetterID: Int64) {
        self.requestID = requestID
        self.deadLetterID = deadLetterID
    }

    /// The body of one message carrying `requests` (at most `perMessage`):
    /// `{"requests": [{"requestID": "…", "deadLetterID": 12}, …]}`.
    public static func body(_ requests: [ReplayRequest]) -> Data {
        // JSONWriter, not JSONEncoder: Foundation's encoder was a third of sending a bulk replay's requests.
        let body = JSONValue.object([
            .init(
                "requests",
                .array(
                    requests.map {
                        .object([.init("requestID", .string($0.requestID)), .init("deadLetterID", .number(String($0.deadLetterID)))])
                    }))
        ])
        return Data(JSONWriter.bytes(body))
    }

    /// The requests a message carries, or nil when it is not a replay request message.
    public static func read(_ delivery: SubmittedMessage) -> [ReplayRequest]? {
        guard delivery.type == Self.messageType, let body = try? JSONParser.parse(delivery.body),
            let items = body["requests"]?.arrayValue, (1...Self.perMessage).contains(items.count)
        else { return nil }
        var requests: [ReplayRequest] = []
        for item in items {
            guard let id = item["requestID"]?.stringValue, case .number(let n)? = item["deadLetterID"], let letter = Int64(n) else { return nil }
            requests.append(ReplayRequest(requestID: id, deadLetterID: letter))
        }
        return requests
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

    /// The outcome in words, for the replay's report and the logs.
    public var description: String {
        switch self {
        case .delivered: return "delivered"
        case .alreadyDelivered: return "already delivered before; not delivered again"
        case .notReplayable(let why): return "not replayable: \(why)"
        case .refused(let code, let detail): return "refused again (\(code.rawValue)): \(detail)"
        }
    }
}
