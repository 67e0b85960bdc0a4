import Contracts

/// A consent as the registry keeps it.
public struct StoredConsent: Sendable, Equatable {
    /// The consent's id, used once.
    public var consentID: String
    /// The person the consent is of.
    public var subject: URC
    /// The service that recorded it, which alone may withdraw it unless the policy names others.
    public var recordedBy: String
    /// The services the person agreed their information may go to.
    public var recipients: [String]
    /// The purposes the person agreed it may be shared for.
    public var purposes: [String]
    /// When the person gave it; it covers nothing before.
    public var givenAt: Timestamp
    /// When it lapses; it covers nothing from then on.
    public var expiresAt: Timestamp
    /// When it was withdrawn; nil while it stands.
    public var withdrawnAt: Timestamp?

    /// A consent with these terms.
    public init(
        consentID: String, subject: URC, recordedBy: String, recipients: [String], purposes: [String], givenAt: Timestamp,
        expiresAt: Timestamp, withdrawnAt: Timestamp? = nil
    ) {
        self.consentID = consentID
        self.subject = subject
        self.recordedBy = recordedBy
        self.recipients = recipients
        self.purposes = purposes
        self.givenAt = givenAt
        self.expiresAt = expiresAt
        self.withdrawnAt = withdrawnAt
    }

    /// Whether it covers `recipient` and `purpose` at `time` (withdrawn or not).
    public func covers(_ recipient: String, _ purpose: String, at time: Timestamp) -> Bool {
        recipients.contains(recipient) && purposes.contains(purpose) && givenAt.millisecondsSince1970 <= time.millisecondsSince1970
            && time.millisecondsSince1970 < expiresAt.millisecondsSince1970
    }
}
