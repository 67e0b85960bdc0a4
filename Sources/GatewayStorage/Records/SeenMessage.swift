import Contracts

/// A message id the gateway decided, with what tells the same message from another one under the same id.
public struct SeenMessage: Sendable, Equatable {
    /// The message's id: decided once, whatever arrives under it again.
    public var messageID: String
    /// The sending party the envelope named.
    public var sender: String
    /// SHA-256 of sender, recipient, subject, type and body: the same message again, or a reused id?
    public var fingerprint: String
    /// When the gateway decided it.
    public var processedAt: Timestamp
    /// The audit entry of its latest delivery; nil when it was not delivered.
    public var deliveredSeq: Int64?

    /// A seen message as the ledger remembers it.
    public init(messageID: String, sender: String, fingerprint: String, processedAt: Timestamp, deliveredSeq: Int64? = nil) {
        self.messageID = messageID
        self.sender = sender
        self.fingerprint = fingerprint
        self.processedAt = processedAt
        self.deliveredSeq = deliveredSeq
    }
}
