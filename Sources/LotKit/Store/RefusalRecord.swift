import Contracts
import GRDB

/// What the gateway refused of this service's messages, and why (table `refusal`, from non-delivery reports).
public struct RefusalRecord: StoreRecord, Sendable {
    /// The table of refusals, one per refused message id.
    public static let databaseTableName = "refusal"

    /// The id of this service's message that the gateway refused.
    public var messageId: String
    /// The refused message's type, as the report gives it (`referral`, `consent`, ...).
    public var originalType: String
    /// The party the message was for; it received nothing.
    public var intendedRecipient: PartyID
    /// Why the gateway refused it (`no-consent`, `bad-signature`, ...).
    public var reasonCode: ReasonCode
    /// The gateway's explanation, in a line.
    public var reasonText: String
    /// When this service applied the non-delivery report.
    public var at: Timestamp
}
