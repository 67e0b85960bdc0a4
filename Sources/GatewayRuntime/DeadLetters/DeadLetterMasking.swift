import Foundation
import GatewayDecision

/// What an administrator sees of a dead letter's body by default: its shape, identifiers and codes, with every
/// other text value masked, so that looking at a failure never puts a person's details on the screen.
public enum DeadLetterMasking {
    /// Keys whose values are identifiers, codes or times, never personal data.
    public static let visibleKeys: Set<String> = [
        "referralId", "maracReferralId", "caseId", "actionId", "alertId", "consentId", "originalMessageId", "urc",
        "referredAt", "at", "raisedAt", "updatedAt", "completedAt", "givenAt", "expiresAt", "withdrawnAt", "decidedAt",
        "refusedAt", "meetingDate", "nextMeetingDate", "dueDate", "purpose", "code", "status", "outcome", "kind",
        "severity", "priority", "subjectRole", "service", "level", "tenure", "landlordPermission", "needs", "criteria",
        "recipients", "purposes", "method", "owner", "reasonCode", "originalType", "intendedRecipient", "answer", "question",
    ]

    /// The body with text values masked (the JSON shape, numbers and booleans kept); a body that is not JSON is
    /// described, not shown.
    public static func masked(_ body: Data) -> String {
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return "(\(body.count) bytes, not JSON: use --reveal to see them)"
        }
        let out = mask(value, key: nil)
        let data =
            (try? JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func mask(_ value: Any, key: String?) -> Any {
        switch value {
        case let d as [String: Any]:
            return d.reduce(into: [String: Any]()) { $0[$1.key] = mask($1.value, key: $1.key) }
        case let a as [Any]:
            return a.map { mask($0, key: key) }
        case let s as String:
            if let key, visibleKeys.contains(key) { return s }
            return String(repeating: "•", count: min(max(s.count, 3), 8))
        default:
            return value
        }
    }
}
