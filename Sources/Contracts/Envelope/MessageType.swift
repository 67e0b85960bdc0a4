/// The message types of the contract; each has a JSON Schema in `contracts/schemas/<rawValue>.schema.json`.
public enum MessageType: String, Sendable, Codable, CaseIterable {
    /// A request that another service supports a person.
    case referral
    /// The receiving service's answer to a referral: accepted, declined, contact made or failed, completed.
    case referralOutcome = "referral-outcome"
    /// The gateway's report to a sender that it refused a message, with the reason code.
    case nonDeliveryReport = "non-delivery-report"
    /// A consent given or withdrawn, sent to the gateway's consent registry.
    case consent
    /// The gateway's confirmation that its registry kept a consent record.
    case consentAcknowledgement = "consent-acknowledgement"
    /// A high-risk case referred to the MARAC coordinator; never reaches the perpetrator service.
    case maracReferral = "marac-referral"
    /// The actions agreed at a MARAC meeting, sent to the agencies that own them.
    case maracActionPlan = "marac-action-plan"
    /// An owning service's report to the coordinator on one MARAC action.
    case maracActionUpdate = "marac-action-update"
    /// Something the recipient must act on now.
    case safetyAlert = "safety-alert"

    /// The body schema version this code reads and writes.
    public var currentVersion: Int { 1 }

    /// The `refgw-type-version`s of this type the contract lists (contracts/envelope.md); any other is refused.
    public var supportedVersions: Set<Int> { [1] }

    /// Whether only the gateway writes this type (services never submit it, and the policy has no entry for it).
    public var isGatewayOnly: Bool { self == .nonDeliveryReport || self == .consentAcknowledgement }
}
