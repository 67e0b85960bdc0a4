import Contracts
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Every body the Swift code emits validates against its schema with an independent validator (Python's
/// `jsonschema`), and invalid bodies are refused by it.
@Suite struct SchemaConformanceTests {
    /// Ways to break a valid body, each of which the schema must refuse: (type, name, mutation).
    static let breakages: [(MessageType, String, @Sendable (inout [String: Any]) -> Void)] = [
        (.referral, "missing-reason", { $0["reason"] = nil }),
        (.referral, "unknown-field", { $0["favouriteColour"] = "blue" }),
        (.referral, "bad-priority", { $0["priority"] = "whenever" }),
        (
            .referral, "bad-subject-urc",
            {
                var s = $0["subject"] as! [String: Any]
                s["urc"] = "10bh-p5n4-0baa"
                $0["subject"] = s
            }
        ),
        (
            .referral, "bad-postcode",
            {
                var s = $0["subject"] as! [String: Any]
                s["address"] = ["lines": ["1 Road"], "postcode": "NOT A CODE"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "dash-23-answers",
            {
                var r = $0["risk"] as! [String: Any]
                var d = r["dash"] as! [String: Any]
                d["answers"] = Array((d["answers"] as! [Any]).prefix(23))
                r["dash"] = d
                $0["risk"] = r
            }
        ),
        (
            .referral, "dash-question-25",
            {
                var r = $0["risk"] as! [String: Any]
                var d = r["dash"] as! [String: Any]
                var a = d["answers"] as! [[String: Any]]
                a[0]["question"] = 25
                d["answers"] = a
                r["dash"] = d
                $0["risk"] = r
            }
        ),
        (.referral, "bad-date-time", { $0["referredAt"] = "21/11/2026" }),
        // Names, titles and codes cannot carry text.
        (
            .referral, "digits-in-a-name",
            {
                var s = $0["subject"] as! [String: Any]
                s["name"] = ["given": "Jo 07700", "family": "Example"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "at-sign-in-a-name",
            {
                var s = $0["subject"] as! [String: Any]
                s["name"] = ["given": "jo@example", "family": "Example"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "newline-after-a-name",
            {
                var s = $0["subject"] as! [String: Any]
                s["name"] = ["given": "Jo\n", "family": "Example"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "double-space-in-a-name",
            {
                var s = $0["subject"] as! [String: Any]
                s["name"] = ["given": "Jo  Ann", "family": "Example"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "gender-as-text",
            {
                var s = $0["subject"] as! [String: Any]
                s["gender"] = "female, at 14 Elm Road"
                $0["subject"] = s
            }
        ),
        (
            .referral, "language-as-text",
            {
                var s = $0["subject"] as! [String: Any]
                s["language"] = "English"
                $0["subject"] = s
            }
        ),
        (
            .referral, "disability-as-text",
            {
                var s = $0["subject"] as! [String: Any]
                s["disabilities"] = ["uses a wheelchair at 14 Elm Road"]
                $0["subject"] = s
            }
        ),
        (
            .referral, "relationship-as-text",
            {
                var h = $0["household"] as! [String: Any]
                var p = h["perpetrator"] as! [String: Any]
                p["relationship"] = "ex, lives at 3 Mill Lane"
                h["perpetrator"] = p
                $0["household"] = h
            }
        ),
        (
            .referral, "digits-in-a-job-title",
            {
                var r = $0["referrer"] as! [String: Any]
                r["staff"] = ["name": "Sam Worker", "role": "IDVA 07700 900123"]
                $0["referrer"] = r
            }
        ),
        (
            .referralOutcome, "declined-without-reason",
            {
                $0["outcome"] = "declined"
                $0["declineReason"] = nil
            }
        ),
        (
            .referralOutcome, "negative-cost",
            {
                var w = $0["works"] as! [String: Any]
                w["totalCostPence"] = -1
                $0["works"] = w
            }
        ),
        (.nonDeliveryReport, "missing-reason-code", { $0["reasonCode"] = nil }),
        (.consent, "given-without-recipients", { $0["recipients"] = nil }),
        (.consent, "bad-purpose", { $0["purposes"] = ["gossip"] }),
        (
            .consent, "withdrawn-without-time",
            {
                $0["status"] = "withdrawn"
                $0["withdrawnAt"] = nil
            }
        ),
        (.maracReferral, "no-criteria", { $0["criteria"] = [] as [String] }),
        (
            .maracReferral, "short-justification",
            {
                var s = $0["sharing"] as! [String: Any]
                var l = s["lawfulBasis"] as! [String: Any]
                l["justification"] = "because"
                s["lawfulBasis"] = l
                $0["sharing"] = s
            }
        ),
        (.maracReferral, "no-consent-no-reason", { $0["noConsentReason"] = nil }),
        (.maracActionPlan, "no-actions", { $0["actions"] = [] as [Any] }),
        (
            .maracActionPlan, "bad-status",
            {
                var a = $0["actions"] as! [[String: Any]]
                a[0]["status"] = "sort-of"
                $0["actions"] = a
            }
        ),
        (.maracActionUpdate, "bad-action-id", { $0["actionId"] = "action-5" }),
        (.safetyAlert, "bad-kind", { $0["kind"] = "weather" }),
        (.safetyAlert, "bad-severity", { $0["severity"] = "whenever" }),
        (.consentAcknowledgement, "no-consent-id", { $0["consentId"] = nil }),
        (
            .referralOutcome, "lower-case-item-code",
            {
                var w = $0["works"] as! [String: Any]
                var items = w["items"] as! [[String: Any]]
                items[0]["code"] = "lock at 14 elm road"
                w["items"] = items
                $0["works"] = w
            }
        ),
    ]

    @Test func swiftBodiesValidateAndBrokenOnesAreRefused() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-schemas-\(UUID().uuidString.prefix(8))")
        let valid = root.appendingPathComponent("valid")
        let invalid = root.appendingPathComponent("invalid")
        try FileManager.default.createDirectory(at: valid, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: invalid, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }

        let samples = Samples.all
        #expect(Set(samples.map(\.0)) == Set(MessageType.allCases), "a sample for every message type")
        for (type, name, body) in samples {
            try body.write(to: valid.appendingPathComponent("\(type.rawValue).\(name).json"))
            // The Swift types read back what they wrote.
            let decoded = try JSONDecoder().decode(type.bodyType, from: body)
            #expect(try ContractJSON.encode(decoded) == body)
        }
        for (type, name, mutate) in Self.breakages {
            let source = samples.first { $0.0 == type }!.2
            var json = try JSONSerialization.jsonObject(with: source) as! [String: Any]
            mutate(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: invalid.appendingPathComponent("\(type.rawValue).\(name).json"))
        }

        let (status, output) = try await run(
            "python3", Repository.root.appendingPathComponent("contracts/tools/validate.py").path,
            "--schemas", Repository.root.appendingPathComponent("contracts/schemas").path,
            "--valid", valid.path, "--invalid", invalid.path)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(samples.count + Self.breakages.count) passed, 0 failed"), "\(output)")
    }

    /// Runs a program found on the PATH; its exit status and combined output.
    private func run(_ arguments: String...) async throws -> (Int32, String) {
        try await Subprocess.output(of: ["/usr/bin/env"] + arguments)
    }
}
