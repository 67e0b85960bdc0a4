import Contracts
import Foundation
import GRDB

/// What the gateway knows of each person, by URC: the role it first delivered a message naming them in, and which
/// services hold them (the issuer of the URC, and every service the gateway delivered a message naming them to).
///
/// A person keeps their first role: a message naming them in a role the policy does not let follow it is refused
/// (`subject-role-conflict`), so a victim's URC cannot later travel as a perpetrator's.
public enum PersonRegistry {
    /// The role a person was first seen in, and where.
    public struct Known: Sendable, Equatable {
        public var role: PersonRole
        public var firstSeenBy: String
        public var firstMessageID: String
        public var firstSeenAt: Timestamp
    }

    /// The known roles of `urcs` (those the gateway has seen).
    public static func known(_ urcs: [URC], in db: Database) throws -> [URC: Known] {
        var out: [URC: Known] = [:]
        for urc in urcs where out[urc] == nil {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT role, first_seen_by, first_message_id, first_seen_at FROM person_role WHERE urc = ?
                """), arguments: [urc.canonical]) else { continue }
            guard let role = PersonRole(rawValue: row[0]) else { continue }
            out[urc] = Known(role: role, firstSeenBy: row[1], firstMessageID: row[2], firstSeenAt: Timestamp(millisecondsSince1970: row[3]))
        }
        return out
    }

    /// Remembers the role of everyone named whose role the gateway did not know yet (the first one stays).
    static func register(_ people: [BoundBody.Named], seenBy sender: PartyID, messageID: String, parties: PartyDirectory,
                         now: Timestamp, in db: Database) throws {
        for p in people {
            guard let role = p.role else { continue }
            try db.cachedStatement(sql: """
                INSERT INTO person_role (urc, role, issuer, first_seen_by, first_message_id, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(urc) DO NOTHING
                """).execute(arguments: [p.urc.canonical, role.rawValue, parties.party(issuing: p.urc)?.rawValue ?? p.urc.issuer,
                                         sender.rawValue, messageID, now.millisecondsSince1970])
        }
    }

    /// Records that `party` now holds everyone in `urcs` (the gateway delivered a message naming them to it).
    static func recordHolder(_ party: PartyID, of urcs: [URC], now: Timestamp, in db: Database) throws {
        for urc in urcs {
            try db.cachedStatement(sql: "INSERT INTO person_holder (urc, party, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .execute(arguments: [urc.canonical, party.rawValue, now.millisecondsSince1970])
        }
    }

    /// Whether `party` holds the person: it issued the URC, or the gateway delivered a message naming them to it.
    public static func holds(_ party: PartyID, _ urc: URC, parties: PartyDirectory, in db: Database) throws -> Bool {
        if parties.party(issuing: urc) == party { return true }
        return try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM person_holder WHERE urc = ? AND party = ?"),
                                 arguments: [urc.canonical, party.rawValue]) ?? false
    }

    /// The services that hold a person besides its issuer, in the order they came to (for `refgw person`).
    public static func holders(of urc: URC, in db: Database) throws -> [(party: String, since: Timestamp)] {
        try Row.fetchAll(db, sql: "SELECT party, since FROM person_holder WHERE urc = ? ORDER BY since, party", arguments: [urc.canonical])
            .map { ($0[0], Timestamp(millisecondsSince1970: $0[1])) }
    }

    /// Why a role could not be corrected.
    public struct CorrectionError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sets a person's role anew (an administrator correcting a role first given by mistake), audited under `by`
    /// with `reason` in the same transaction; returns the role it replaced.
    public static func correct(_ urc: URC, to role: PersonRole, by actor: String, reason: String, at now: Timestamp = Timestamp(),
                               in db: Database) throws -> PersonRole {
        guard let old = try known([urc], in: db)[urc]?.role else {
            throw CorrectionError(description: "the gateway has never delivered a message naming \(urc.canonical): there is no role to correct")
        }
        guard old != role else { throw CorrectionError(description: "\(urc.canonical) is already known as a \(role.rawValue)") }
        try db.execute(sql: "UPDATE person_role SET role = ? WHERE urc = ?", arguments: [role.rawValue, urc.canonical])
        try AuditLog.append(AuditEntry(at: now, event: .roleCorrected, messageID: "(none)", type: "person", sender: "gateway",
                                       recipient: "gateway", subject: urc.canonical, basisReference: "\(old.rawValue) -> \(role.rawValue)",
                                       justification: reason, actor: actor), in: db)
        return old
    }
}

/// The referrals, MARAC referrals and MARAC actions the gateway delivered, so that an answer, a plan, an update
/// or an alert can be checked to refer to something it delivered between the right services about the same person.
public enum Correspondence {
    /// What the registry says of a reference.
    public enum Finding: Sendable, Equatable {
        case found
        /// Delivered between these services, but about someone else (or in another case).
        case otherSubject
        /// Never delivered between these services.
        case unknown
    }

    /// Remembers what a delivered body carries.
    static func record(_ records: [DeliveredRecord], envelope env: Envelope, now: Timestamp, in db: Database) throws {
        for r in records {
            try db.cachedStatement(sql: """
                INSERT INTO correspondence (kind, reference, sender, recipient, subject, case_id, message_id, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, reference, recipient) DO NOTHING
                """).execute(arguments: [r.kind.rawValue, r.id, env.sender.rawValue, env.recipient.rawValue, env.subject.canonical,
                                         r.caseID, env.messageID, now.millisecondsSince1970])
        }
    }

    /// Whether `reference`, used by a message from `sender` to `recipient` about `subject`, names something the
    /// gateway delivered as the reference's `between` requires.
    static func find(_ reference: BoundBody.ReferenceUse, sender: PartyID, recipient: PartyID, subject: URC,
                     in db: Database) throws -> Finding {
        let (s, r) = (sender.rawValue, recipient.rawValue)
        let condition: SQL
        switch reference.between {
        case .reply: condition = "sender = \(r) AND recipient = \(s)"
        case .either: condition = "((sender = \(s) AND recipient = \(r)) OR (sender = \(r) AND recipient = \(s)))"
        case .received: condition = "recipient = \(s)"
        case .any: condition = "1"
        }
        let rows = try Row.fetchAll(db, SQLRequest<Row>(
            "SELECT subject, case_id FROM correspondence WHERE kind = \(reference.kind.rawValue) AND reference = \(reference.id) AND \(condition)"))
        guard !rows.isEmpty else { return .unknown }
        let matches = rows.contains { row in
            (row[0] as String) == subject.canonical && (reference.caseID == nil || (row[1] as String?) == reference.caseID)
        }
        return matches ? .found : .otherSubject
    }
}
