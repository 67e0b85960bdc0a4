/// Where a referral stands, sent back by the service that received it.
public struct ReferralOutcome: MessageBody {
    public static let messageType = MessageType.referralOutcome

    public enum Outcome: String, Codable, Sendable {
        case accepted, declined
        case contactMade = "contact-made"
        case contactFailed = "contact-failed"
        case completed
    }

    public struct DeclineReason: Codable, Sendable, Equatable {
        public enum Code: String, Codable, Sendable {
            case notEligible = "not-eligible"
            case outOfArea = "out-of-area"
            case under18 = "under-18"
            case noCapacity = "no-capacity"
            case clientDeclined = "client-declined"
            case duplicate, other
        }
        public var code: Code
        public var text: String?
        public init(code: Code, text: String? = nil) {
            self.code = code
            self.text = text
        }
    }

    public struct WorkItem: Codable, Sendable, Equatable {
        public var code: String
        public var description: String?
        public var quantity: Int
        public var unitCostPence: Int
        public init(code: String, description: String? = nil, quantity: Int, unitCostPence: Int) {
            self.code = code
            self.description = description
            self.quantity = quantity
            self.unitCostPence = unitCostPence
        }
    }

    /// Sanctuary works done, for cost reporting.
    public struct Works: Codable, Sendable, Equatable {
        public var items: [WorkItem]
        public var totalCostPence: Int
        public var completedAt: Timestamp
        public init(items: [WorkItem], completedAt: Timestamp) {
            self.items = items
            self.totalCostPence = items.reduce(0) { $0 + $1.quantity * $1.unitCostPence }
            self.completedAt = completedAt
        }
    }

    public var referralId: String
    public var outcome: Outcome
    public var at: Timestamp
    public var declineReason: DeclineReason?
    public var contactAttempts: Int?
    public var works: Works?
    public var note: String?

    public init(
        referralId: String, outcome: Outcome, at: Timestamp, declineReason: DeclineReason? = nil,
        contactAttempts: Int? = nil, works: Works? = nil, note: String? = nil
    ) {
        self.referralId = referralId
        self.outcome = outcome
        self.at = at
        self.declineReason = declineReason
        self.contactAttempts = contactAttempts
        self.works = works
        self.note = note
    }
}

/// Sent by the gateway to a sender whose message it refused.
public struct NonDeliveryReport: MessageBody {
    public static let messageType = MessageType.nonDeliveryReport
    public var originalMessageId: String
    public var originalType: String
    public var intendedRecipient: PartyID
    public var reasonCode: ReasonCode
    /// What went wrong and what to do; never personal data.
    public var reasonText: String
    public var refusedAt: Timestamp

    public init(
        originalMessageId: String, originalType: String, intendedRecipient: PartyID, reasonCode: ReasonCode,
        reasonText: String? = nil, refusedAt: Timestamp
    ) {
        self.originalMessageId = originalMessageId
        self.originalType = originalType
        self.intendedRecipient = intendedRecipient
        self.reasonCode = reasonCode
        self.reasonText = reasonText ?? reasonCode.explanation
        self.refusedAt = refusedAt
    }
}

/// A person's consent to share information about them (the envelope's subject), or its withdrawal.
public struct ConsentRecord: MessageBody {
    public static let messageType = MessageType.consent
    public enum Status: String, Codable, Sendable { case given, withdrawn }
    public enum Method: String, Codable, Sendable { case verbal, written, electronic }

    public var consentId: String
    public var status: Status
    public var recipients: [PartyID]?
    public var purposes: [Purpose]?
    public var givenAt: Timestamp?
    public var expiresAt: Timestamp?
    public var withdrawnAt: Timestamp?
    public var method: Method?
    public var recordedBy: Referrer
    public var notes: String?

    /// Consent given to `recipients` for `purposes` until `expiresAt`.
    public static func given(
        consentId: String, recipients: [PartyID], purposes: [Purpose], givenAt: Timestamp,
        expiresAt: Timestamp, method: Method, recordedBy: Referrer
    ) -> ConsentRecord {
        ConsentRecord(
            consentId: consentId, status: .given, recipients: recipients, purposes: purposes, givenAt: givenAt,
            expiresAt: expiresAt, withdrawnAt: nil, method: method, recordedBy: recordedBy, notes: nil)
    }

    /// Withdrawal of consent `consentId`.
    public static func withdrawn(consentId: String, at: Timestamp, recordedBy: Referrer) -> ConsentRecord {
        ConsentRecord(
            consentId: consentId, status: .withdrawn, recipients: nil, purposes: nil, givenAt: nil,
            expiresAt: nil, withdrawnAt: at, method: nil, recordedBy: recordedBy, notes: nil)
    }
}

/// The gateway's answer to a consent record it kept: the registry now holds it (or its withdrawal). A record
/// the gateway refused is answered with a `NonDeliveryReport` instead.
public struct ConsentAcknowledgement: MessageBody {
    public static let messageType = MessageType.consentAcknowledgement
    /// The message id of the consent record acknowledged.
    public var originalMessageId: String
    public var consentId: String
    public var status: ConsentRecord.Status
    /// When the gateway's registry took it; deliveries decided from then on use it.
    public var recordedAt: Timestamp

    public init(originalMessageId: String, consentId: String, status: ConsentRecord.Status, recordedAt: Timestamp) {
        self.originalMessageId = originalMessageId
        self.consentId = consentId
        self.status = status
        self.recordedAt = recordedAt
    }
}
