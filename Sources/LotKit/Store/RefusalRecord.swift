import Contracts
import GRDB

/// What the gateway refused of this service's messages, and why (table `refusal`, from non-delivery reports).
public struct RefusalRecord: StoreRecord, Sendable {
    public static let databaseTableName = "refusal"

    public var messageId: String
    public var originalType: String
    public var intendedRecipient: PartyID
    public var reasonCode: ReasonCode
    public var reasonText: String
    public var at: Timestamp
}
