import Contracts
import Foundation
@testable import GatewayCore
import Testing

/// Prints what the steps of an assessment cost (a measurement aid; asserts only that it ran).
@Suite struct AssessCostProbe {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["REFGW_PROBE"] != nil)) func stepCosts() throws {
        var g = MessageGenerator(seed: 1)
        let s = g.urcs.allocate()
        let body = try ContractJSON.encode(g.referral(to: .safehome, from: .victim, subject: s))
        let n = 2000
        func time(_ label: String, _ f: () throws -> Void) rethrows {
            let t = ContinuousClock.now
            for _ in 0..<n { try f() }
            let us = Double((ContinuousClock.now - t).components.attoseconds) / 1e12 / Double(n) + Double((ContinuousClock.now - t).components.seconds) * 1e6 / Double(n)
            print("PROBE \(label): \(String(format: "%.1f", us)) µs")
        }
        let json = try JSONParser.parse(body)
        try time("parse") { _ = try JSONParser.parse(body) }
        try time("validate") { try Repo.schemas.validate(json, as: .referral) }
        let rule = Repo.policy.rule(for: .perpetrator, type: .referral)!
        let red = Redactor(sensitiveTerms: Repo.policy.sensitiveTerms)
        time("redact (no scrub)") { _ = red.redact(json, allowed: rule.fields, scrubbing: nil) }
        time("redact + scrub") { _ = red.redact(json, allowed: rule.fields, scrubbing: Repo.schemas.freeTextPaths[.referral]) }
        time("write") { _ = JSONWriter.bytes(json) }
        let signer = MessageSigner.generate(keyID: "v", party: .victim)
        var env = Envelope(messageID: UUID().uuidString.lowercased(), type: .referral, sender: .victim, recipient: .safehome, subject: s, keyID: "v")
        time("sign") { signer.sign(&env, body: body) }
        let trust = try TrustStore(keys: [.init(keyID: "v", party: .victim, publicKey: signer.publicKey)])
        try time("verify") { try trust.verify(env, body: body, signedBy: .victim) }
        print("PROBE body \(body.count) bytes")
    }
}
