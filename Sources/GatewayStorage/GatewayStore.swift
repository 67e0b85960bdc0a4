import Contracts
import Foundation

/// Everything the gateway and its dead-letter keeper persist, behind one seam: seen message ids, the consent
/// registry, the person and correspondence registries, the hash-chained audit log, the outbox, dead letters and
/// replay requests. An implementation keeps every change a transaction's body makes, or none of them.
///
/// Two implementations pass one conformance suite: SQLite (one machine, the embedded default) and PostgreSQL (a
/// region, several gateways). Nothing outside this module names a database library.
public protocol GatewayStore: Sendable {
    /// Runs `body` in one write transaction, committed when it returns and rolled back when it throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T
    /// Runs `body` on a consistent snapshot; it changes nothing.
    func read<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T
    /// `write`, blocking the calling thread (for the administrators' commands).
    func writeNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T
    /// `read`, blocking the calling thread (for the administrators' commands).
    func readNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T
}

/// What one transaction of a `GatewayStore` can read and change, in the domain's terms. Each call is one step of
/// the caller's transaction; nothing is visible to other transactions until it commits.
public protocol GatewayTransaction: AnyObject {
    /// Told what a batch is about to read, before it reads it; answers must be the same with or without it, the
    /// transaction's own writes included.
    func prepare(for reads: BatchReads) throws

    // MARK: Seen messages

    /// What the seen-message ledger holds of message id `id`.
    func seenMessage(_ id: String) throws -> SeenMessage?
    /// Remembers a message id as decided; throws `GatewayStoreError.duplicate` when the id was remembered before.
    func rememberMessage(_ message: SeenMessage) throws
    /// Points a remembered message at the audit entry of its (latest) delivery.
    func markDelivered(_ id: String, auditSeq: Int64) throws

    // MARK: Consent registry

    /// The consent `id`, whoever it is of.
    func consent(_ id: String) throws -> StoredConsent?
    /// Every consent `subject` gave.
    func consents(of subject: URC) throws -> [StoredConsent]
    /// Keeps a consent given; a consent id already kept is left as it is.
    func addConsent(_ consent: StoredConsent) throws
    /// Marks consent `id` of `subject` withdrawn at `at`, if it stands.
    func withdrawConsent(_ id: String, of subject: URC, at: Timestamp) throws

    // MARK: People and correspondence

    /// The registry rows of those of `urcs` the gateway has seen (canonical URCs).
    func people(_ urcs: [String]) throws -> [PersonRecord]
    /// Writes these rows, each replacing the row of its URC.
    func savePeople(_ people: [PersonRecord]) throws
    /// The deliveries that carried identifier `reference` of `kind` (a referral, MARAC referral or action).
    func correspondence(kind: String, reference: String) throws -> [CorrespondenceRecord]
    /// Remembers a delivered identifier; one already remembered for the same recipient is left as it is.
    func recordCorrespondence(_ record: CorrespondenceRecord) throws

    // MARK: Audit log

    /// Appends `entry` to the one chain after its last entry, setting its `seq` and hashes (`AuditLog.chained`), and
    /// indexes it under the people it names beside its subject; returns it as stored.
    @discardableResult func appendAudit(_ entry: AuditEntry) throws -> AuditEntry
    /// The entry at `seq`.
    func auditEntry(_ seq: Int64) throws -> AuditEntry?
    /// The latest `limit` entries, newest first.
    func latestAuditEntries(_ limit: Int) throws -> [AuditEntry]
    /// Every entry about `subject`, or naming them beside their subject, in order.
    func auditTrail(of subject: String) throws -> [AuditEntry]
    /// Every entry in order, handed to `body` one at a time until it returns false.
    func forEachAuditEntry(_ body: (AuditEntry) throws -> Bool) throws
    /// How many entries of each event and reason code were appended at or after `since`.
    func auditCounts(since: Timestamp) throws -> [AuditCount]

    // MARK: Outbox

    /// Stores a message to publish; returns its id.
    @discardableResult func addToOutbox(_ message: OutboxMessage) throws -> Int64
    /// Every message waiting to be published, oldest first.
    func pendingOutbox() throws -> [OutboxEntry]
    /// Deletes the messages the broker confirmed.
    func removeFromOutbox(_ ids: [Int64]) throws
    /// How many messages wait to be published, and when the oldest was stored.
    func outboxBacklog() throws -> Backlog

