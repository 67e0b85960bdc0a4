import Contracts
import Foundation

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
    public static func record(_ record: ConsentRecord, subject: URC, recordedBy: PartyID, in tx: any GatewayTransaction) throws {
        switch record.status {
        case .given:
            try tx.addConsent(
                StoredConsent(
                    consentID: record.consentId, subject: subject, recordedBy: recordedBy.rawValue,
                    recipients: (record.recipients ?? []).map(\.rawValue), purposes: (record.purposes ?? []).map(\.rawValue),
                    givenAt: record.givenAt ?? Timestamp(millisecondsSince1970: 0),
                    expiresAt: record.expiresAt ?? Timestamp(millisecondsSince1970: 0)))
        case .withdrawn:
            // A withdrawal names the consent it ends; the subject must match so one person cannot end another's.
            try tx.withdrawConsent(record.consentId, of: subject, at: record.withdrawnAt ?? Timestamp())
        }
    }

    /// Whether a current consent of `subject` covers `recipient` and `purpose` at `time`.
    public static func find(
        subject: URC, recipient: PartyID, purpose: Purpose, at time: Timestamp,
        in tx: any GatewayTransaction
    ) throws -> Finding {
        var withdrawn: String?
        for c in try tx.consents(of: subject) where c.covers(recipient.rawValue, purpose.rawValue, at: time) {
            guard c.withdrawnAt == nil else {
                withdrawn = c.consentID
                continue
            }
            return .covered(consentID: c.consentID)
        }
        return withdrawn.map { .withdrawn(consentID: $0) } ?? .none
    }

    /// The consent `consentID`, whoever it is of.
    public static func recorded(_ consentID: String, in tx: any GatewayTransaction) throws -> StoredConsent? {
        try tx.consent(consentID)
    }

    /// Whether exactly the consent `consentID` of `subject` covers `recipient` and `purpose` at `time` (a message
    /// that names its consent is checked against that one, not any other the person gave).
    public static func check(
        _ consentID: String, subject: URC, recipient: PartyID, purpose: Purpose, at time: Timestamp,
        in tx: any GatewayTransaction
    ) throws -> Finding {
        guard let c = try tx.consent(consentID), c.subject == subject, c.covers(recipient.rawValue, purpose.rawValue, at: time) else {
            return .none
        }
        return c.withdrawnAt == nil ? .covered(consentID: consentID) : .withdrawn(consentID: consentID)
    }

    /// What became of one consent by `time`.
    public enum State: String, Sendable, Equatable {
        /// `current`: it covers that time; `withdrawn`; `expired` (or not yet given); `unknown`: no such consent of that subject.
        case current, withdrawn, expired, unknown
    }

    /// The state of the consent `consentID` of `subject` at `time` (for re-checking an earlier delivery).
    public static func state(of consentID: String, subject: URC, at time: Timestamp, in tx: any GatewayTransaction) throws -> State {
        guard let c = try tx.consent(consentID), c.subject == subject else { return .unknown }
        if c.withdrawnAt != nil { return .withdrawn }
        let t = time.millisecondsSince1970
        return c.givenAt.millisecondsSince1970 <= t && t < c.expiresAt.millisecondsSince1970 ? .current : .expired
    }
}
