import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import Messaging
import TestSupport
import Testing

@testable import GatewayStorage

/// Every refusal reason: the sender gets a signed non-delivery report with the reason code, the original goes
/// to dead-letters with the reason in a header, nothing reaches the recipient, and the gateway carries on.
@Suite(.needsBroker) struct GatewayRefusalTests {
    static let urcs = try! URCAllocator(issuer: "10")

    static func referral(subject: URC, purpose: Purpose = .housing, reason: String = "Needs a move") -> Referral {
        Referral(
            referralId: UUID().uuidString.lowercased(), referredAt: Timestamp(),
            referrer: Referrer(service: .victim, staff: Staff(name: "Sam Idva", role: "IDVA")),
            sharing: Sharing(purpose: purpose), priority: .high, reason: reason,
            subject: Person(
                urc: subject, name: PersonName(given: "Jo", family: "Example"),
                address: PostalAddress(lines: ["1 High Street"], postcode: "LE2 3AB")),
            subjectRole: .victim)
    }

    /// Sends `message` (as `publisher`), then checks the report, the dead letter, and that a good referral still goes through.
    func expectRefusal(
        _ code: ReasonCode, reportTo: PartyID = .victim, harness h: GatewayHarness,
        send: () async throws -> String?
    ) async throws {
        let messageID = try await send()
        let reports = try await h.take(1, from: h.names.inbox(reportTo))
        let report = try #require(reports.first, "no non-delivery report for \(code.rawValue)")
        let (env, body) = try h.verified(report)
        #expect(env.type == .nonDeliveryReport && env.sender == .gateway && env.recipient == reportTo)
        #expect(body["reasonCode"]?.stringValue == code.rawValue)
        if let messageID { #expect(body["originalMessageId"]?.stringValue == messageID) }
        let dead = try #require(try await h.take(1, from: h.names.deadLetterQueue).first, "no dead letter for \(code.rawValue)")
        #expect(dead.properties.headers["refgw-reason"]?.stringValue == code.rawValue)
        if let messageID { #expect(dead.properties.messageID == messageID) }
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 0.5).isEmpty, "a refused message reached the recipient")

        // Still running: a proper referral with consent is delivered.
        let subject = Self.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        try await h.submit([try h.message(Self.referral(subject: subject), from: .victim, to: .safehome, about: subject)])
        let delivered = try #require(
            try await h.take(1, from: h.names.inbox(.safehome)).first, "the gateway stopped delivering after \(code.rawValue)")
        #expect(try h.verified(delivered).0.subject == subject)
    }

    @Test func badSignature() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.badSignature, harness: h) {
            let s = Self.urcs.allocate()
            var m = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            m.body = Data(String(decoding: m.body, as: UTF8.self).replacingOccurrences(of: "Needs a move", with: "Needs a MOVE").utf8)
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func unknownKey() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.unknownKey, harness: h) {
            let s = Self.urcs.allocate()
            let rogue = MessageSigner.generate(keyID: "victim-not-in-trust-file", party: .victim)
            let m = try SignedMessage.make(Self.referral(subject: s), to: .safehome, about: s, signer: rogue)
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func userIDOfAnotherService() async throws {
        let h = try await GatewayHarness()
        // Signed by victim's key but published by the family service's broker user: the report goes to family.
        try await expectRefusal(.senderMismatch, reportTo: .family, harness: h) {
            let s = Self.urcs.allocate()
            let m = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            try await h.submit([m], as: .family)
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func invalidSchema() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.invalidSchema, harness: h) {
            let s = Self.urcs.allocate()
            var json = try JSONSerialization.jsonObject(with: try ContractJSON.encode(Self.referral(subject: s))) as! [String: Any]
            json["reason"] = nil
            json["favouriteColour"] = "blue"
            let body = try JSONSerialization.data(withJSONObject: json)
            var env = Envelope(
                messageID: UUID().uuidString.lowercased(), type: .referral, sender: .victim, recipient: .safehome, subject: s, keyID: "")
            h.signers[.victim]!.sign(&env, body: body)
            try await h.submit([SignedMessage(envelope: env, body: body)])
            return env.messageID
        }
        await h.shutDown()
    }

    @Test func noConsent() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.noConsent, harness: h) {
            let s = Self.urcs.allocate()
            let m = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func withdrawnConsent() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.consentWithdrawn, harness: h) {
            let s = Self.urcs.allocate()
            let consent = try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
            let first = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            try await h.submit([first])
            #expect(try await h.take(1, from: h.names.inbox(.safehome)).count == 1, "delivered while consent stood")
            try await h.withdrawConsent(consent, from: .victim, subject: s)
            let second = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            try await h.submit([second])
            return second.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func expiredTimestamp() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.expiredTimestamp, harness: h) {
            let s = Self.urcs.allocate()
            let m = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s, sentAt: Timestamp().adding(seconds: -3600))
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func reusedMessageID() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.duplicateMessage, harness: h) {
            let s = Self.urcs.allocate()
            try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
            let first = try h.message(Self.referral(subject: s), from: .victim, to: .safehome, about: s)
            try await h.submit([first])
            #expect(try await h.take(1, from: h.names.inbox(.safehome)).count == 1)
            // The very same message again (a sender's retry) is absorbed silently...
            try await h.submit([first])
            // ...a different message under the same id is refused.
            let other = try h.message(
                Self.referral(subject: s, reason: "Something else"), from: .victim, to: .safehome, about: s,
                sentAt: Timestamp())
            var reused = other
            reused.envelope.messageID = first.envelope.messageID
            h.signers[.victim]!.sign(&reused.envelope, body: reused.body)
            try await h.submit([reused])
            return first.envelope.messageID
        }
        #expect(h.service.statistics.duplicates == 1)
        await h.shutDown()
    }

    @Test func unknownRecipient() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.unknownRecipient, harness: h) {
            let s = Self.urcs.allocate()
            let m = try h.message(Self.referral(subject: s), from: .victim, to: PartyID(rawValue: "police")!, about: s)
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }

    @Test func oversizedMessage() async throws {
        let h = try await GatewayHarness()
        try await expectRefusal(.oversized, harness: h) {
            let s = Self.urcs.allocate()
            var r = Self.referral(subject: s)
            r.notes = String(repeating: "x", count: 300_000)
            let m = try h.message(r, from: .victim, to: .safehome, about: s)
            try await h.submit([m])
            return m.envelope.messageID
        }
        await h.shutDown()
    }
}
