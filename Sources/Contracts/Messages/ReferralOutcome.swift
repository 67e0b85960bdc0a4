/// Where a referral stands, sent back by the service that received it.
public struct ReferralOutcome: MessageBody {
    /// The type this body travels as: `referral-outcome`.
    public static let messageType = MessageType.referralOutcome

    /// Where the referral stands.
    public enum Outcome: String, Codable, Sendable {
        /// The service took the referral on, or declined it (then `declineReason` is required).
        case accepted, declined
        /// The service reached the person.
        case contactMade = "contact-made"
        /// The service could not reach the person; the referrer should check that they are safe.
        case contactFailed = "contact-failed"
        /// The service's work on the referral is finished (the sanctuary scheme's with the works done).
        case completed
    }

    /// Why a referral was declined.
    public struct DeclineReason: Codable, Sendable, Equatable {
        /// The reason as a code, for the take-up and refusal counts of the quarterly reports.
        public enum Code: String, Codable, Sendable {
            /// The person does not meet the service's criteria (e.g. tenure, landlord permission, contact with the perpetrator).
            case notEligible = "not-eligible"
            /// The person does not live in the service's area; signpost to the local service.
            case outOfArea = "out-of-area"
            /// The person is under 18: a child protection referral is needed instead.
            case under18 = "under-18"
            /// The service cannot take the referral on now.
            case noCapacity = "no-capacity"
            /// The person did not want the service.
            case clientDeclined = "client-declined"
            /// The service already has this referral; or another reason, given in `text`.
            case duplicate, other
        }
        /// The reason's code; the only part of a decline the perpetrator service receives.
        public var code: Code
        /// The reason in words (up to 1,000 characters); absent when the code says it all.
        public var text: String?
        /// A decline reason, explained in words where the code is not enough.
        public init(code: Code, text: String? = nil) {
            self.code = code
            self.text = text
        }
    }

    /// One line of sanctuary works: an item from the scheme's list, how many, and the cost of one.
    public struct WorkItem: Codable, Sendable, Equatable {
        /// The scheme's item code (upper-case letters, digits and hyphens).
        public var code: String
        /// What the item is, in words (up to 200 characters); absent when the code suffices.
        public var description: String?
        /// How many were fitted (1–1,000).
        public var quantity: Int
        /// The cost of one, in pence.
        public var unitCostPence: Int
        /// A line of works, costing `quantity × unitCostPence` pence.
        public init(code: String, description: String? = nil, quantity: Int, unitCostPence: Int) {
            self.code = code
            self.description = description
            self.quantity = quantity
            self.unitCostPence = unitCostPence
        }
    }

    /// Sanctuary works done, for cost reporting.
    public struct Works: Codable, Sendable, Equatable {
        /// The items fitted, at least one.
        public var items: [WorkItem]
        /// Total cost of the works in pence: the sum of quantity × unit cost over the items.
        public var totalCostPence: Int
        /// When the works were completed.
        public var completedAt: Timestamp
        /// The works done, with the total computed from the items.
        public init(items: [WorkItem], completedAt: Timestamp) {
            self.items = items
            self.totalCostPence = items.reduce(0) { $0 + $1.quantity * $1.unitCostPence }
            self.completedAt = completedAt
        }
    }

    /// The referral this answers: one the gateway delivered from this message's recipient to its sender.
    public var referralId: String
    /// Where the referral now stands.
    public var outcome: Outcome
    /// When the outcome happened.
    public var at: Timestamp
    /// Why the referral was declined; required when `outcome` is `declined`.
    public var declineReason: DeclineReason?
    /// How many attempts were made to reach the person (0–100), with a contact made or failed.
    public var contactAttempts: Int?
    /// The works done and their cost, when the sanctuary scheme completes.
    public var works: Works?
    /// Anything else, as free text (up to 2,000 characters).
    public var note: String?

    /// An outcome, with a decline reason, contact attempts or works as the outcome calls for.
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
    /// The type this body travels as: `non-delivery-report`, written only by the gateway.
    public static let messageType = MessageType.nonDeliveryReport
    /// The refused message's id in lower case (`00000000-0000-0000-0000-000000000000` when it was no UUID).
    public var originalMessageId: String
    /// The refused message's `type` as sent: a string, as it may not be a type of the contract.
    public var originalType: String
    /// The party the refused message was addressed to.
    public var intendedRecipient: PartyID
    /// Why it was refused: a stable code from contracts/reason-codes.json.
    public var reasonCode: ReasonCode
    /// What went wrong and what to do; never personal data.
    public var reasonText: String
    /// When the gateway refused it.
    public var refusedAt: Timestamp

    /// A report; `reasonText` defaults to the reason code's explanation.
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
    /// The type this body travels as: `consent`, always sent to the gateway.
    public static let messageType = MessageType.consent
    /// Whether the record gives consent or withdraws it: `given` or `withdrawn`.
    public enum Status: String, Codable, Sendable { case given, withdrawn }
    /// How the person gave consent: `verbal`, `written` or `electronic`.
    public enum Method: String, Codable, Sendable { case verbal, written, electronic }

    /// Lower-case UUID naming the consent: used once, then named by its withdrawal and by `sharing.consentId`.
    public var consentId: String
    /// Whether this record gives consent or withdraws it.
    public var status: Status
    /// The services the person agreed may receive information (given only).
    public var recipients: [PartyID]?
    /// What the information may be shared for (given only).
    public var purposes: [Purpose]?
    /// When the person gave consent (given only).
    public var givenAt: Timestamp?
    /// When the consent lapses; must be in the future (given only).
    public var expiresAt: Timestamp?
    /// When the person withdrew consent (withdrawn only).
    public var withdrawnAt: Timestamp?
    /// How consent was given (given only).
    public var method: Method?
    /// The service and professional recording it; the service must be the sender.
    public var recordedBy: Referrer
    /// Anything else about the consent, as free text (up to 1,000 characters).
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
    /// The type this body travels as: `consent-acknowledgement`, written only by the gateway.
    public static let messageType = MessageType.consentAcknowledgement
    /// The message id of the consent record acknowledged.
    public var originalMessageId: String
    /// The consent the acknowledged record gave or withdrew.
    public var consentId: String
    /// Whether the registry now holds the consent as given or as withdrawn.
    public var status: ConsentRecord.Status
    /// When the gateway's registry took it; deliveries decided from then on use it.
    public var recordedAt: Timestamp

    /// An acknowledgement of the consent record with message id `originalMessageId`.
    public init(originalMessageId: String, consentId: String, status: ConsentRecord.Status, recordedAt: Timestamp) {
        self.originalMessageId = originalMessageId
        self.consentId = consentId
        self.status = status
        self.recordedAt = recordedAt
    }
}
