import Contracts
import Foundation

/// What the gateway concluded about one incoming message before touching its database.
public struct Assessment: Sendable {
    /// The decision so far.
    public enum Verdict: Sendable {
        /// Refused outright (signature, schema, policy...).
        case refuse(Refusal)
        /// A consent record to keep in the registry.
        case recordConsent(ConsentRecord)
        /// Deliverable if the consent check (done in the transaction) allows it.
        case deliver(PreparedDelivery)
        /// An administrator's requests to decide kept dead letters again (done in the transaction).
        case replay([ReplayRequest])
    }

    /// The message as it was submitted.
    public var message: SubmittedMessage
    /// The envelope, when it could be read.
    public var envelope: Envelope?
    /// The sending party as the broker vouches for it (from `user_id`).
    public var brokerSender: PartyID?
    /// SHA-256 of sender, recipient, subject, type and body: tells the same message sent again from a reused id.
    public var fingerprint: String
    /// What to do with the message; a refusal until every check has passed.
    public var verdict: Verdict
    /// Whether the sender's signature was found good (the message may still be refused for what it says).
    public var signatureChecked = false
}

/// A redacted, gateway-signed message waiting for the checks that need the store (roles, references, consent).
public struct PreparedDelivery: Sendable {
    /// The policy entry that lets this sender send this type to this recipient.
    public var rule: SharingPolicy.Rule
    /// The purpose of the sharing (the body's `sharing.purpose`, or the entry's default), which a consent must cover.
    public var purpose: Purpose
    /// Set when the message invokes a lawful basis the policy allows this sender toward this recipient.
    public var lawfulBasis: LawfulBasis?
    /// The consent the message says it relies on (`sharing.consentId`): checked as exactly that consent.
    public var consentID: String?
    /// Names (never values) of what redaction removed, for the audit log.
    public var removedFields: [String]
    /// The recipient's redacted body, signed by the gateway, ready for its inbox.
    public var outgoing: SignedMessage
    /// Who the body as sent names and what it refers to (checked against the registries).
    public var bound: BoundBody
    /// Who the delivered body names, the subject first: whom the recipient holds once it is delivered.
    public var deliveredPeople: [BoundBody.Named]
    /// What the delivered body carries that later messages may refer to.
    public var records: [DeliveredRecord]
}

/// An identifier a delivered body carries, remembered so later messages can refer to it.
public struct DeliveredRecord: Sendable, Equatable {
    /// What the identifier names: a referral, a MARAC referral or a MARAC action.
    public var kind: MessageBindings.Kind
    /// The identifier itself (such as a `referralId`), as the delivered body carries it.
    public var id: String
    /// The MARAC case of an action.
    public var caseID: String?
}
