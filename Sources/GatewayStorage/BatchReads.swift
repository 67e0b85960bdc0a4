import Contracts

/// What a batch of decisions is about to read, handed to its transaction first (`GatewayTransaction.prepare`) so
/// that a store whose every statement costs a round trip can read it all in one statement a table.
public struct BatchReads: Sendable, Equatable {
    /// The message ids the batch looks up in the seen-message ledger.
    public var messageIDs: [String] = []
    /// The people whose consents the batch checks.
    public var consentSubjects: [URC] = []
    /// The identifiers (kind, reference) whose correspondence the batch checks.
    public var correspondence: [CorrespondenceKey] = []

    /// Nothing to read ahead.
    public init() {}

    /// Whether there is nothing to read ahead.
    public var isEmpty: Bool { messageIDs.isEmpty && consentSubjects.isEmpty && correspondence.isEmpty }
}

/// An identifier in the correspondence registry: a referral, MARAC referral or action id, of its kind.
public struct CorrespondenceKey: Sendable, Hashable {
    /// The kind of identifier (`CorrespondenceRecord.kind`).
    public var kind: String
    /// The identifier.
    public var reference: String

    /// The key of `reference`, of `kind`.
    public init(kind: String, reference: String) {
        self.kind = kind
        self.reference = reference
    }
}

extension GatewayTransaction {
    /// Reads nothing ahead: a store whose reads are local (SQLite) answers each as fast as it would from memory.
    public func prepare(for reads: BatchReads) throws {}
}
