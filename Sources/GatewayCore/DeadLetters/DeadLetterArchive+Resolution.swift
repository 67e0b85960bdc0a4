import Contracts
import Foundation
import GRDB
import GatewayDecision

extension DeadLetterArchive {
    /// A group of kept dead letters as `refgw dlq groups` names it: `reason`, `reason/type` or `reason/type/recipient`.
    public struct GroupKey: Sendable, Equatable {
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

    /// The key that selects exactly one group.
    public static func key(of g: Group) -> String { "\(g.reason)/\(g.type)/\(g.recipient)" }

    /// Ids of kept dead letters in a group, oldest first (the order they are replayed in).
    public static func ids(in group: GroupKey, in db: Database) throws -> [Int64] {
        var sql = "SELECT id FROM dead_letter WHERE status = 'kept' AND reason = ?"
        var args: [any DatabaseValueConvertible] = [group.reason]
        // groups() shows a missing type or recipient as "-".
        if let t = group.type {
            sql += t == "-" ? " AND type IS NULL" : " AND type = ?"
            if t != "-" { args.append(t) }
        }
        if let r = group.recipient {
            sql += r == "-" ? " AND recipient IS NULL" : " AND recipient = ?"
            if r != "-" { args.append(r) }
        }
        return try Int64.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(args))
    }

    /// Ids of every kept dead letter, oldest first.
    public static func keptIDs(in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM dead_letter WHERE status = 'kept' ORDER BY id")
    }

    /// Why a dead letter cannot be replayed or discarded as asked.
    public struct ResolutionError: Error, CustomStringConvertible {
        /// Which dead letter stands in the way and why, with the command that shows more.
        public let description: String
    }

    /// What a replay needs to know of a dead letter now.
    private struct ReplayState {
        var status: String
        var resolvedAt: Int64?
        /// A request stored earlier that the gateway has not decided yet.
        var pending: String?
        var attempts: Int
    }

    /// The dead letters `ids` that exist, `idsPerQuery` to a query.
    private static func replayStates(of ids: [Int64], in db: Database) throws -> [Int64: ReplayState] {
        var states: [Int64: ReplayState] = [:]
        for slice in ids.chunks(of: idsPerQuery) {
            let rows = try Row.fetchAll(
                db,
                SQLRequest<Row>(
                    """
                    SELECT d.id, d.status, d.resolved_at,
                        (SELECT request_id FROM replay_request WHERE dead_letter_id = d.id AND outcome IS NULL LIMIT 1),
                        (SELECT COUNT(*) FROM replay_request WHERE dead_letter_id = d.id)
                    FROM dead_letter d WHERE d.id IN \(slice)
                    """))
            for row in rows { states[row[0]] = ReplayState(status: row[1], resolvedAt: row[2], pending: row[3], attempts: row[4]) }
        }
        return states
    }

    /// Throws for the first id that is unknown, replayed or discarded.
    private static func checkReplayable(_ ids: [Int64], states: [Int64: ReplayState]) throws {
        for id in ids {
            guard let letter = states[id] else {
                throw ResolutionError(description: "there is no dead letter \(id): `refgw dlq list` shows their ids")
            }
            guard letter.status == "kept" else {
                let when = letter.resolvedAt.map { " on \(Timestamp(millisecondsSince1970: $0))" } ?? ""
                throw ResolutionError(
                    description: "dead letter \(id) was already \(letter.status)\(when), so it cannot be replayed (`refgw dlq list --all` shows it)")
            }
        }
    }

    /// Throws, as `requestReplays` would, when an id is unknown, replayed or discarded; stores nothing.
    public static func checkReplayable(_ ids: [Int64], in db: Database) throws {
        try checkReplayable(ids, states: replayStates(of: ids, in: db))
    }

    /// Stores a replay request for each dead letter (who, why, which attempt) and returns them to publish.
    /// A dead letter that already waits for the gateway keeps its request (it is published again: the gateway decides
    /// each request once). Throws, changing nothing, when an id is unknown, replayed or discarded.
    public static func requestReplays(
        of ids: [Int64], by: String, reason: String, now: Timestamp = Timestamp(),
        in db: Database
    ) throws -> [ReplayRequest] {
        var states = try replayStates(of: ids, in: db)
        try checkReplayable(ids, states: states)
        var requests: [ReplayRequest] = []
        for id in ids {
            if let pending = states[id]?.pending {
                requests.append(ReplayRequest(requestID: pending, deadLetterID: id))
                continue
            }
            let request = ReplayRequest(deadLetterID: id)
            try db.cachedStatement(
                sql: """
                    INSERT INTO replay_request (request_id, dead_letter_id, attempt, requested_at, requested_by, reason)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [request.requestID, id, (states[id]?.attempts ?? 0) + 1, now.millisecondsSince1970, by, reason])
            // The same id named twice shares this request.
            states[id]?.pending = request.requestID
            requests.append(request)
        }
        return requests
    }

    /// The outcome the gateway stored for each decided request, by request id.
    public static func replayOutcomes(of requestIDs: [String], in db: Database) throws -> [String: String] {
        var out: [String: String] = [:]
        for slice in requestIDs.chunks(of: idsPerQuery) {
            let rows = try Row.fetchAll(
                db,
                SQLRequest<Row>(
                    "SELECT request_id, outcome FROM replay_request WHERE outcome IS NOT NULL AND request_id IN \(slice)"))
            for r in rows { out[r["request_id"]] = r["outcome"] }
        }
        return out
    }

    /// Discards kept dead letters: the body and properties are erased (nothing personal stays), a tombstone with
    /// the identifiers, the reason it died, who discarded it and why stays, and each discard goes to the audit log.
    /// Throws, changing nothing, when an id is unknown or not kept.
    public static func discard(_ ids: [Int64], by: String, reason: String, now: Timestamp = Timestamp(), in db: Database) throws {
        var tail = try AuditLog.tail(db)
        for id in ids {
            guard let (l, _, _) = try find(id, in: db) else {
                throw ResolutionError(description: "there is no dead letter \(id): `refgw dlq list` shows their ids")
            }
            guard l.status == "kept" else {
                throw ResolutionError(description: "dead letter \(id) was already \(l.status); nothing was discarded")
            }
            try db.execute(
                sql: """
                    UPDATE dead_letter SET status = 'discarded', resolved_at = ?, resolved_by = ?, resolution_reason = ? WHERE id = ?;
                    UPDATE dead_letter_content SET body = X'', properties = '{}' WHERE id = ?
                    """, arguments: [now.millisecondsSince1970, by, reason, id, id])
            try AuditLog.append(
                AuditEntry(
                    at: now, event: .discarded, messageID: l.messageID ?? "(none)", type: l.type ?? "(none)",
                    sender: l.sender ?? "(unknown)", recipient: l.recipient ?? "(unknown)",
                    subject: l.subject ?? "0000-0000-0000", reasonCode: l.reason,
                    basisReference: "dead letter \(id)", justification: reason, actor: by), after: &tail, in: db)
        }
    }
}
