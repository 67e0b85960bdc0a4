import Contracts
import Foundation
import TestSupport
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// Every delivered body is valid for its recipient: over every (type, recipient) pair the policy allows, bodies
/// generated from the schema files (every optional field sometimes, every enum value) are redacted and signed as
/// the gateway does, and each result validates against that recipient's published view with Python's
/// `jsonschema` (an implementation independent of the gateway's), and decodes as the Swift type a worker reads.
@Suite struct RecipientViewPropertyTests {
    @Test func everyRedactedBodyIsValidForItsRecipient() async throws {
        let decider = try GatewayDecider(
            policy: Repo.policy, schemas: Repo.schemas, trust: try TrustStore(keys: []), parties: Repo.parties,
            signer: MessageSigner.generate(keyID: "gateway-test", party: .gateway), replayUser: "refgw-deadletters")
        var g = SchemaInstanceGenerator(seed: 0x5C4E, documents: Repo.schemas.documents)
        let perPair = Int(ProcessInfo.processInfo.environment["REFGW_VIEW_COUNT"] ?? "") ?? 300
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-views-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        var written: [PartyID: Int] = [:]
        var refused: [String: Int] = [:]
        for rule in Repo.policy.allRules {
            let folder = root.appendingPathComponent(rule.recipient.rawValue)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for n in 0..<perPair {
                let body = try g.instance(of: rule.type)
                try Repo.schemas.validate(body, as: rule.type)  // the generator itself keeps to the contract
                let subjectPath = Repo.schemas.bindings.binding(for: rule.type).subject?.urc
                let subject = try subjectPath.flatMap { body.values(at: $0).first?.stringValue }.map { try URC(parsing: $0) } ?? g.urcs.allocate()
                let envelope = Envelope(
                    messageID: UUID.randomLowercased(), type: rule.type, sender: g.pick(Array(rule.senders)),
                    recipient: rule.recipient, subject: subject, keyID: "x")
                let view: GatewayDecider.View
                do { view = try decider.redactAndSign(body, envelope: envelope, rule: rule, now: Timestamp()) } catch {
                    // Text the perpetrator service may not have is refused; anything else is a failure of the view.
                    #expect(error.code != .redactionFailed, "\(rule.recipient) \(rule.type.rawValue): \(error)")
                    refused[error.code.rawValue, default: 0] += 1
                    continue
                }
                _ = try JSONDecoder().decode(rule.type.bodyType, from: view.message.body)
                try view.message.body.write(to: folder.appendingPathComponent("\(rule.type.rawValue).\(n).json"))
                written[rule.recipient, default: 0] += 1
            }
        }
        // Refused: plans sent to an agency that owns none of their actions, and text the guard would not deliver.
        #expect(Set(refused.keys).isSubset(of: [ReasonCode.forbiddenContent.rawValue]), "\(refused)")
        for (recipient, count) in written {
            let (status, output) = try await Subprocess.output(of: [
                "/usr/bin/env", "python3", Repo.root.appendingPathComponent("contracts/tools/validate.py").path,
                "--schemas", Repo.root.appendingPathComponent("contracts/views/\(recipient.rawValue)").path,
                "--valid", root.appendingPathComponent(recipient.rawValue).path,
            ])
            #expect(
                status == 0 && output.contains("\(count) passed, 0 failed"),
                "\(recipient): \(output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.prefix(5))")
        }
        #expect(written.values.reduce(0, +) >= Repo.policy.allRules.count * perPair * 8 / 10, "\(written) \(refused)")
    }

    @Test func thePublishedViewsAreTheOnesThePolicyMakes() throws {
        let decider = try GatewayDecider(
            policy: Repo.policy, schemas: Repo.schemas, trust: try TrustStore(keys: []), parties: Repo.parties,
            signer: MessageSigner.generate(keyID: "gateway-test", party: .gateway), replayUser: "refgw-deadletters")
        let folder = Repo.root.appendingPathComponent("contracts/views")
        var expected = Set<String>()
        for view in decider.views.all {
            let relative = "\(view.recipient.rawValue)/\(view.type.rawValue).schema.json"
            expected.insert(relative)
            let published = try? String(contentsOf: folder.appendingPathComponent(relative), encoding: .utf8)
            #expect(published == JSONWriter.pretty(view.schema), "\(relative) is not current: run `refgw policy views` and commit it")
        }
        let present = Set(
            (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".schema.json") })
        #expect(present == expected, "views without a policy entry: \(present.subtracting(expected))")
    }
}
