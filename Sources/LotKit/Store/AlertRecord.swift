import Contracts
import GRDB

/// A safety alert this service raised or received (table `alert`).
public struct AlertRecord: StoreRecord, Sendable {
    /// The table of safety alerts raised and received, one row per alert id.
    public static let databaseTableName = "alert"

    /// The alert's id, the same at the service that raised it and the one that received it.
    public var alertId: String
    /// Whether this service raised it or received it.
    public var direction: ReferralDirection
    /// The service it went to or came from.
    public var counterpart: PartyID
    /// The URC of the person the alert is about.
    public var subject: URC
    /// What happened: first contact overdue, perpetrator at the address, child protection, ...
    public var kind: SafetyAlert.Kind
    /// How fast the recipient must act: immediate, urgent or routine.
    public var severity: SafetyAlert.Severity
    /// When it was raised (by the sender's clock, for one received).
    public var at: Timestamp
    /// What is wrong, in one line, as staff see it in `case`.
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
