import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import Messaging
import TestSupport
import Testing

@testable import GatewayStorage

/// 10,000 generated messages through the real gateway and broker, valid ones mixed with subtly mismatched ones
/// (a body about someone else, a role the person was never seen in, a linked person in the wrong role, a consent
/// id of another person or recipient, a bad URC, a referrer that is not the sender). Each is decided as an oracle
/// written from the contract says, and no delivered body names a person the decision did not cover.
@Suite(.needsBroker) struct GatewayBindingPropertyTests {
    /// A household the gateway already knows: her, a child and him, with consents recorded.
    struct Household {
        var victim: URC, child: URC, perpetrator: URC
        var safehomeConsent: String, familyConsent: String
    }

    enum Kind: CaseIterable {
        case valid, validPerpetrator, freshChild, bodyAboutAnother, victimAsPerpetrator, perpetratorEnvelopeVictimBody
        case linkedInWrongRole, subjectAlsoLinked, consentOfAnother, consentForAnotherRecipient, badURC, referrerNotSender

        /// What the gateway must decide: delivered (nil) or refused with this code.
        var expected: ReasonCode? {
            switch self {
            case .valid, .validPerpetrator, .freshChild: return nil
            case .bodyAboutAnother, .perpetratorEnvelopeVictimBody: return .subjectMismatch
            case .victimAsPerpetrator, .linkedInWrongRole, .subjectAlsoLinked: return .subjectRoleConflict
            case .consentOfAnother, .consentForAnotherRecipient: return .noConsent
            case .badURC: return .invalidURC
            case .referrerNotSender: return .senderMismatch
            }
        }
    }

    @Test func tenThousandMixedEnvelopesAndBodiesNoneDeliveredBeyondItsDecision() async throws {
        let h = try await GatewayHarness(policy: Repo.backlogPolicy)
        var rng = SplitMix64(state: 0xB1D)
        let victims = try Repo.parties.allocator(for: .victim)
        let staff = Staff(name: "Sam Worker", role: "IDVA")
        func person(_ urc: URC) -> Person { Person(urc: urc, name: PersonName(given: "Jo", family: "Example")) }
        func child(_ urc: URC) -> Child {
            Child(urc: urc, name: PersonName(given: "Mia", family: "Example"), dateOfBirth: CalendarDate("2016-06-02")!)
        }
        func consent(_ subject: URC, _ recipient: PartyID, _ purpose: Purpose) throws -> (String, SignedMessage) {
            let id = UUID.randomLowercased()
            let record = ConsentRecord.given(
                consentId: id, recipients: [recipient], purposes: [purpose], givenAt: Timestamp().adding(seconds: -60),
                expiresAt: Timestamp().adding(seconds: 86_400), method: .written, recordedBy: Referrer(service: .victim, staff: staff))
            return (id, try h.message(record, from: .victim, to: .gateway, about: subject))
        }
        func referral(
            _ subject: URC, role: PersonRole = .victim, purpose: Purpose, consentID: String? = nil,
            household: Referral.Household? = nil, referrer: PartyID = .victim
        ) -> Referral {
            Referral(
                referralId: UUID.randomLowercased(), referredAt: Timestamp(), referrer: Referrer(service: referrer, staff: staff),
                sharing: Sharing(purpose: purpose, consentId: consentID), priority: .standard, reason: "Support",
                subject: person(subject), subjectRole: role, household: household,
                perpetratorProgramme: role == .perpetrator ? .init(selfReferral: false) : nil)
        }

        // The gateway learns 300 households: consents, then a referral to the family service naming all three.
        var households: [Household] = []
        var setup: [SignedMessage] = []
        for _ in 0..<300 {
            let (v, c, p) = (victims.allocate(), victims.allocate(), victims.allocate())
            let (safehome, m1) = try consent(v, .safehome, .housing)
            let (family, m2) = try consent(v, .family, .childSafeguarding)
            let (_, m3) = try consent(p, .perpetrator, .perpetratorIntervention)
            let known = referral(
                v, purpose: .childSafeguarding, consentID: family,
                household: .init(children: [child(c)], perpetrator: .init(urc: p)))
            setup += [m1, m2, m3, try h.message(known, from: .victim, to: .family, about: v)]
            households.append(Household(victim: v, child: c, perpetrator: p, safehomeConsent: safehome, familyConsent: family))
        }
        try await h.submit(setup)
        try await h.waitUntilProcessed(setup.count)
        _ = try await h.drain(900, from: .victim)  // the consents' acknowledgements
        _ = try await h.drain(300, from: .family)

        let total = Int(ProcessInfo.processInfo.environment["REFGW_PROPERTY_COUNT"] ?? "") ?? 10_000
        var expected: [String: ReasonCode?] = [:]
        var messages: [SignedMessage] = []
        var expectedDelivered: [PartyID: Int] = [:]
        for i in 0..<total {
            let kind = Kind.allCases[Int.random(in: 0..<Kind.allCases.count, using: &rng)]
            let a = households[Int.random(in: 0..<households.count, using: &rng)]
            var b = households[Int.random(in: 0..<households.count, using: &rng)]
            while b.victim == a.victim { b = households[Int.random(in: 0..<households.count, using: &rng)] }
            var body: Referral
            var to: PartyID = .safehome
            var about = a.victim
            switch kind {
            case .valid: body = referral(a.victim, purpose: .housing, consentID: i % 2 == 0 ? a.safehomeConsent : nil)
            case .validPerpetrator:
                body = referral(a.perpetrator, role: .perpetrator, purpose: .perpetratorIntervention)
                to = .perpetrator
                about = a.perpetrator
            case .freshChild: body = referral(a.victim, purpose: .housing, household: .init(children: [child(victims.allocate())]))
            case .bodyAboutAnother: body = referral(b.victim, purpose: .housing)
            case .victimAsPerpetrator:
                body = referral(a.victim, role: .perpetrator, purpose: .perpetratorIntervention)
                to = .perpetrator
            case .perpetratorEnvelopeVictimBody:
                body = referral(a.victim, role: .perpetrator, purpose: .perpetratorIntervention)
                to = .perpetrator
                about = a.perpetrator
            case .linkedInWrongRole: body = referral(a.victim, purpose: .housing, household: .init(children: [child(b.perpetrator)]))
            case .subjectAlsoLinked: body = referral(a.victim, purpose: .housing, household: .init(children: [child(a.victim)]))
            case .consentOfAnother: body = referral(a.victim, purpose: .housing, consentID: b.safehomeConsent)
            case .consentForAnotherRecipient: body = referral(a.victim, purpose: .housing, consentID: a.familyConsent)
            case .badURC:
                body = referral(a.victim, purpose: .housing)
            case .referrerNotSender: body = referral(a.victim, purpose: .housing, referrer: .family)
            }
            var m = try h.message(body, from: .victim, to: to, about: about)
            if kind == .badURC {
                // A child whose URC has its check symbol changed: still the schema's form.
                let good = victims.allocate().canonical
                var json = try JSONSerialization.jsonObject(with: m.body) as! [String: Any]
                json["household"] = [
                    "children": [
                        [
                            "urc": String(good.dropLast()) + (good.last == "0" ? "1" : "0"),
                            "name": ["given": "Mia", "family": "Example"], "dateOfBirth": "2016-06-02",
                        ]
                    ]
                ]
                m.body = try JSONSerialization.data(withJSONObject: json)
                h.signers[.victim]!.sign(&m.envelope, body: m.body)
            }
            expected[m.envelope.messageID] = kind.expected
            if kind.expected == nil { expectedDelivered[to, default: 0] += 1 }
            messages.append(m)
        }
        try await h.submit(messages)
        try await h.waitUntilProcessed(setup.count + total)

        // Every decision as the oracle says.
        let decided = try await h.store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT message_id, event, reason_code FROM audit WHERE event IN ('delivered', 'refused')")
                .map { ($0[0] as String, ($0[1] as String) == "refused" ? ($0[2] as String?) : nil) }
        }
        var outcomes: [String: String?] = [:]
        for (id, code) in decided { outcomes[id] = code }
        var wrong: [String] = []
        for (id, code) in expected where outcomes[id] != .some(code?.rawValue) {
            wrong.append("\(id): expected \(code?.rawValue ?? "delivered"), was \(outcomes[id].map { $0 ?? "delivered" } ?? "undecided")")
        }
        #expect(wrong.isEmpty, "\(wrong.count) decided otherwise: \(wrong.prefix(5).joined(separator: "; "))")

