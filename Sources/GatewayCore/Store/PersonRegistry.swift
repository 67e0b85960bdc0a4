import Contracts
import Foundation
import GRDB
import GatewayDecision

/// What the gateway knows of each person, by URC: the role it first delivered a message naming them in, and which
/// services hold them (the issuer of the URC, and every service the gateway delivered a message naming them to).
///
/// A person keeps their first role: a message naming them in a role the policy does not let follow it is refused
/// (`subject-role-conflict`), so a victim's URC cannot later travel as a perpetrator's.
public enum PersonRegistry {
    /// The role a person was first seen in, and where.
    public struct Known: Sendable, Equatable {
        /// The role the person was first named in, which later messages must fit.
        public var role: PersonRole
        /// The service that sent the first message naming them in that role.
        public var firstSeenBy: String
        /// That first message's id.
        public var firstMessageID: String
        /// When the gateway delivered that first message.
        public var firstSeenAt: Timestamp
    }

    /// The known roles of `urcs` (those the gateway has seen in a role).
    public static func known(_ urcs: [URC], in db: Database) throws -> [URC: Known] {
        var out: [URC: Known] = [:]
        for urc in urcs where out[urc] == nil {
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT role, first_seen_by, first_message_id, first_seen_at FROM person_role WHERE urc = ?
                            """), arguments: [urc.canonical])
            else { continue }
            guard let role = (row[0] as String?).flatMap(PersonRole.init(rawValue:)) else { continue }
            out[urc] = Known(role: role, firstSeenBy: row[1], firstMessageID: row[2], firstSeenAt: Timestamp(millisecondsSince1970: row[3]))
        }
        return out
    }

    /// Whether `party` holds the person: it issued the URC, or the gateway delivered a message naming them to it.
    public static func holds(_ party: PartyID, _ urc: URC, parties: PartyDirectory, in db: Database) throws -> Bool {
        if parties.party(issuing: urc) == party { return true }
        let holders = try String.fetchOne(db.cachedStatement(sql: "SELECT holders FROM person_role WHERE urc = ?"), arguments: [urc.canonical])
        return holders?.contains(" \(party.rawValue) ") ?? false
    }

    /// The services that hold a person besides its issuer (for `refgw person show`).
    public static func holders(of urc: URC, in db: Database) throws -> [String] {
        let holders = try String.fetchOne(db, sql: "SELECT holders FROM person_role WHERE urc = ?", arguments: [urc.canonical])
        return holders?.split(separator: " ").map(String.init) ?? []
    }

    /// The registry as one batch of decisions sees it: read once for the whole batch, changed in memory as each
    /// delivery is decided (a later message of the batch sees what an earlier one registered), written at the end
    /// in a few statements. A delivery used to cost a lookup and up to two writes a person; the batch costs one
    /// query, and one write a person whose row changed.
    final class Overlay: @unchecked Sendable {  // used by the one transaction that made it, never shared
        /// One person's row as the batch sees it; a class, changed in place.
        final class Entry {
            var role: PersonRole?
            let issuer: String
            var firstSeenBy: String
            var firstMessageID: String
            var firstSeenAt: Int64
            /// ' family safehome ': services the gateway delivered a message naming the person to.
            var holders: String
            var changed = false

            init(role: PersonRole?, issuer: String, firstSeenBy: String, firstMessageID: String, firstSeenAt: Int64, holders: String) {
                self.role = role
                self.issuer = issuer
                self.firstSeenBy = firstSeenBy
                self.firstMessageID = firstMessageID
                self.firstSeenAt = firstSeenAt
                self.holders = holders
            }
        }

        /// By canonical URC: read rows, and people read and found absent (nil).
        private var rows: [String: Entry?] = [:]
        private var changed: [(String, Entry)] = []
        /// Audit entries naming people beside their subject, indexed at the end: (URC, audit seq).
        var pendingIndex: [(String, Int64)] = []

        /// Reads the rows of `urcs` not read yet, in one query per 500.
        func load(_ urcs: [URC], in db: Database) throws {
            var missing: [String] = []
            for urc in urcs where rows[urc.canonical] == nil {
                rows[urc.canonical] = .some(nil)
                missing.append(urc.canonical)
            }
            for slice in missing.chunks(of: 500) {
                let found = try GRDB.Row.fetchCursor(
                    db,
                    SQLRequest<GRDB.Row>(
                        "SELECT urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders FROM person_role WHERE urc IN \(slice)"))
                while let r = try found.next() {
                    rows[r[0]] = .some(
                        Entry(
                            role: (r[1] as String?).flatMap(PersonRole.init(rawValue:)), issuer: r[2], firstSeenBy: r[3],
                            firstMessageID: r[4], firstSeenAt: r[5], holders: r[6]))
                }
            }
        }

        private func entry(_ urc: URC) -> Entry? { rows[urc.canonical] ?? nil }

        /// The known role of each of `urcs` (reading what is not read yet).
        func known(_ urcs: [URC], in db: Database) throws -> [URC: Known] {
            try load(urcs, in: db)
            var out: [URC: Known] = [:]
            for urc in urcs {
                guard let e = entry(urc), let role = e.role else { continue }
                out[urc] = Known(
                    role: role, firstSeenBy: e.firstSeenBy, firstMessageID: e.firstMessageID,
                    firstSeenAt: Timestamp(millisecondsSince1970: e.firstSeenAt))
            }
            return out
        }

        /// Whether `party` holds the person: it issued the URC, or a delivery naming them went to it.
        func holds(_ party: PartyID, _ urc: URC, parties: PartyDirectory, in db: Database) throws -> Bool {
            if parties.party(issuing: urc) == party { return true }
            try load([urc], in: db)
            return entry(urc)?.holders.contains(" \(party.rawValue) ") ?? false
        }

        /// A delivery: the roles `declared` where none was known (the first stays), and that `recipient` holds
        /// everyone `delivered`.
        func remember(
            declared: [BoundBody.Named], delivered: [URC], recipient: PartyID, seenBy sender: PartyID, messageID: String,
            parties: PartyDirectory, now: Timestamp, in db: Database
        ) throws {
            try load(declared.map(\.urc) + delivered, in: db)
            func entryMade(_ urc: URC) -> Entry {
                if let e = entry(urc) { return e }
                let e = Entry(
                    role: nil, issuer: parties.party(issuing: urc)?.rawValue ?? urc.issuer, firstSeenBy: sender.rawValue,
                    firstMessageID: messageID, firstSeenAt: now.millisecondsSince1970, holders: " ")
                rows[urc.canonical] = .some(e)
                return e
            }
            func touched(_ urc: URC, _ e: Entry) {
                if !e.changed {
                    e.changed = true
                    changed.append((urc.canonical, e))
                }
            }
            for p in declared {
                guard let role = p.role else { continue }
                let e = entryMade(p.urc)
                guard e.role == nil else { continue }
                e.role = role
                e.firstSeenBy = sender.rawValue
                e.firstMessageID = messageID
                e.firstSeenAt = now.millisecondsSince1970
                touched(p.urc, e)
            }
            let holder = " \(recipient.rawValue) "
            for urc in delivered {
                let e = entryMade(urc)
                guard !e.holders.contains(holder) else { continue }
                e.holders += "\(recipient.rawValue) "
                touched(urc, e)
            }
        }

        /// Writes every changed row and the pending audit index (one prepared statement each, run a row at a time:
        /// a statement of many rows is parsed anew for each batch, which cost more than the rows).
        func flush(in db: Database) throws {
            if !changed.isEmpty {
                let upsert = try db.cachedStatement(
                    sql: """
                        INSERT INTO person_role (urc, role, issuer, first_seen_by, first_message_id, first_seen_at, holders) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(urc) DO UPDATE SET role = excluded.role, first_seen_by = excluded.first_seen_by,
                            first_message_id = excluded.first_message_id, first_seen_at = excluded.first_seen_at, holders = excluded.holders
                        """)
                for (urc, e) in changed {
                    try upsert.execute(arguments: [urc, e.role?.rawValue, e.issuer, e.firstSeenBy, e.firstMessageID, e.firstSeenAt, e.holders])
                    e.changed = false
                }
                changed.removeAll()
            }
            if !pendingIndex.isEmpty {
                let index = try db.cachedStatement(sql: "INSERT INTO audit_person (urc, seq) VALUES (?, ?) ON CONFLICT DO NOTHING")
                for (urc, seq) in pendingIndex { try index.execute(arguments: [urc, seq]) }
                pendingIndex.removeAll()
            }
        }
    }

    /// Why a role could not be corrected.
    public struct CorrectionError: Error, CustomStringConvertible {
        /// Why the role was not corrected.
        public let description: String
    }

    /// Sets a person's role anew (an administrator correcting a role first given by mistake), audited under `by`
    /// with `reason` in the same transaction; returns the role it replaced.
    public static func correct(
        _ urc: URC, to role: PersonRole, by actor: String, reason: String, at now: Timestamp = Timestamp(),
        in db: Database
    ) throws -> PersonRole {
        guard let old = try known([urc], in: db)[urc]?.role else {
            throw CorrectionError(description: "the gateway has never delivered a message naming \(urc.canonical): there is no role to correct")
        }
        guard old != role else { throw CorrectionError(description: "\(urc.canonical) is already known as a \(role.rawValue)") }
        try db.execute(sql: "UPDATE person_role SET role = ? WHERE urc = ?", arguments: [role.rawValue, urc.canonical])
        try AuditLog.append(
            AuditEntry(
                at: now, event: .roleCorrected, messageID: "(none)", type: "person", sender: "gateway",
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
        /// Delivered between the right services about the same person: the reference holds.
        case found
        /// Delivered between these services, but about someone else (or in another case).
        case otherSubject
        /// Never delivered between these services.
        case unknown
    }

    /// Remembers what a delivered body carries.
    static func record(_ records: [DeliveredRecord], envelope env: Envelope, now: Timestamp, in db: Database) throws {
        for r in records {
            try db.cachedStatement(
                sql: """
                    INSERT INTO correspondence (kind, reference, sender, recipient, subject, case_id, message_id, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, reference, recipient) DO NOTHING
                    """
            ).execute(arguments: [
                r.kind.rawValue, r.id, env.sender.rawValue, env.recipient.rawValue, env.subject.canonical,
                r.caseID, env.messageID, now.millisecondsSince1970,
            ])
        }
    }

    /// Whether `reference`, used by a message from `sender` to `recipient` about `subject`, names something the
    /// gateway delivered as the reference's `between` requires.
    static func find(
        _ reference: BoundBody.ReferenceUse, sender: PartyID, recipient: PartyID, subject: URC,
        in db: Database
    ) throws -> Finding {
        let (s, r) = (sender.rawValue, recipient.rawValue)
        let condition: SQL
        switch reference.between {
        case .reply: condition = "sender = \(r) AND recipient = \(s)"
        case .either: condition = "((sender = \(s) AND recipient = \(r)) OR (sender = \(r) AND recipient = \(s)))"
        case .received: condition = "recipient = \(s)"
        case .any: condition = "1"
        }
        let rows = try Row.fetchAll(
            db,
            SQLRequest<Row>(
                "SELECT subject, case_id FROM correspondence WHERE kind = \(reference.kind.rawValue) AND reference = \(reference.id) AND \(condition)"
            ))
        guard !rows.isEmpty else { return .unknown }
        let matches = rows.contains { row in
            (row[0] as String) == subject.canonical && (reference.caseID == nil || (row[1] as String?) == reference.caseID)
        }
        return matches ? .found : .otherSubject
    }
}
