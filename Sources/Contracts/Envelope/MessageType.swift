/// The message types of the contract; each has a JSON Schema in `contracts/schemas/<rawValue>.schema.json`.
public enum MessageType: String, Sendable, Codable, CaseIterable {
    case referral
    case referralOutcome = "referral-outcome"
    case nonDeliveryReport = "non-delivery-report"
    case consent
    case maracReferral = "marac-referral"
    case maracActionPlan = "marac-action-plan"
    case maracActionUpdate = "marac-action-update"
    case safetyAlert = "safety-alert"

    /// The body schema version this code reads and writes.
    public var currentVersion: Int { 1 }
}
