import Contracts
import Foundation

/// The kept dead letters in the gateway's store, and the administrators' replays and discards of them.
public enum DeadLetterArchive {
    /// Filters for `list`.
    public typealias Filter = DeadLetterFilter
    /// One group of kept dead letters.
    public typealias Group = DeadLetterGroup
    /// A group as `refgw dlq groups` names it.
    public typealias GroupKey = DeadLetterGroupKey

    /// Dead letters matching `filter`, newest first.
    public static func list(_ filter: Filter, limit: Int = 100, in tx: any GatewayTransaction) throws -> [DeadLetter] {
        try tx.deadLetters(filter, limit: limit)
    }

    /// Kept dead letters counted by reason, type and recipient, largest first.
    public static func groups(in tx: any GatewayTransaction) throws -> [Group] { try tx.deadLetterGroups() }

    /// The key that selects exactly one group.
    public static func key(of g: Group) -> String { g.key }

    /// One dead letter with its properties and body.
    public static func find(_ id: Int64, in tx: any GatewayTransaction) throws -> (DeadLetter, properties: String, body: Data)? {
        try tx.deadLettersWithContent([id]).first.map { ($0.0, $0.1.properties, $0.1.body) }
    }

    /// Ids of kept dead letters in a group, oldest first (the order they are replayed in).
    public static func ids(in group: GroupKey, in tx: any GatewayTransaction) throws -> [Int64] { try tx.keptDeadLetterIDs(in: group) }

    /// Ids of every kept dead letter, oldest first.
    public static func keptIDs(in tx: any GatewayTransaction) throws -> [Int64] { try tx.keptDeadLetterIDs(in: nil) }

    /// Why a dead letter cannot be replayed or discarded as asked.
    public struct ResolutionError: Error, CustomStringConvertible {
        /// Which dead letter stands in the way and why, with the command that shows more.
        public let description: String

        /// An error saying `description`.
        public init(description: String) { self.description = description }
    }

    /// Throws for the first id that is unknown, replayed or discarded.
    private static func checkReplayable(_ ids: [Int64], states: [Int64: ReplayHistory]) throws {
        for id in ids {
            guard let letter = states[id] else {
                throw ResolutionError(description: "there is no dead letter \(id): `refgw dlq list` shows their ids")
            }
            guard letter.status == .kept else {
                let when = letter.resolvedAt.map { " on \($0)" } ?? ""
                throw ResolutionError(
                    description:
                        "dead letter \(id) was already \(letter.status.rawValue)\(when), so it cannot be replayed (`refgw dlq list --all` shows it)")
            }
        }
    }

    /// Throws, as `requestReplays` would, when an id is unknown, replayed or discarded; stores nothing.
    public static func checkReplayable(_ ids: [Int64], in tx: any GatewayTransaction) throws {
        try checkReplayable(ids, states: tx.replayHistory(of: ids))
    }

    /// Stores a replay request for each dead letter (who, why, which attempt) and returns them to publish.
    /// A dead letter that already waits for the gateway keeps its request (it is published again: the gateway decides
    /// each request once). Throws, changing nothing, when an id is unknown, replayed or discarded.
    public static func requestReplays(
        of ids: [Int64], by: String, reason: String, now: Timestamp = Timestamp(),
        in tx: any GatewayTransaction
    ) throws -> [QueuedReplay] {
        var states = try tx.replayHistory(of: ids)
        try checkReplayable(ids, states: states)
        var requests: [QueuedReplay] = []
        for id in ids {
            if let pending = states[id]?.pending {
                requests.append(QueuedReplay(requestID: pending, deadLetterID: id))
                continue
            }
            let request = StoredReplayRequest(
                requestID: UUID.randomLowercased(), deadLetterID: id, attempt: (states[id]?.attempts ?? 0) + 1, requestedAt: now,
                requestedBy: by, reason: reason)
            try tx.addReplayRequest(request)
            // The same id named twice shares this request.
            states[id]?.pending = request.requestID
            requests.append(QueuedReplay(requestID: request.requestID, deadLetterID: id))
        }
        return requests
    }

    /// The outcome the gateway stored for each decided request, by request id.
    public static func replayOutcomes(of requestIDs: [String], in tx: any GatewayTransaction) throws -> [String: String] {
        try tx.replayOutcomes(of: requestIDs)
    }

    /// Discards kept dead letters: the body and properties are erased (nothing personal stays), a tombstone with
    /// the identifiers, the reason it died, who discarded it and why stays, and each discard goes to the audit log.
    /// Throws, changing nothing, when an id is unknown or not kept.
    public static func discard(_ ids: [Int64], by: String, reason: String, now: Timestamp = Timestamp(), in tx: any GatewayTransaction) throws {
        for id in ids {
            guard let (l, _) = try tx.deadLettersWithContent([id]).first else {
                throw ResolutionError(description: "there is no dead letter \(id): `refgw dlq list` shows their ids")
            }
            guard l.status == .kept else {
                throw ResolutionError(description: "dead letter \(id) was already \(l.status.rawValue); nothing was discarded")
            }
            try tx.discardDeadLetter(id, resolution: DeadLetterResolution(at: now, by: by, reason: reason))
            try tx.appendAudit(
                AuditEntry(
                    at: now, event: .discarded, messageID: l.messageID ?? "(none)", type: l.type ?? "(none)",
                    sender: l.sender ?? "(unknown)", recipient: l.recipient ?? "(unknown)",
                    subject: l.subject ?? URC.noSubject.canonical, reasonCode: l.reason,
                    basisReference: "dead letter \(id)", justification: reason, actor: by))
        }
    }
}

/// A replay request stored and ready to send: its id and the dead letter it names.
public struct QueuedReplay: Sendable, Equatable {
    /// The request's id, which the gateway decides once.
    public var requestID: String
    /// The dead letter to decide again.
    public var deadLetterID: Int64

    /// A stored request.
    public init(requestID: String, deadLetterID: Int64) {
        self.requestID = requestID
        self.deadLetterID = deadLetterID
    }
}
