import Contracts
import Foundation
import GRDB
import GatewayDecision

/// The consents people gave (and withdrew), as the services recorded them with the gateway.
public enum ConsentRegistry {
    /// What the registry says about one intended sharing.
    public enum Finding: Sendable, Equatable {
        /// A current consent covers it.
        case covered(consentID: String)
        /// A consent covered it but was withdrawn.
        case withdrawn(consentID: String)
        /// No consent covers it: none was given, or none is current at that time.
        case none
    }

    /// Records a `consent` message: a new consent, or the withdrawal of one.
    public static func record(_ record: ConsentRecord, subject: URC, recordedBy: PartyID, in db: Database) throws {
        switch record.status {
        case .given:
            try db.execute(
                sql: """
                    INSERT INTO consent (consent_id, subject, recipients, purposes, given_at, expires_at, withdrawn_at, recorded_by)
                    VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
                    ON CONFLICT(consent_id) DO NOTHING
                    """,
                arguments: [
                    record.consentId, subject.canonical,
                    (record.recipients ?? []).map(\.rawValue).joined(separator: " "),
                    (record.purposes ?? []).map(\.rawValue).joined(separator: " "),
                    record.givenAt?.millisecondsSince1970 ?? 0, record.expiresAt?.millisecondsSince1970 ?? 0,
                    recordedBy.rawValue,
                ])
        case .withdrawn:
            let at = record.withdrawnAt ?? Timestamp()
            // A withdrawal names the consent it ends; the subject must match so one person cannot end another's.
            try db.execute(
                sql: "UPDATE consent SET withdrawn_at = ? WHERE consent_id = ? AND subject = ? AND withdrawn_at IS NULL",
                arguments: [at.millisecondsSince1970, record.consentId, subject.canonical])
        }
    }

    /// Whether a current consent of `subject` covers `recipient` and `purpose` at `time`.
    public static func find(
        subject: URC, recipient: PartyID, purpose: Purpose, at time: Timestamp,
        in db: Database
    ) throws -> Finding {
        var withdrawn: String?
        // Columns by position: this runs for every message that needs consent, and looking each up by name cost
        // more than the rest of the check.
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT consent_id, recipients, purposes, given_at, expires_at, withdrawn_at FROM consent WHERE subject = ?
                    """), arguments: [subject.canonical])
        while let row = try rows.next() {
            let recipients = (row[1] as String).split(separator: " ")
            let purposes = (row[2] as String).split(separator: " ")
            guard recipients.contains(Substring(recipient.rawValue)), purposes.contains(Substring(purpose.rawValue)) else { continue }
            let given: Int64 = row[3]
            let expires: Int64 = row[4]
            guard given <= time.millisecondsSince1970, time.millisecondsSince1970 < expires else { continue }
            if (row[5] as Int64?) != nil {
                withdrawn = row[0]
                continue
            }
            return .covered(consentID: row[0])
        }
        return withdrawn.map { .withdrawn(consentID: $0) } ?? .none
    }

    /// A consent as the registry keeps it.
    public struct Recorded: Sendable, Equatable {
        /// The person the consent is of.
        public var subject: URC
        /// The service that recorded it, which alone may withdraw it unless the policy names others.
        public var recordedBy: String
        /// The services the person agreed their information may go to.
        public var recipients: [String]
        /// The purposes the person agreed it may be shared for.
        public var purposes: [String]
        /// When the person gave it; it covers nothing before.
        public var givenAt: Timestamp
        /// When it lapses; it covers nothing from then on.
        public var expiresAt: Timestamp
        /// When it was withdrawn; nil while it stands.
        public var withdrawnAt: Timestamp?
    }

    /// The consent `consentID`, whoever it is of.
    public static func recorded(_ consentID: String, in db: Database) throws -> Recorded? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT subject, recorded_by, recipients, purposes, given_at, expires_at, withdrawn_at FROM consent WHERE consent_id = ?
                        """), arguments: [consentID]), let subject = try? URC(parsing: row[0] as String)
        else { return nil }
        return Recorded(
            subject: subject, recordedBy: row[1], recipients: (row[2] as String).split(separator: " ").map(String.init),
            purposes: (row[3] as String).split(separator: " ").map(String.init),
            givenAt: Timestamp(millisecondsSince1970: row[4]), expiresAt: Timestamp(millisecondsSince1970: row[5]),
            withdrawnAt: (row[6] as Int64?).map { Timestamp(millisecondsSince1970: $0) })
    }

    /// Whether exactly the consent `consentID` of `subject` covers `recipient` and `purpose` at `time` (a message
    /// that names its consent is checked against that one, not any other the person gave).
    public static func check(
        _ consentID: String, subject: URC, recipient: PartyID, purpose: Purpose, at time: Timestamp,
        in db: Database
    ) throws -> Finding {
        guard let c = try recorded(consentID, in: db), c.subject == subject, c.recipients.contains(recipient.rawValue),
            c.purposes.contains(purpose.rawValue),
            c.givenAt.millisecondsSince1970 <= time.millisecondsSince1970, time.millisecondsSince1970 < c.expiresAt.millisecondsSince1970
        else { return .none }
        return c.withdrawnAt == nil ? .covered(consentID: consentID) : .withdrawn(consentID: consentID)
    }

    /// What became of one consent by `time`.
    public enum State: String, Sendable, Equatable {
        /// `current`: it covers that time; `withdrawn`; `expired` (or not yet given); `unknown`: no such consent of that subject.
        case current, withdrawn, expired, unknown
    }

    /// The state of the consent `consentID` of `subject` at `time` (for re-checking an earlier delivery).
    public static func state(of consentID: String, subject: URC, at time: Timestamp, in db: Database) throws -> State {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM consent WHERE consent_id = ? AND subject = ?",
                arguments: [consentID, subject.canonical])
        else { return .unknown }
        if (row["withdrawn_at"] as Int64?) != nil { return .withdrawn }
        let given: Int64 = row["given_at"]
        let expires: Int64 = row["expires_at"]
        return given <= time.millisecondsSince1970 && time.millisecondsSince1970 < expires ? .current : .expired
    }
}
