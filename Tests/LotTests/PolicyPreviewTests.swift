import Contracts
import Foundation
import TestSupport
import Testing

/// `refgw policy preview`: what an information-governance officer is shown is what the gateway would deliver.
@Suite("refgw policy preview")
struct PolicyPreviewTests {
    func preview(_ arguments: [String], body: String?) async throws -> (status: Int32, text: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("preview-\(UUID().uuidString.prefix(6)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try (body ?? "").write(to: file, atomically: true, encoding: .utf8)
        return try await Subprocess.output(
            of: ["\(try SystemHarness.binFolder())/refgw", "policy", "preview"] + arguments + [
                "--config", Repo.root.appendingPathComponent("config").path,
                "--contracts", Repo.root.appendingPathComponent("contracts").path, file.path,
            ])
    }

    func referral(motivation: String) throws -> String {
        let man = try Repo.parties.allocator(for: .victim).allocate()
        return """
            {"referralId":"0b8f5c1e-2f0a-4d6e-9a51-1a2b3c4d5e6f","referredAt":"2026-12-02T18:00:00Z",
             "referrer":{"service":"victim","staff":{"name":"Amira Khan","role":"IDVA"}},
             "sharing":{"purpose":"perpetrator-intervention"},"priority":"standard",
             "reason":"Asked for help to change","subjectRole":"perpetrator",
             "subject":{"urc":"\(man.canonical)","name":{"given":"Mark","family":"Example"}},
             "perpetratorProgramme":{"selfReferral":false,"motivation":"\(motivation)"}}
            """
    }

    @Test("toward the perpetrator service: the address is removed, the rest is shown, and what was removed is named")
    func perpetratorView() async throws {
        let r = try await preview(
            ["--type", "referral", "--to", "perpetrator", "--from", "victim"],
            body: try referral(motivation: "He wants to change. She is at 14 Elm Road, Leicester now."))
        #expect(r.status == 0, "\(r.text)")
        #expect(r.text.contains("He wants to change."))
        #expect(!r.text.contains("Elm") && !r.text.contains("Leicester"))
        #expect(!r.text.contains("Amira Khan"), "the referrer's staff are not for the programme")
        #expect(r.text.contains("removed: perpetratorProgramme.motivation (address removed from text)"))
    }

    @Test(
        "a mistake is one line naming what to do, and nothing is printed of the body",
        arguments: [
            (["--type", "referal", "--to", "perpetrator"], "is not a message type"),
            (["--type", "referral", "--to", "nobody"], "no-policy"),
            (["--type", "referral", "--to", "perpetrator", "--from", "family"], "does not let family send referral"),
        ])
    func mistakes(arguments: [String], expected: String) async throws {
        let r = try await preview(arguments, body: try referral(motivation: "He wants to change."))
        #expect(r.status == 1)
        #expect(r.text.contains(expected), "\(r.text)")
        #expect(r.text.split(separator: "\n").count == 1, "\(r.text)")
    }

    @Test("a body that is not valid for its type is refused as the gateway would refuse it")
    func invalidBody() async throws {
        let r = try await preview(["--type", "referral", "--to", "perpetrator"], body: "{\"referralId\": 1}")
        #expect(r.status == 1)
        #expect(r.text.hasPrefix("refgw: invalid-schema:"), "\(r.text)")
    }
}
