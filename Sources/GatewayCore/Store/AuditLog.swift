import Contracts
import Crypto
import Foundation
import GRDB
import GatewayDecision

/// One decision in the audit log. Holds names of removed fields, never their values.
public struct AuditEntry: Sendable, Equatable, Codable {
    /// What happened.
    public enum Event: String, Sendable, Codable {
        /// A message delivered to its recipient, or refused (with its reason code).
        case delivered, refused
        /// A service recorded a person's consent.
        case consentGiven = "consent-given"
        /// A consent was withdrawn: no later delivery may rely on it.
        case consentWithdrawn = "consent-withdrawn"
        /// An administrator saw a dead letter's body unmasked.
        case deadLetterRevealed = "dead-letter-revealed"
        /// An administrator replayed a dead letter, or discarded it (its body erased, a tombstone kept).
        case replayed, discarded
        /// An administrator corrected the role the gateway knew a person in.
        case roleCorrected = "role-corrected"
    }
    /// What the sharing relied on.
    public enum Basis: String, Sendable, Codable {
        /// The person's consent; `basisReference` is the consent id.
        case consent
        /// A lawful basis the message invoked instead of consent; `basisReference` is its code.
        case lawfulBasis = "lawful-basis"
        /// The policy needs no consent for this sharing; `basisReference` is the policy's reason.
        case policy
    }

    /// Position in the chain, from 1; nil until appended.
    public var seq: Int64?
    /// When the gateway decided or the administrator acted, by the gateway's clock.
    public var at: Timestamp
    /// What kind of decision or action the entry records.
    public var event: Event
    /// The message decided (`(none)` for an action on no message, such as a role correction).
    public var messageID: String
    /// The message type (or what an action was on: `person` for a role correction).
    public var type: String
    /// The sending service (`gateway` for an administrator's action on a person).
    public var sender: String
    /// The service the message was for.
    public var recipient: String
    /// The URC the message is about (`0000-0000-0000` when none could be read).
    public var subject: String
    /// For a refusal, its stable reason code (for a discard, the reason the letter died).
    public var reasonCode: String?
    /// What a delivery relied on; nil where nothing was shared.
    public var basis: Basis?
    /// The consent id, the lawful basis code, or the policy's reason.
    public var basisReference: String?
    /// Why, in words: a lawful basis's justification, a refusal's detail, or an administrator's reason.
    public var justification: String?
    /// Dotted names of the fields removed before delivery, never their values.
    public var removedFields: [String]
    /// Who acted, for administrators' actions (replay, reveal, discard).
    public var actor: String?
    /// Everyone besides the subject the decision named, as "URC role" (children, a perpetrator).
    public var people: [String] = []
    /// The hash of the entry before (64 zeros for the first): the chain's link.
    public var previousHash: String = ""
    /// SHA-256, in hex, of this entry's fields and `previousHash`.
    public var hash: String = ""

    /// An entry to append; `AuditLog.append` sets its `seq` and hashes.
    public init(
        at: Timestamp = Timestamp(), event: Event, messageID: String, type: String, sender: String,
        recipient: String, subject: String, reasonCode: String? = nil, basis: Basis? = nil,
        basisReference: String? = nil, justification: String? = nil, removedFields: [String] = [],
        actor: String? = nil, people: [String] = []
    ) {
        self.at = at
        self.event = event
        self.messageID = messageID
        self.type = type
        self.sender = sender
        self.recipient = recipient
        self.subject = subject
        self.reasonCode = reasonCode
        self.basis = basis
        self.basisReference = basisReference
        self.justification = justification
        self.removedFields = removedFields
        self.actor = actor
        self.people = people
    }

    /// The bytes the hash commits to: every field, in a fixed order, with the previous entry's hash first.
    func chainInput(previousHash: String) -> Data {
        let fields: [String] =
            [
                previousHash, String(seq ?? 0), String(at.millisecondsSince1970), event.rawValue, messageID, type, sender,
                recipient, subject, reasonCode ?? "", basis?.rawValue ?? "", basisReference ?? "", justification ?? "",
                removedFields.joined(separator: "\u{1E}"), actor ?? "",
            ] + (people.isEmpty ? [] : [people.joined(separator: "\u{1E}")])
        // Unit separators cannot occur in any field (they are refused on input), so the encoding is unambiguous.
        // An entry naming nobody but its subject hashes as entries did before `people` existed.
        return Data(fields.joined(separator: "\u{1F}").utf8)
    }
}

