import Contracts

/// What the gateway knows of one person, by URC: the role it first delivered a message naming them in, and which
/// services it delivered such a message to.
public struct PersonRecord: Sendable, Equatable {
    /// The person's URC, canonical.
    public var urc: String
    /// The role they were first named in; nil until a delivered message said.
    public var role: PersonRole?
    /// The party whose issuer code the URC carries (the code itself when no party has it).
    public var issuer: String
    /// The party whose delivered message first named them (in their role, once known).
    public var firstSeenBy: String
    /// That message's id.
    public var firstMessageID: String
    /// When the gateway delivered it.
    public var firstSeenAt: Timestamp
    /// The services a message naming them was delivered to, in the order they first received one.
    public var holders: [String]

    /// A person's row.
    public init(
        urc: String, role: PersonRole?, issuer: String, firstSeenBy: String, firstMessageID: String, firstSeenAt: Timestamp,
        holders: [String]
    ) {
        self.urc = urc
        self.role = role
        self.issuer = issuer
        self.firstSeenBy = firstSeenBy
        self.firstMessageID = firstMessageID
        self.firstSeenAt = firstSeenAt
        self.holders = holders
    }
}

extension PersonRecord {
    /// The holders as both stores keep them: ' family safehome ', a holder found by its name between spaces.
    package var holdersColumn: String { " " + holders.map { "\($0) " }.joined() }

    /// The holders read back from `holdersColumn`'s form.
    package static func holders(fromColumn text: String) -> [String] { text.split(separator: " ").map(String.init) }
}

/// A referral, MARAC referral or MARAC action the gateway delivered: what answers, plans, updates and alerts refer to.
public struct CorrespondenceRecord: Sendable, Equatable {
    /// `referral`, `marac-referral` or `marac-action`.
    public var kind: String
    /// Its `referralId`, `maracReferralId` or `actionId`.
    public var reference: String
    /// The party that sent the delivery carrying it.
    public var sender: String
    /// The party it was delivered to.
    public var recipient: String
    /// The URC the delivery was about, canonical.
    public var subject: String
    /// A MARAC action's case.
    public var caseID: String?
    /// The delivered message's id.
    public var messageID: String
    /// When it was delivered.
    public var at: Timestamp

    /// A delivered identifier.
    public init(
        kind: String, reference: String, sender: String, recipient: String, subject: String, caseID: String?,
        messageID: String, at: Timestamp
    ) {
        self.kind = kind
        self.reference = reference
        self.sender = sender
        self.recipient = recipient
        self.subject = subject
        self.caseID = caseID
        self.messageID = messageID
        self.at = at
    }
}
