import Contracts
import Foundation

/// A dead letter as the keeper stores it: where it came from, why it died, and who and what it concerns.
public struct DeadLetter: Sendable, Equatable, Codable {
    /// A dead letter as read from its queue, before it is kept.
    public init(
        messageID: String?, originalExchange: String, originalRoutingKey: String, queue: String, reason: String,
        reasonDetail: String?, deathCount: Int, firstDeathAt: Timestamp, lastDeathAt: Timestamp, sender: String?,
        recipient: String?, type: String?, subject: String?, keptAt: Timestamp
    ) {
        self.messageID = messageID
        self.originalExchange = originalExchange
        self.originalRoutingKey = originalRoutingKey
        self.queue = queue
        self.reason = reason
        self.reasonDetail = reasonDetail
        self.deathCount = deathCount
        self.firstDeathAt = firstDeathAt
        self.lastDeathAt = lastDeathAt
        self.sender = sender
        self.recipient = recipient
        self.type = type
        self.subject = subject
        self.keptAt = keptAt
    }

    /// The row id in the store, which the `refgw dlq` commands name; nil until the letter is kept.
    public var id: Int64?
    /// The message's `message_id`, when it had one.
    public var messageID: String?
    /// The exchange it was first published to (from `x-death`; `refgw.submit` for a message the gateway refused).
    public var originalExchange: String
    /// The routing key it was first published with (for a refusal, its intended recipient).
    public var originalRoutingKey: String
    /// The queue it died in: `gateway.in` (also for the gateway's refusals) or a recipient's inbox.
    public var queue: String
    /// RabbitMQ's `rejected`, `expired`, `maxlen`, `delivery_limit`, or the gateway's reason code.
    public var reason: String
    /// The gateway's explanation of its refusal (no personal data); nil for a message RabbitMQ dead-lettered.
    public var reasonDetail: String?
    /// How many times RabbitMQ dead-lettered it, over every queue and reason (1 for a gateway refusal).
    public var deathCount: Int
    /// When it first died (for a refusal, when the gateway refused it).
    public var firstDeathAt: Timestamp
    /// When it last died: `list` sorts by this, and `since` filters on it.
    public var lastDeathAt: Timestamp
    /// The sending service as the `refgw-sender` header names it (as it arrived, not verified).
    public var sender: String?
    /// The intended recipient as `refgw-recipient` names it (not verified).
    public var recipient: String?
    /// The message type, from the AMQP `type` property (such as `referral`).
    public var type: String?
    /// The URC it is about as `refgw-subject` names it (not verified); nil when the header was missing or empty.
    public var subject: String?
    /// When the dead-letter keeper stored it.
    public var keptAt: Timestamp
    /// Kept until an administrator replays or discards it.
    public var status: DeadLetterStatus = .kept
    /// Replays the gateway decided, and the last one's outcome (`delivered`, or the reason it was refused again).
    public var replayCount: Int = 0
    /// The latest replay's outcome code (`ReplayOutcome.code`); nil before any replay was decided.
    public var lastReplayOutcome: String?
    /// Who replayed or discarded it, when and why.
    public var resolvedAt: Timestamp?
    /// The administrator who replayed or discarded it.
    public var resolvedBy: String?
    /// The reason the administrator gave for the replay or discard.
    public var resolutionReason: String?
}

/// Where a dead letter stands.
public enum DeadLetterStatus: String, Sendable, Codable, CaseIterable {
    /// Kept, waiting for an administrator.
    case kept
    /// Replayed and delivered (now or before): resolved.
    case replayed
    /// Discarded: its content erased, a tombstone kept.
    case discarded
}

/// A dead letter's content: the AMQP properties and headers as one JSON object of strings, and the body.
public struct DeadLetterContent: Sendable, Equatable {
    /// The properties and headers it arrived with, as a JSON object of strings (`{}` once discarded).
    public var properties: String
    /// The body as it arrived (empty once discarded).
    public var body: Data

    /// A dead letter's content.
    public init(properties: String, body: Data) {
        self.properties = properties
        self.body = body
    }
}

/// Who resolved a dead letter (replayed or discarded it), when and why.
public struct DeadLetterResolution: Sendable, Equatable {
    /// When.
    public var at: Timestamp
    /// The administrator.
    public var by: String
    /// The reason they gave.
    public var reason: String

