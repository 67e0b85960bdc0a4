/// Stable codes for refused and dead-lettered messages (contracts/reason-codes.json). Never reuse or rename one:
/// senders' systems and administrators' reports key on them.
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    case badSignature = "bad-signature"
    case unknownKey = "unknown-key"
    case senderMismatch = "sender-mismatch"
    case invalidEnvelope = "invalid-envelope"
    case invalidSchema = "invalid-schema"
    case noConsent = "no-consent"
    case consentWithdrawn = "consent-withdrawn"
    case noPolicy = "no-policy"
    case lawfulBasisNotAllowed = "lawful-basis-not-allowed"
    case expiredTimestamp = "expired-timestamp"
    case duplicateMessage = "duplicate-message"
    case unknownRecipient = "unknown-recipient"
    case oversized = "oversized"
    case forbiddenContent = "forbidden-content"
    case invalidURC = "invalid-urc"
    case subjectMismatch = "subject-mismatch"
    case subjectRoleConflict = "subject-role-conflict"
    case unknownReference = "unknown-reference"
    case consentNotPermitted = "consent-not-permitted"
    case invalidConsent = "invalid-consent"
    case redactionFailed = "redaction-failed"
    case processingFailed = "processing-failed"
    case rejected = "rejected"
    case expired = "expired"
    case maxLength = "maxlen"
    case deliveryLimit = "delivery-limit"

    /// A one-line explanation without personal data, suitable for a non-delivery report.
    public var explanation: String {
        switch self {
        case .badSignature:
            return "The signature does not match the message: it was altered, or signed with a key the gateway does not hold for the sender."
        case .unknownKey: return "The message was signed with a key id the gateway does not trust (unknown, rotated out or expired)."
        case .senderMismatch: return "The sender named in the message is not the broker user or key owner that sent it."
        case .invalidEnvelope: return "A required envelope property or header is missing or malformed."
        case .invalidSchema: return "The body does not match the message type's JSON Schema in contracts/schemas."
        case .noConsent: return "No current consent covers this recipient and purpose, and no lawful basis the policy allows was given."
        case .consentWithdrawn: return "The person withdrew the consent this sharing relied on."
        case .noPolicy: return "The sharing policy has no entry for this recipient and message type: nothing is shared by default."
        case .lawfulBasisNotAllowed: return "The lawful basis given may not be invoked by this sender toward this recipient under the policy."
        case .expiredTimestamp: return "The message's sent-at time is outside the accepted window (clock skew, or a replayed old message)."
        case .duplicateMessage: return "A message with this id was already processed; it is not applied twice."
        case .unknownRecipient: return "The recipient is not a party on this gateway."
        case .oversized:
            return
                "The message is larger than the gateway accepts: its body, or, toward a recipient whose text the gateway checks (the perpetrator service), the text it would have to read."
        case .forbiddenContent: return "The message contains information that may never reach this recipient."
        case .invalidURC:
            return
                "A URC in the envelope or the body is not valid: wrong form, wrong check symbol, the reserved 0000-0000-0000, or an issuer code that is no party's."
        case .subjectMismatch:
            return
                "The body is about someone other than the envelope's refgw-subject: the gateway decides on, audits and delivers only the one checked subject."
        case .subjectRoleConflict:
            return
                "A person is named in a role that contradicts the role the gateway first saw them in, holds two roles in one message, or is not known as a perpetrator in a message to the perpetrator service."
        case .unknownReference:
            return
                "The message answers or refers to a referral, MARAC referral or action that the gateway did not deliver between these services about this person."
        case .consentNotPermitted:
            return
                "The sender may not record or withdraw this consent: it holds no record of the person, or another service recorded the consent and the policy does not let this one withdraw it."
        case .invalidConsent:
            return
                "The consent record cannot be kept: an unknown or own recipient, a purpose no recipient named is shared for, an expiry not in the future, a consent id already used, or a withdrawal of a consent the gateway does not hold for this person."
        case .redactionFailed:
            return
                "The gateway could not make a copy of the message that is valid for the recipient after removing what it may not see; the policy (config/sharing-policy.yaml) needs review."
        case .processingFailed: return "The recipient could not process the message; an administrator has been told."
        case .rejected: return "A consumer rejected the message."
        case .expired: return "The message's time to live ran out in a queue."
        case .maxLength: return "A queue was full."
        case .deliveryLimit: return "Processing failed on every delivery attempt."
        }
    }
}
