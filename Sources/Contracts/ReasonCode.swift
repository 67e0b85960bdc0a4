/// Stable codes for refused and dead-lettered messages (contracts/reason-codes.json). Never reuse or rename one:
/// senders' systems and administrators' reports key on them.
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    /// The signature does not verify, or the message carries none: altered, or signed with another key.
    case badSignature = "bad-signature"
    /// Signed with a key id the gateway does not trust: unknown, rotated out, or past its `notAfter`.
    case unknownKey = "unknown-key"
    /// The envelope's sender is not the publishing broker user or the key's owner, or the body names another writer.
    case senderMismatch = "sender-mismatch"
    /// A required AMQP property or `refgw-*` header is missing, malformed or not in canonical form.
    case invalidEnvelope = "invalid-envelope"
    /// The body does not validate against its type's JSON Schema in contracts/schemas.
    case invalidSchema = "invalid-schema"
    /// No current consent covers this recipient and purpose, and no lawful basis the policy allows stands in for it.
    case noConsent = "no-consent"
    /// The consent the sharing relied on was withdrawn; nothing relying on it is delivered after the withdrawal.
    case consentWithdrawn = "consent-withdrawn"
    /// The sharing policy has no entry letting this sender send this type to this recipient for this purpose (default deny).
    case noPolicy = "no-policy"
    /// The lawful basis given may not be invoked by this sender toward this recipient under the policy.
    case lawfulBasisNotAllowed = "lawful-basis-not-allowed"
    /// `refgw-sent-at` is outside the gateway's accepted window (clock skew, or an old message replayed).
    case expiredTimestamp = "expired-timestamp"
    /// A different message reuses a message id already processed (the same message sent again is simply not reapplied).
    case duplicateMessage = "duplicate-message"
    /// `refgw-recipient` is not a party on this gateway.
    case unknownRecipient = "unknown-recipient"
    /// The body, or the text the gateway must check toward the perpetrator service, is larger than the policy's limits.
    case oversized = "oversized"
    /// The message carries what may never reach this recipient and cannot be removed (e.g. in a name or a job title).
    case forbiddenContent = "forbidden-content"
    /// A URC in the envelope or body has the wrong form or check symbol, is the reserved 0000-0000-0000, or has no party's issuer.
    case invalidURC = "invalid-urc"
    /// The body, or what it refers to, is about someone other than the envelope's `refgw-subject`.
    case subjectMismatch = "subject-mismatch"
    /// A person is named in a role contradicting the one first seen, in two roles at once, or toward the perpetrator service
    /// when not known as a perpetrator.
    case subjectRoleConflict = "subject-role-conflict"
    /// The referral, MARAC referral or action the message answers was not delivered between these services about this person.
    case unknownReference = "unknown-reference"
    /// The sender may not record this consent (it does not hold the person) or withdraw it (another service recorded it).
    case consentNotPermitted = "consent-not-permitted"
    /// The consent record cannot be kept: bad recipients or purposes, an expiry not in the future, a reused id, or an unknown withdrawal.
    case invalidConsent = "invalid-consent"
    /// The gateway could not make a view valid for the recipient after redaction; the sharing policy needs review.
    case redactionFailed = "redaction-failed"
    /// Raised by a recipient's worker: it could not process the message, and an administrator has been told.
    case processingFailed = "processing-failed"
    /// Broker dead-letter reason: a consumer rejected the message without requeue.
    case rejected = "rejected"
    /// Broker dead-letter reason: the message's time to live ran out in a queue.
    case expired = "expired"
    /// Broker dead-letter reason (`maxlen` in `x-death`): a queue was at its length limit.
    case maxLength = "maxlen"
    /// Broker dead-letter reason: every delivery up to the quorum queue's delivery limit failed (`delivery_limit` in `x-death`).
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
