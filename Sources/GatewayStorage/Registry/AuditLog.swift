import Contracts
import Crypto
import Foundation

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
        /// The purge forgot decided message ids and erased replayed dead letters' content, as the retention rules say.
        case purged
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
    /// The process that wrote the entry, as it names itself (`gateway-1`, `keeper-1`, `refgw@host`): in a region of
    /// several gateways, which one decided. The store it was opened with stamps it; nil in entries from before names.
    public var instance: String?
    /// The hash of the entry before (64 zeros for the first): the chain's link.
    public var previousHash: String = ""
    /// SHA-256, in hex, of this entry's fields and `previousHash`.
    public var hash: String = ""

    /// An entry to append; `AuditLog.append` sets its `seq` and hashes.
    public init(
        at: Timestamp = Timestamp(), event: Event, messageID: String, type: String, sender: String,
        recipient: String, subject: String, reasonCode: String? = nil, basis: Basis? = nil,
        basisReference: String? = nil, justification: String? = nil, removedFields: [String] = [],
        actor: String? = nil, people: [String] = [], instance: String? = nil
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
        self.instance = instance
    }

    /// The bytes the hash commits to: every field, in a fixed order, with the previous entry's hash first.
    package func chainInput(previousHash: String) -> Data {
        let fields: [String] =
            [
                previousHash, String(seq ?? 0), String(at.millisecondsSince1970), event.rawValue, messageID, type, sender,
                recipient, subject, reasonCode ?? "", basis?.rawValue ?? "", basisReference ?? "", justification ?? "",
                removedFields.joined(separator: "\u{1E}"), actor ?? "",
            ] + (people.isEmpty && instance == nil ? [] : [people.joined(separator: "\u{1E}")]) + (instance.map { [$0] } ?? [])
        // Unit separators cannot occur in any field (they are refused on input), so the encoding is unambiguous.
        // An entry naming nobody but its subject, and no instance, hashes as entries did before either existed; with
        // an instance, the people field is always there (empty or not), so the two can never be taken for each other.
        return Data(fields.joined(separator: "\u{1F}").utf8)
    }
}

/// The append-only, hash-chained audit log: each entry's hash commits to the entry and to the hash before it,
/// so changing, removing or reordering any entry breaks every hash after it.
public enum AuditLog {
    /// The hash the first entry chains to.
    public static let genesis = String(repeating: "0", count: 64)

    /// The last entry's sequence number and hash: what the next entry chains to.
    public struct Tail: Sendable, Equatable {
        /// The last entry's sequence number (0 for an empty log).
        public var seq: Int64
        /// The last entry's hash (64 zeros for an empty log).
        public var hash: String

        /// A tail; by default an empty log's.
        public init(seq: Int64 = 0, hash: String = AuditLog.genesis) {
            self.seq = seq
            self.hash = hash
        }
    }

    /// `entry` as it is stored after `tail`: its `seq` and hashes set. Throws when a field holds a separator.
    /// Every store appends through this, so the chain is computed one way whatever holds it.
    public static func chained(_ entry: AuditEntry, after tail: Tail) throws -> AuditEntry {
        var e = entry
        let hashed =
            [
                e.messageID, e.type, e.sender, e.recipient, e.subject, e.reasonCode ?? "", e.basisReference ?? "", e.justification ?? "",
                e.actor ?? "", e.instance ?? "",
            ]
            + e.removedFields + e.people
        for s in hashed where s.utf8.contains(where: { $0 == 0x1F || $0 == 0x1E }) {
            throw AuditError("an audit field contains a separator character (U+001E or U+001F): remove it and try again")
        }
        e.seq = tail.seq + 1
        e.previousHash = tail.hash
        e.hash = Hex.encode(SHA256.hash(data: e.chainInput(previousHash: tail.hash)))
        return e
    }

    /// Appends within the caller's transaction; returns the stored entry.
    @discardableResult
    public static func append(_ entry: AuditEntry, in tx: any GatewayTransaction) throws -> AuditEntry {
        try tx.appendAudit(entry)
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
    public static func verify(_ tx: any GatewayTransaction) throws -> Verification {
        var previous = genesis
        var expectedSeq: Int64 = 1
        var n = 0
        var broken: Verification?
        try tx.forEachAuditEntry { e in
            n += 1
            if e.seq != expectedSeq {
                broken = Verification(entries: n, firstBroken: e.seq, problem: "entry \(expectedSeq) is missing")
            } else if e.previousHash != previous {
                broken = Verification(entries: n, firstBroken: e.seq, problem: "entry \(e.seq!) does not follow the one before it")
            } else if Hex.encode(SHA256.hash(data: e.chainInput(previousHash: previous))) != e.hash {
                broken = Verification(entries: n, firstBroken: e.seq, problem: "entry \(e.seq!) was changed after it was written")
            }
            previous = e.hash
            expectedSeq += 1
            return broken == nil
        }
        return broken ?? Verification(entries: n, firstBroken: nil, problem: nil)
    }

    /// Every entry about a person (subject access request): who received what, and what was refused, whether the
    /// person was the subject or named beside them (a child in a parent's referral, the perpetrator in a victim's).
    public static func trail(subject: String, in tx: any GatewayTransaction) throws -> [AuditEntry] {
        try tx.auditTrail(of: subject)
    }

    /// The latest `limit` entries, newest first.
    public static func entries(in tx: any GatewayTransaction, limit: Int = 1000) throws -> [AuditEntry] {
        try tx.latestAuditEntries(limit)
    }
}

/// An audit log problem.
public struct AuditError: Error, CustomStringConvertible {
    /// Why the entry could not be appended.
    public let description: String
    init(_ d: String) { description = d }
}
