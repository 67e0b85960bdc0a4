import Contracts
import Foundation
import GRDB

/// What the gateway made of a consent this service recorded.
public enum ConsentRegistration: String, Codable, Sendable, DatabaseValueConvertible {
    /// Acknowledged: the gateway decides with it.
    case registered
    /// Refused: the gateway will not share on it.
    case refused
}

/// A consent this service recorded and sent to the gateway's registry (table `consent`).
public struct HeldConsent: StoreRecord, Sendable {
    /// The table of consents this service recorded, one row per consent id.
    public static let databaseTableName = "consent"

    /// The consent's id, the same in the gateway's registry; `consent --withdraw` takes it.
    public var consentId: String
    /// The URC of the person who gave the consent.
    public var subject: URC
    /// The services it allows sharing with, space-separated.
    public var recipients: String
    /// The purposes it covers, space-separated.
    public var purposes: String
    /// When staff recorded it; it covers no message before then.
    public var givenAt: Timestamp
    /// When it lapses: `--days` after it was given, else `consentDays` from config/lots.yaml.
    public var expiresAt: Timestamp
    /// When the person withdrew it; nil while it stands. A withdrawal stops every later delivery that relied on it.
    public var withdrawnAt: Timestamp?
    /// nil until the gateway answers.
    public var gatewayStatus: ConsentRegistration?
    /// The reason code and text of a refusal, or of a refused withdrawal.
    public var gatewayDetail: String?

    /// Whether it names `recipient` and `purpose`.
    public func covers(_ recipient: PartyID, _ purpose: Purpose) -> Bool {
        recipients.split(separator: " ").contains(Substring(recipient.rawValue))
            && purposes.split(separator: " ").contains(Substring(purpose.rawValue))
    }
}

extension HeldConsent {
    /// The consents recorded for `subject`, oldest first.
    public static func of(_ subject: URC) -> QueryInterfaceRequest<HeldConsent> {
        filter(Column("subject") == subject).order(Column("given_at"))
    }
}
