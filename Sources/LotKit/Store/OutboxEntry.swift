import Contracts
import Foundation
import GRDB

/// A message a change caused (table `outbox`), written in the change's transaction; the worker signs and publishes
/// it with confirm after the commit, then marks it sent.
public struct OutboxEntry: StoreRecord, Sendable {
    public static let databaseTableName = "outbox"

    /// Its place in the outbox: messages are published in this order.
    public var seq: Int64?
    public var messageId: String
    public var type: MessageType
    public var recipient: PartyID
    public var subject: URC
    public var body: Data
    /// The rule or command that wrote it.
    public var cause: String
    public var createdAt: Timestamp
    /// nil until the broker confirmed it.
    public var sentAt: Timestamp?

    /// Up to `limit` unsent messages, oldest first.
    public static func pending(limit: Int) -> QueryInterfaceRequest<OutboxEntry> {
        filter(Column("sent_at") == nil).order(Column("seq")).limit(limit)
    }
}