/// The append-only, hash-chained audit log: each entry's hash commits to the entry and to the hash before it,
/// so changing, removing or reordering any entry breaks every hash after it.
public enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// The last entry's sequence number and hash: what the next entry chains to.
    public struct Tail: Sendable {
        /// The last entry's sequence number (0 for an empty log).
        public var seq: Int64
        /// The last entry's hash (64 zeros for an empty log).
        public var hash: String
    }

    // The statements, made once (a statement is looked up by its text for every entry).
    static let columns =
        "seq, at, event, message_id, type, sender, recipient, subject, reason_code, basis, basis_reference, justification, removed_fields, actor, previous_hash, hash"
    static let insert = "INSERT INTO audit (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    static let insertWithPeople = "INSERT INTO audit (\(columns), people) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// Reads the tail within the caller's transaction.
    public static func tail(_ db: Database) throws -> Tail {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return Tail(seq: last?["seq"] ?? 0, hash: last?["hash"] ?? genesis)
    }

    /// Appends within the caller's transaction; returns the stored entry.
    @discardableResult
    public static func append(_ entry: AuditEntry, in db: Database) throws -> AuditEntry {
        var tail = try tail(db)
        return try append(entry, after: &tail, in: db)
    }

    /// Appends after a tail read earlier in the same transaction (many entries per transaction), moving it on.
    /// `indexPeople`: index the people it names now (false: the caller indexes them with the rest of its batch).
    @discardableResult
    public static func append(_ entry: AuditEntry, after tail: inout Tail, indexPeople: Bool = true, in db: Database) throws -> AuditEntry {
        var e = entry
        let hashed =
            [e.messageID, e.type, e.sender, e.recipient, e.subject, e.reasonCode ?? "", e.basisReference ?? "", e.justification ?? "", e.actor ?? ""]
            + e.removedFields + e.people
        for s in hashed where s.utf8.contains(where: { $0 == 0x1F || $0 == 0x1E }) {
            throw AuditError("an audit field contains a separator character (U+001E or U+001F): remove it and try again")
        }
        e.seq = tail.seq + 1
        e.previousHash = tail.hash
        e.hash = SHA256.hash(data: e.chainInput(previousHash: tail.hash)).hex
        var arguments: StatementArguments = [
            e.seq, e.at.millisecondsSince1970, e.event.rawValue, e.messageID, e.type, e.sender,
            e.recipient, e.subject, e.reasonCode, e.basis?.rawValue, e.basisReference,
            e.justification, String(decoding: JSONWriter.bytes(.array(e.removedFields.map { .string($0) })), as: UTF8.self),
            e.actor, e.previousHash, e.hash,
        ]
        // Most entries name only their subject: they are written as before `people` existed.
        if e.people.isEmpty {
            try db.cachedStatement(sql: Self.insert).execute(arguments: arguments)
        } else {
            arguments += [String(decoding: JSONWriter.bytes(.array(e.people.map { .string($0) })), as: UTF8.self)]
            try db.cachedStatement(sql: Self.insertWithPeople).execute(arguments: arguments)
        }
        for person in indexPeople ? e.people : [] {
            // "URC role": the index holds the URC.
            try db.cachedStatement(sql: "INSERT INTO audit_person (urc, seq) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .execute(arguments: [String(person.prefix { $0 != " " }), e.seq])
        }
        tail = Tail(seq: e.seq!, hash: e.hash)
        return e
    }

    /// The outcome of checking the chain.
    public struct Verification: Sendable, Equatable {
        /// Entries read, up to and including the first broken one.
        public var entries: Int
        /// The first entry whose hash does not match, if any.
        public var firstBroken: Int64?
        /// What is wrong with the first broken entry (missing, out of order, or changed); nil when intact.
        public var problem: String?
        /// True when every entry is there, in order, with a matching hash.
        public var isIntact: Bool { firstBroken == nil }
    }

    /// Recomputes every hash from the first entry.
    public static func verify(_ db: Database) throws -> Verification {
        var previous = genesis
        var expectedSeq: Int64 = 1
        var n = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY seq")
        while let row = try rows.next() {
            let e = try entry(row)
            n += 1
            if e.seq != expectedSeq { return Verification(entries: n, firstBroken: e.seq, problem: "entry \(expectedSeq) is missing") }
            if e.previousHash != previous {
                return Verification(entries: n, firstBroken: e.seq, problem: "entry \(e.seq!) does not follow the one before it")
            }
            if SHA256.hash(data: e.chainInput(previousHash: previous)).hex != e.hash {
                return Verification(entries: n, firstBroken: e.seq, problem: "entry \(e.seq!) was changed after it was written")
            }
            previous = e.hash
            expectedSeq += 1
        }
        return Verification(entries: n, firstBroken: nil, problem: nil)
    }

    /// Every entry about a person (subject access request): who received what, and what was refused, whether the
    /// person was the subject or named beside them (a child in a parent's referral, the perpetrator in a victim's).
    public static func trail(subject: String, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM audit WHERE subject = ? OR seq IN (SELECT seq FROM audit_person WHERE urc = ?) ORDER BY seq
                """, arguments: [subject, subject]
        ).map(entry)
    }

    /// The latest `limit` entries, newest first.
    public static func entries(in db: Database, limit: Int = 1000) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY seq DESC LIMIT ?", arguments: [limit]).map(entry)
    }

    static func entry(_ row: Row) throws -> AuditEntry {
        var e = AuditEntry(
            at: Timestamp(millisecondsSince1970: row["at"]), event: AuditEntry.Event(rawValue: row["event"]) ?? .refused,
            messageID: row["message_id"], type: row["type"], sender: row["sender"], recipient: row["recipient"],
            subject: row["subject"], reasonCode: row["reason_code"], basis: (row["basis"] as String?).flatMap(AuditEntry.Basis.init),
            basisReference: row["basis_reference"], justification: row["justification"],
            removedFields: (try? JSONDecoder().decode([String].self, from: Data((row["removed_fields"] as String).utf8))) ?? ["<unreadable>"],
            actor: row["actor"],
            people: (row.hasColumn("people") ? row["people"] as String? : nil).map {
                (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? ["<unreadable>"]
            } ?? [])
        e.seq = row["seq"]
        e.previousHash = row["previous_hash"]
        e.hash = row["hash"]
        return e
    }
}

/// An audit log problem.
public struct AuditError: Error, CustomStringConvertible {
    /// Why the entry could not be appended.
    public let description: String
    init(_ d: String) { description = d }
}