    /// A resolution by `by` at `at` for `reason`.
    public init(at: Timestamp, by: String, reason: String) {
        self.at = at
        self.by = by
        self.reason = reason
    }
}

/// Filters for listing dead letters.
public struct DeadLetterFilter: Sendable {
    /// Only dead letters with this reason, sender, recipient or type (nil: any).
    public var reason: String?, sender: String?, recipient: String?, type: String?
    /// Only dead letters that last died at or after this time.
    public var since: Timestamp?
    /// Also replayed and discarded ones (`--all`), not only those still kept.
    public var includeResolved = false
    /// A filter; by default every dead letter still kept.
    public init(
        reason: String? = nil, sender: String? = nil, recipient: String? = nil, type: String? = nil,
        since: Timestamp? = nil, includeResolved: Bool = false
    ) {
        self.reason = reason
        self.sender = sender
        self.recipient = recipient
        self.type = type
        self.since = since
        self.includeResolved = includeResolved
    }
}

/// One group of kept dead letters: a reason, a type and a recipient, with how many.
public struct DeadLetterGroup: Sendable, Equatable, Codable {
    /// The group's reason code, type and recipient (`-` where the letters have none), and how many letters it holds.
    public var reason: String, type: String, recipient: String, count: Int

    /// A group.
    public init(reason: String, type: String, recipient: String, count: Int) {
        self.reason = reason
        self.type = type
        self.recipient = recipient
        self.count = count
    }

    /// The key that selects exactly this group.
    public var key: String { "\(reason)/\(type)/\(recipient)" }
}

/// A group of kept dead letters as `refgw dlq groups` names it: `reason`, `reason/type` or `reason/type/recipient`.
public struct DeadLetterGroupKey: Sendable, Equatable {
    /// The reason code, then optionally the type and the recipient (`-` selects letters that have none).
    public var reason: String, type: String?, recipient: String?

    /// Reads `no-consent/referral/safehome` (later parts optional).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        reason = parts[0]
        type = parts.count > 1 ? parts[1] : nil
        recipient = parts.count > 2 ? parts[2] : nil
    }
}

/// An administrator's request that the gateway decide a kept dead letter again, as stored before it is sent.
public struct StoredReplayRequest: Sendable, Equatable {
    /// The request's unique id.
    public var requestID: String
    /// The dead letter to decide again.
    public var deadLetterID: Int64
    /// Which replay of that letter this is (1 for the first).
    public var attempt: Int
    /// When it was asked for.
    public var requestedAt: Timestamp
    /// The administrator who asked.
    public var requestedBy: String
    /// Why.
    public var reason: String
    /// The gateway's outcome code; nil until it decided.
    public var outcome: String?
    /// When the gateway decided it.
    public var decidedAt: Timestamp?

    /// A request to store.
    public init(
        requestID: String, deadLetterID: Int64, attempt: Int, requestedAt: Timestamp, requestedBy: String, reason: String,
        outcome: String? = nil, decidedAt: Timestamp? = nil
    ) {
        self.requestID = requestID
        self.deadLetterID = deadLetterID
        self.attempt = attempt
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
        self.reason = reason
        self.outcome = outcome
        self.decidedAt = decidedAt
    }
}

/// A dead letter's replays so far.
public struct ReplayHistory: Sendable, Equatable {
    /// The dead letter's status.
    public var status: DeadLetterStatus
    /// When it was resolved, if it was.
    public var resolvedAt: Timestamp?
    /// Replay requests stored for it.
    public var attempts: Int
    /// The request stored that the gateway has not decided yet.
    public var pending: String?

    /// A letter's replay history.
    public init(status: DeadLetterStatus, resolvedAt: Timestamp?, attempts: Int, pending: String?) {
        self.status = status
        self.resolvedAt = resolvedAt
        self.attempts = attempts
        self.pending = pending
    }
}

extension Array where Element == (DeadLetter, DeadLetterContent) {
    /// The letters in the order `ids` names them (a query returns them in its own order).
    package func inOrder(of ids: [Int64]) -> Self {
        let order = Dictionary(ids.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return sorted { order[$0.0.id!]! < order[$1.0.id!]! }
    }
}