    // MARK: Dead letters

    /// Keeps a dead letter once, by `fingerprint`; returns its id, or nil when it was kept before.
    @discardableResult func keepDeadLetter(_ letter: DeadLetter, fingerprint: String, content: DeadLetterContent) throws -> Int64?
    /// Dead letters matching `filter`, newest first.
    func deadLetters(_ filter: DeadLetterFilter, limit: Int) throws -> [DeadLetter]
    /// Kept dead letters counted by reason, type and recipient, largest first.
    func deadLetterGroups() throws -> [DeadLetterGroup]
    /// Ids of kept dead letters in `group` (every kept one when nil), oldest first.
    func keptDeadLetterIDs(in group: DeadLetterGroupKey?) throws -> [Int64]
    /// How many dead letters there are with `status` (every one when nil).
    func deadLetterCount(status: DeadLetterStatus?) throws -> Int
    /// How many dead letters wait for an administrator (kept), and when the oldest of them was kept.
    func keptDeadLetterBacklog() throws -> Backlog
    /// The dead letters `ids` that exist, each with its content (empty once discarded).
    func deadLettersWithContent(_ ids: [Int64]) throws -> [(DeadLetter, DeadLetterContent)]
    /// Marks dead letter `id` discarded and erases its content, keeping the tombstone.
    func discardDeadLetter(_ id: Int64, resolution: DeadLetterResolution) throws
    /// Counts a replay of dead letter `id` with its outcome code; `resolution` marks it replayed.
    func recordReplay(of id: Int64, outcome: String, resolution: DeadLetterResolution?) throws

    // MARK: Replay requests

    /// Stores a replay request.
    func addReplayRequest(_ request: StoredReplayRequest) throws
    /// The replay request `id`, with the status of its dead letter (nil when the letter is gone).
    func replayRequest(_ id: String) throws -> (StoredReplayRequest, letterStatus: DeadLetterStatus?)?
    /// Each of `letters` that exists: its status, how many replays were asked for, and the one not decided yet.
    func replayHistory(of letters: [Int64]) throws -> [Int64: ReplayHistory]
    /// Stores the gateway's outcome of replay request `id`.
    func decideReplayRequest(_ id: String, outcome: String, at: Timestamp) throws
    /// The outcome stored for each decided request of `ids`, by request id.
    func replayOutcomes(of ids: [String]) throws -> [String: String]

    // MARK: Retention

    /// When the region-wide chore `task` (such as the purge) last finished, and which instance ran it.
    func lastMaintenance(_ task: String) throws -> MaintenanceRun?
    /// Records that chore `task` finished at `at`, run by the instance that opened the store.
    func recordMaintenance(_ task: String, at: Timestamp) throws
    /// Forgets up to `limit` seen message ids decided before `cutoff`, oldest first, except those a kept dead letter
    /// carries (its replay asks what was decided); returns how many it forgot.
    func purgeSeenMessages(decidedBefore cutoff: Timestamp, limit: Int) throws -> Int
    /// Erases the body and properties of up to `limit` replayed dead letters resolved before `cutoff`, oldest first,
    /// keeping each letter's row; returns how many it erased.
    func eraseReplayedDeadLetterContents(resolvedBefore cutoff: Timestamp, limit: Int) throws -> Int
}

/// The gateway's store cannot be used, or refused a change.
public enum GatewayStoreError: Error, CustomStringConvertible, Equatable {
    /// The store could not be opened or used; the text says which and why.
    case unavailable(String)
    /// A key that must be unique was used again (a message id decided twice).
    case duplicate(String)
    /// A stored row does not read (changed outside the gateway, or written by a newer version).
    case unreadable(String)

    /// The problem in one line.
    public var description: String {
        switch self {
        case .unavailable(let s): return s
        case .duplicate(let s): return "\(s) is already recorded"
        case .unreadable(let s): return "a stored row does not read: \(s); restore the database from a backup or ask the maintainers"
        }
    }
}
