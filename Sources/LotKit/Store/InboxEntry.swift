import Contracts
import GRDB

/// A message applied from the gateway (table `inbox`): its id is applied once, whatever the broker redelivers.
public struct InboxEntry: StoreRecord, Sendable {
    /// The table of applied messages: its key, the message id, is what makes a redelivery a duplicate.
    public static let databaseTableName = "inbox"

    /// The envelope's message id: a second delivery of it is acknowledged and changes nothing.
    public var messageId: String
    /// The message type its envelope gave (`referral`, `marac-action-plan`, `non-delivery-report`, ...).
    public var type: MessageType
    /// The party the message came from, as its envelope names it.
    public var sender: PartyID
    /// The URC of the person the message is about.
    public var subject: URC
    /// When this service applied it (the transaction's time, not the sender's).
    public var receivedAt: Timestamp
    /// One line for staff (`inbox`): what arrived and what it came to, without personal details.
    public var summary: String

    /// The newest first.
    public static func newest(limit: Int) -> QueryInterfaceRequest<InboxEntry> {
        order(Column("received_at").desc, Column("rowid").desc).limit(limit)
    }
}
