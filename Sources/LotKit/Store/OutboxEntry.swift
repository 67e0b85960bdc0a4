import Contracts
import Foundation
import GRDB

/// A message a change caused (table `outbox`), written in the change's transaction; the worker signs and publishes
/// it with confirm after the commit, then marks it sent.
public struct OutboxEntry: StoreRecord, Sendable {
    /// The transactional outbox: written with the change that caused each message, published after it commits.
    public static let databaseTableName = "outbox"

    /// Its place in the outbox: messages are published in this order.
    public var seq: Int64?
    /// The id the envelope will carry; recipients dedupe on it, so publishing it twice is harmless.
    public var messageId: String
    /// The body's message type.
    public var type: MessageType
    /// The party it is for: a service, the MARAC coordinator, or the gateway itself (consent records).
    public var recipient: PartyID
    /// The URC of the person it is about, for the envelope.
    public var subject: URC
    /// The body as JSON; it is signed when published, not when written.
    public var body: Data
    /// The rule or command that wrote it.
    public var cause: String
    /// When the change that caused it was made.
    public var createdAt: Timestamp
    /// nil until the broker confirmed it.
    public var sentAt: Timestamp?

    /// Up to `limit` unsent messages that may go now, oldest first. A message about a person waits while a consent
    /// record about them written before it is unanswered by the gateway: several gateways take messages in
    /// parallel, and a referral decided before its consent (or before its withdrawal) would be decided wrongly.
    public static func pending(limit: Int) -> QueryInterfaceRequest<OutboxEntry> {
        filter(Column("sent_at") == nil)
            .filter(
                sql: """
                    NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.type = 'consent' AND earlier.answered_at IS NULL
                        AND earlier.subject = outbox.subject AND earlier.seq < outbox.seq)
                    """
            )
            .order(Column("seq")).limit(limit)
    }
}
