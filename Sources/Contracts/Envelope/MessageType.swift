/// The message types of the contract; each has a JSON Schema in `contracts/schemas/<rawValue>.schema.json`.
public enum MessageType: String, Sendable, Codable, CaseIterable {
    case referral
    case referralOutcome = "referral-outcome"
    case nonDeliveryReport = "non-delivery-report"
    case consent
    case consentAcknowledgement = "consent-acknowledgement"
    case maracReferral = "marac-referral"
    case maracActionPlan = "marac-action-plan"
    case maracActionUpdate = "marac-action-update"
    case safetyAlert = "safety-alert"

    /// The body schema version this code reads and writes.
    public var currentVersion: Int { 1 }

    /// The `refgw-type-version`s of this type the contract lists (contracts/envelope.md); any other is refused.
    public var supportedVersions: Set<Int> { [1] }

    /// Whether only the gateway writes this type (services never submit it, and the policy has no entry for it).
    public var isGatewayOnly: Bool { self == .nonDeliveryReport || self == .consentAcknowledgement }
}