        // Every delivered body names only people its decision covered: the audited subject (the envelope's, with
        // a basis for it) and the people its audit entry names, each in the role the gateway knows them in.
        for (recipient, count) in expectedDelivered {
            let received = try await h.drain(count, from: recipient).filter { $0.properties.type == MessageType.referral.rawValue }
            #expect(received.count == count, "\(recipient) received \(received.count) of \(count)")
            try await h.store.database.read { (db: Database) throws -> Void in
                for d in received {
                    let (env, body) = try h.verified(d)
                    let entry = try #require(
                        try Row.fetchOne(
                            db,
                            sql: """
                                SELECT subject, basis, basis_reference, people FROM audit WHERE message_id = ? AND event = 'delivered'
                                """, arguments: [env.messageID]))
                    #expect(body.value(at: "subject.urc")?.stringValue == env.subject.canonical && (entry[0] as String) == env.subject.canonical)
                    if (entry[1] as String?) == "consent" {
                        let purpose = Purpose(rawValue: body.value(at: "sharing.purpose")?.stringValue ?? "")!
                        #expect(
                            try ConsentRegistry.check(
                                entry[2], subject: env.subject, recipient: recipient, purpose: purpose, at: Timestamp(), in: db.tx)
                                == .covered(consentID: entry[2]))
                    }
                    let people = (entry[3] as String?).map { try! JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
                    for child in body.value(at: "household.children")?.arrayValue ?? [] {
                        let urc = try URC(parsing: child["urc"]!.stringValue!)
                        #expect(people.contains("\(urc.canonical) child"), "a delivered child was not in its decision")
                        #expect(try PersonRegistry.known([urc], in: db.tx)[urc]?.role == .child)
                    }
                    let known = try PersonRegistry.known([env.subject], in: db.tx)[env.subject]?.role
                    #expect(known == PersonRole(rawValue: body["subjectRole"]?.stringValue ?? ""))
                    if recipient == .perpetrator { #expect(known == .perpetrator) }
                }
            }
        }
        await h.shutDown()
    }
}
