import Contracts
import GRDB

/// A safety alert this service raised or received (table `alert`).
public struct AlertRecord: StoreRecord, Sendable {
    public static let databaseTableName = "alert"

    public var alertId: String
    public var direction: ReferralDirection
    /// The service it went to or came from.
    public var counterpart: PartyID
    public var subject: URC
    public var kind: SafetyAlert.Kind
    public var severity: SafetyAlert.Severity
    public var at: Timestamp
    public var summary: String
    /// The referral or MARAC referral it is about.
    public var reference: String?
}

extension AlertRecord {
    /// The alerts about any of `people`, oldest first.
    public static func about(_ people: [URC]) -> QueryInterfaceRequest<AlertRecord> {
        filter(people.contains(Column("subject"))).order(Column("at"))
    }
}
