import Contracts
import GRDB

/// A message applied from the gateway (table `inbox`): its id is applied once, whatever the broker redelivers.
public struct InboxEntry: StoreRecord, Sendable {
    public static let databaseTableName = "inbox"

    public var messageId: String
    public var type: MessageType
    public var sender: PartyID
    public var subject: URC
    public var receivedAt: Timestamp
    /// One line for staff (`inbox`): what arrived and what it came to, without personal details.
    public var summary: String

    /// The newest first.
    public static func newest(limit: Int) -> QueryInterfaceRequest<InboxEntry> {
        order(Column("received_at").desc, Column("rowid").desc).limit(limit)
    }
}
