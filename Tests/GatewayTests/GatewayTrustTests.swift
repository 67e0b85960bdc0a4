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

/// The holes an outside agency found, each over the real broker: the envelope bound to the body, consent
/// authority, a strict envelope, and bodies valid for their recipients. Each refusal carries its reason code and
/// a report to the sender, and the gateway goes on delivering.
@Suite(.needsBroker) struct GatewayTrustTests {
    static let victimURCs = try! Repo.parties.allocator(for: .victim)
    static let staff = Staff(name: "Sam Worker", role: "IDVA")

    static func referral(
        about subject: Person, role: Referral.SubjectRole = .victim, purpose: Purpose, from sender: PartyID = .victim,
        consentID: String? = nil, household: Referral.Household? = nil
    ) -> Referral {
        Referral(
            referralId: UUID.randomLowercased(), referredAt: Timestamp(), referrer: Referrer(service: sender, staff: staff),
            sharing: Sharing(purpose: purpose, consentId: consentID), priority: .high, reason: "Needs support",
            subject: subject, subjectRole: role, household: household,
            perpetratorProgramme: role == .perpetrator ? .init(selfReferral: false, motivation: "Wants to change") : nil)
    }

    static func person(_ urc: URC, _ given: String = "Jo") -> Person {
        Person(
            urc: urc, name: PersonName(given: given, family: "Example"),
            address: PostalAddress(lines: ["1 High Street"], postcode: "LE2 3AB"))
    }

    /// The sender's next inbox message: a signed non-delivery report with `code` about `messageID`.
    func expectReport(
        _ code: ReasonCode, about messageID: String?, to sender: PartyID = .victim, harness h: GatewayHarness,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let report = try #require(
            try await h.take(1, from: h.names.inbox(sender)).first, "no report for \(code.rawValue)", sourceLocation: sourceLocation)
        let (env, body) = try h.verified(report)
        #expect(env.type == .nonDeliveryReport && env.recipient == sender, sourceLocation: sourceLocation)
        #expect(body["reasonCode"]?.stringValue == code.rawValue, "\(body["reasonText"]?.stringValue ?? "")", sourceLocation: sourceLocation)
        if let messageID { #expect(body["originalMessageId"]?.stringValue == messageID, sourceLocation: sourceLocation) }
        let dead = try #require(try await h.take(1, from: h.names.deadLetterQueue).first, sourceLocation: sourceLocation)
        #expect(dead.properties.headers["refgw-reason"]?.stringValue == code.rawValue, sourceLocation: sourceLocation)
    }

    /// A good referral still goes through: the gateway carries on after a refusal.
    func expectStillDelivering(_ h: GatewayHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let s = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        try await h.submit([try h.message(Self.referral(about: Self.person(s), purpose: .housing), from: .victim, to: .safehome, about: s)])
        let delivered = try #require(
            try await h.take(1, from: h.names.inbox(.safehome)).first, "the gateway stopped delivering", sourceLocation: sourceLocation)
        #expect(try h.verified(delivered).0.subject == s, sourceLocation: sourceLocation)
    }

    // MARK: The envelope bound to the body

    @Test("a body about someone other than the envelope's subject is refused subject-mismatch, and nothing about either is delivered")
    func bodyAboutSomeoneElse() async throws {
        let h = try await GatewayHarness()
        let consented = Self.victimURCs.allocate()
        let other = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: consented, recipients: [.family], purposes: [.childSafeguarding])
        let m = try h.message(Self.referral(about: Self.person(other), purpose: .childSafeguarding), from: .victim, to: .family, about: consented)
        try await h.submit([m])
        try await expectReport(.subjectMismatch, about: m.envelope.messageID, harness: h)
        #expect(try await h.take(1, from: h.names.inbox(.family), timeout: 0.5).isEmpty)
        try await h.store.database.read { (db: Database) throws -> Void in
            #expect(try AuditLog.trail(subject: other.canonical, in: db.tx).isEmpty)
            #expect(try AuditLog.trail(subject: consented.canonical, in: db.tx).map(\.event) == [.consentGiven, .refused])
        }
        try await expectStillDelivering(h)
        await h.shutDown()
    }

    @Test("a victim's URC sent to the perpetrator service as a perpetrator's is refused, under the perpetrator's envelope and under her own")
    func victimDressedAsPerpetrator() async throws {
        let h = try await GatewayHarness()
        let victim = Self.victimURCs.allocate()
        let perpetrator = Self.victimURCs.allocate()
        // She is known as a victim: a referral about her went to safe home; he consented to the programme.
        try await h.giveConsent(
            from: .victim, subject: victim, recipients: [.safehome, .perpetrator], purposes: [.housing, .perpetratorIntervention])
        try await h.submit([
            try h.message(Self.referral(about: Self.person(victim, "Jane"), purpose: .housing), from: .victim, to: .safehome, about: victim)
        ])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        try await h.giveConsent(from: .victim, subject: perpetrator, recipients: [.perpetrator], purposes: [.perpetratorIntervention])

        let underHis = try h.message(
            Self.referral(about: Self.person(victim, "Jane"), role: .perpetrator, purpose: .perpetratorIntervention),
            from: .victim, to: .perpetrator, about: perpetrator)
        try await h.submit([underHis])
        try await expectReport(.subjectMismatch, about: underHis.envelope.messageID, harness: h)
        let underHers = try h.message(
            Self.referral(about: Self.person(victim, "Jane"), role: .perpetrator, purpose: .perpetratorIntervention),
            from: .victim, to: .perpetrator, about: victim)
        try await h.submit([underHers])
        try await expectReport(.subjectRoleConflict, about: underHers.envelope.messageID, harness: h)
        #expect(try await h.take(1, from: h.names.inbox(.perpetrator), timeout: 0.5).isEmpty, "the victim's details reached the perpetrator service")

        // He, known as nothing before, becomes known as a perpetrator by his referral, and can never be a child.
        try await h.submit([
            try h.message(
                Self.referral(about: Self.person(perpetrator, "Mark"), role: .perpetrator, purpose: .perpetratorIntervention),
                from: .victim, to: .perpetrator, about: perpetrator)
        ])
        let delivered = try #require(try await h.take(1, from: h.names.inbox(.perpetrator)).first)
        #expect(try h.verified(delivered).0.subject == perpetrator)
        let child = Child(urc: perpetrator, name: PersonName(given: "Mark", family: "Example"), dateOfBirth: CalendarDate("2015-01-01")!)
        let naming = try h.message(
            Self.referral(about: Self.person(victim, "Jane"), purpose: .housing, household: .init(children: [child])),
            from: .victim, to: .safehome, about: victim)
        try await h.submit([naming])
        try await expectReport(.subjectRoleConflict, about: naming.envelope.messageID, harness: h)
        try await expectStillDelivering(h)
        await h.shutDown()
    }

    @Test("a role first given by mistake is corrected by an administrator, audited; messages in the new role pass from then on")
    func roleCorrection() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        let mother = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: mother, recipients: [.safehome], purposes: [.housing])
        // First named as a child by mistake; she is an adult of the household referred in her own right.
        let child = Child(urc: s, name: PersonName(given: "Ann", family: "Example"), dateOfBirth: CalendarDate("2016-06-02")!)
        try await h.submit([
            try h.message(
                Self.referral(about: Self.person(mother), purpose: .housing, household: .init(children: [child])),
                from: .victim, to: .safehome, about: mother)
        ])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        let asVictim = { try h.message(Self.referral(about: Self.person(s, "Ann"), purpose: .housing), from: .victim, to: .safehome, about: s) }
        let first = try asVictim()
        try await h.submit([first])
        try await expectReport(.subjectRoleConflict, about: first.envelope.messageID, harness: h)
        let old = try await h.store.database.write { db in
            try PersonRegistry.correct(s, to: .victim, by: "Duty admin", reason: "Named as a child by mistake in the first referral", in: db.tx)
        }
        #expect(old == .child)
        #expect(throws: PersonRegistry.CorrectionError.self) {
            try h.store.database.write { db in
                _ = try PersonRegistry.correct(Self.victimURCs.allocate(), to: .victim, by: "A", reason: "never seen before", in: db.tx)
            }
        }
        try await h.submit([try asVictim()])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        try await h.store.database.read { (db: Database) throws -> Void in
            let trail = try AuditLog.trail(subject: s.canonical, in: db.tx)
            #expect(trail.contains { $0.event == .roleCorrected && $0.actor == "Duty admin" && $0.basisReference == "child -> victim" })
            #expect(try AuditLog.verify(db.tx).isIntact)
        }
        await h.shutDown()
    }

    @Test("a URC with a wrong check symbol, an unknown issuer, or the reserved code is refused invalid-urc with a report, before any worker sees it")
    func invalidURCs() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: s, recipients: [.family], purposes: [.childSafeguarding])
        let good = Self.victimURCs.allocate().canonical
        // The last symbol changed: the schema's pattern holds, the check symbol does not.
        let wrongCheck = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
        let unknownIssuer = try URCAllocator(issuer: "ZZ").allocate().canonical
        for bad in [wrongCheck, unknownIssuer, "0000-0000-0000"] {
            let r = Self.referral(about: Self.person(s), purpose: .childSafeguarding)
            var json = try JSONSerialization.jsonObject(with: try ContractJSON.encode(r)) as! [String: Any]
            json["household"] = ["children": [["urc": bad, "name": ["given": "Mia", "family": "Example"], "dateOfBirth": "2016-06-02"]]]
            let body = try JSONSerialization.data(withJSONObject: json)
            var envelope = Envelope(
                messageID: UUID.randomLowercased(), type: .referral, sender: .victim, recipient: .family, subject: s,
                keyID: h.signers[.victim]!.keyID)
            h.signers[.victim]!.sign(&envelope, body: body)
            try await h.submit([SignedMessage(envelope: envelope, body: body)])
            try await expectReport(.invalidURC, about: envelope.messageID, harness: h)
        }
        #expect(try await h.take(1, from: h.names.inbox(.family), timeout: 0.5).isEmpty)
        try await expectStillDelivering(h)
        await h.shutDown()
    }

    @Test("an answer to a referral the gateway never delivered, or about another person, is refused")
    func answersReferToWhatWasDelivered() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        let other = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        let r = Self.referral(about: Self.person(s), purpose: .housing)
        try await h.submit([try h.message(r, from: .victim, to: .safehome, about: s)])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        let invented = try h.message(
            ReferralOutcome(referralId: UUID.randomLowercased(), outcome: .accepted, at: Timestamp()),
            from: .safehome, to: .victim, about: s)
        let otherPerson = try h.message(
            ReferralOutcome(referralId: r.referralId, outcome: .accepted, at: Timestamp()),
            from: .safehome, to: .victim, about: other)
        try await h.submit([invented])
        try await expectReport(.unknownReference, about: invented.envelope.messageID, to: .safehome, harness: h)
        try await h.submit([otherPerson])
        try await expectReport(.subjectMismatch, about: otherPerson.envelope.messageID, to: .safehome, harness: h)
        let real = try h.message(
            ReferralOutcome(referralId: r.referralId, outcome: .accepted, at: Timestamp()), from: .safehome, to: .victim, about: s)
        try await h.submit([real])
        let answer = try #require(try await h.take(1, from: h.names.inbox(.victim)).first)
        #expect(try h.verified(answer).0.type == .referralOutcome)
        await h.shutDown()
    }

    // MARK: Consent authority

    @Test("only the service that recorded a consent, or the lead service the policy names, may withdraw it; each record is acknowledged")
    func withdrawalAuthority() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        let id = try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        // The perpetrator service knows the id: it may still not withdraw her consent.
        let withdrawal = try h.message(
            ConsentRecord.withdrawn(consentId: id, at: Timestamp(), recordedBy: Referrer(service: .perpetrator, staff: Self.staff)),
            from: .perpetrator, to: .gateway, about: s)
        try await h.submit([withdrawal])
        try await expectReport(.consentNotPermitted, about: withdrawal.envelope.messageID, to: .perpetrator, harness: h)
        try await expectStillDelivering(h)
        // Her own service withdraws it: acknowledged, and the next referral is refused for it.
        try await h.withdrawConsent(id, from: .victim, subject: s)
        let after = try h.message(Self.referral(about: Self.person(s), purpose: .housing), from: .victim, to: .safehome, about: s)
        try await h.submit([after])
        try await expectReport(.consentWithdrawn, about: after.envelope.messageID, harness: h)
        await h.shutDown()
    }

    @Test("a consent is recorded only by a service that holds the person: issued the URC or received them through the gateway")
    func recordingAuthority() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        func record(from sender: PartyID) throws -> SignedMessage {
            try h.message(
                ConsentRecord.given(
                    consentId: UUID.randomLowercased(), recipients: [.safehome], purposes: [.housing],
                    givenAt: Timestamp().adding(seconds: -60), expiresAt: Timestamp().adding(seconds: 86_400),
                    method: .verbal, recordedBy: Referrer(service: sender, staff: Self.staff)),
                from: sender, to: .gateway, about: s)
        }
        let early = try record(from: .family)
        try await h.submit([early])
        try await expectReport(.consentNotPermitted, about: early.envelope.messageID, to: .family, harness: h)
        // Once the gateway delivered a referral about her to the family service, it holds her.
        try await h.giveConsent(from: .victim, subject: s, recipients: [.family], purposes: [.childSafeguarding])
        try await h.submit([try h.message(Self.referral(about: Self.person(s), purpose: .childSafeguarding), from: .victim, to: .family, about: s)])
        _ = try #require(try await h.take(1, from: h.names.inbox(.family)).first)
        try await h.submitConsent(try record(from: .family))
        await h.shutDown()
    }

    @Test(
        "a consent naming an unknown or own recipient, a purpose no recipient is shared for, an expiry past, a reused id, or withdrawing an unknown consent is refused invalid-consent"
    )
    func badConsentRecords() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        let used = try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        let by = Referrer(service: .victim, staff: Self.staff)
        let now = Timestamp()
        func given(
            _ recipients: [PartyID], _ purposes: [Purpose], expires: Timestamp = Timestamp().adding(seconds: 86_400),
            id: String = UUID.randomLowercased()
        ) -> ConsentRecord {
            .given(
                consentId: id, recipients: recipients, purposes: purposes, givenAt: now.adding(seconds: -60), expiresAt: expires, method: .written,
                recordedBy: by)
        }
        let records = [
            given([.gateway], [.housing]), given([.victim], [.housing]), given([.safehome], [.perpetratorIntervention]),
            given([.safehome], [.housing], expires: now.adding(seconds: -1)), given([.safehome], [.housing], id: used),
            ConsentRecord.withdrawn(consentId: UUID.randomLowercased(), at: now, recordedBy: by),
        ]
        for record in records {
            let m = try h.message(record, from: .victim, to: .gateway, about: s)
            try await h.submit([m])
            try await expectReport(.invalidConsent, about: m.envelope.messageID, harness: h)
        }
        // A recipient that is no party at all does not pass the contract's own check.
        var json = try JSONSerialization.jsonObject(with: try ContractJSON.encode(given([.safehome], [.housing]))) as! [String: Any]
        json["recipients"] = ["police"]
        let body = try JSONSerialization.data(withJSONObject: json)
        var envelope = Envelope(
            messageID: UUID.randomLowercased(), type: .consent, sender: .victim, recipient: .gateway, subject: s, keyID: h.signers[.victim]!.keyID)
        h.signers[.victim]!.sign(&envelope, body: body)
        try await h.submit([SignedMessage(envelope: envelope, body: body)])
        try await expectReport(.invalidConsent, about: envelope.messageID, harness: h)
        try await expectStillDelivering(h)
        await h.shutDown()
    }

    @Test("a referral naming sharing.consentId is checked against exactly that consent")
    func namedConsentIsTheOneChecked() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        let forFamily = try await h.giveConsent(from: .victim, subject: s, recipients: [.family], purposes: [.childSafeguarding])
        let forSafeHome = try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        let wrong = try h.message(
            Self.referral(about: Self.person(s), purpose: .housing, consentID: forFamily), from: .victim, to: .safehome, about: s)
        try await h.submit([wrong])
        try await expectReport(.noConsent, about: wrong.envelope.messageID, harness: h)
        let right = try h.message(
            Self.referral(about: Self.person(s), purpose: .housing, consentID: forSafeHome), from: .victim, to: .safehome, about: s)
        try await h.submit([right])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        let basis = try await h.store.database.read { db in
            try String.fetchOne(
                db, sql: "SELECT basis_reference FROM audit WHERE message_id = ? AND event = 'delivered'", arguments: [right.envelope.messageID])
        }
        #expect(basis == forSafeHome)
        await h.shutDown()
    }

    // MARK: A strict envelope

    @Test(
        "a wrong or missing content type, a non-persistent message, an unlisted type-version, an upper-case message id and byte-array headers are refused invalid-envelope with a report"
    )
    func strictEnvelope() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
        func submission(typeVersion: Int? = nil) throws -> OutgoingMessage {
            let body = try ContractJSON.encode(Self.referral(about: Self.person(s), purpose: .housing))
            var envelope = Envelope(
                messageID: UUID.randomLowercased(), type: .referral, typeVersion: typeVersion, sender: .victim,
                recipient: .safehome, subject: s, keyID: h.signers[.victim]!.keyID)
            h.signers[.victim]!.sign(&envelope, body: body)
            return SignedMessage(envelope: envelope, body: body).submission(brokerUser: "victim", topology: h.names)
        }
        var cases: [(String, OutgoingMessage, String?)] = []
        var m = try submission()
        m.properties.contentType = "text/plain"
        cases.append(("text/plain", m, m.properties.messageID))
        m = try submission()
        m.properties.contentType = nil
        cases.append(("no content type", m, m.properties.messageID))
        m = try submission()
        m.properties.persistent = false
        cases.append(("delivery mode 1", m, m.properties.messageID))
        m = try submission(typeVersion: 2)
        cases.append(("type-version 2", m, m.properties.messageID))
        m = try submission()
        let id = m.properties.messageID!
        m.properties.messageID = id.uppercased()
        cases.append(("upper-case id", m, id))
        m = try submission()
        for (k, v) in m.properties.headers { if let text = v.stringValue { m.properties.headers[k] = .bytes(Array(text.utf8)) } }
        cases.append(("byte-array headers", m, m.properties.messageID))
        for (name, message, reportedID) in cases {
            try await h.submitRaw([message], as: .victim)
            let report = try #require(try await h.take(1, from: h.names.inbox(.victim)).first, "no report for \(name)")
            let (_, body) = try h.verified(report)
            #expect(body["reasonCode"]?.stringValue == ReasonCode.invalidEnvelope.rawValue, "\(name)")
            #expect(body["originalMessageId"]?.stringValue == reportedID, "\(name)")
            if name == "byte-array headers" { #expect(body["reasonText"]?.stringValue?.contains("byte array") == true, "\(body)") }
            _ = try await h.take(1, from: h.names.deadLetterQueue)
        }
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 0.5).isEmpty)
        try await expectStillDelivering(h)
        await h.shutDown()
    }

    @Test("a message without user_id is refused, and no report goes to whoever its envelope names")
    func noUserID() async throws {
        let h = try await GatewayHarness()
        let s = Self.victimURCs.allocate()
        var m = try h.message(Self.referral(about: Self.person(s), purpose: .housing), from: .victim, to: .safehome, about: s)
            .submission(brokerUser: nil, topology: h.names)
        m.properties.userID = nil
        try await h.submitRaw([m], as: .victim)
        let dead = try #require(try await h.take(1, from: h.names.deadLetterQueue).first)
        #expect(dead.properties.headers["refgw-reason"]?.stringValue == ReasonCode.senderMismatch.rawValue)
        #expect(try await h.take(1, from: h.names.inbox(.victim), timeout: 1).isEmpty, "a report went to a sender the broker did not vouch for")
        await h.shutDown()
    }

    // MARK: Every delivered body valid for its recipient

    @Test("a declined outcome toward the perpetrator service keeps its decline code: valid for his view, no text about her")
    func declinedTowardThePerpetrator() async throws {
        let h = try await GatewayHarness()
        let man = Self.victimURCs.allocate()
        // The perpetrator service referred him to safe home (a move instead of hers); safe home declines.
        let manURC = try Repo.parties.allocator(for: .perpetrator).allocate()
        try await h.giveConsent(from: .perpetrator, subject: manURC, recipients: [.safehome], purposes: [.housing])
        let r = Self.referral(about: Self.person(manURC, "Mark"), role: .perpetrator, purpose: .housing, from: .perpetrator)
        try await h.submit([try h.message(r, from: .perpetrator, to: .safehome, about: manURC)])
        _ = try #require(try await h.take(1, from: h.names.inbox(.safehome)).first)
        let declined = ReferralOutcome(
            referralId: r.referralId, outcome: .declined, at: Timestamp(),
            declineReason: .init(code: .other, text: "She is at the refuge on 14 Elm Road"), note: "Call 07700 900123")
        try await h.submit([try h.message(declined, from: .safehome, to: .perpetrator, about: manURC)])
        let d = try #require(try await h.take(1, from: h.names.inbox(.perpetrator)).first)
        let (_, body) = try h.verified(d)
        #expect(body["declineReason"]?["code"]?.stringValue == "other")
        #expect(body["declineReason"]?["text"] == nil && body["note"] == nil)
        try h.decider.views.validate(body, as: .referralOutcome, for: .perpetrator)
        _ = man
        await h.shutDown()
    }

    @Test("the people a referral names beside its subject are in the audit entry, so a child's subject access request finds the disclosure")
    func linkedPeopleAreAudited() async throws {
        let h = try await GatewayHarness()
        let mother = Self.victimURCs.allocate()
        let child = Self.victimURCs.allocate()
        let father = Self.victimURCs.allocate()
        try await h.giveConsent(from: .victim, subject: mother, recipients: [.family], purposes: [.childSafeguarding])
        let household = Referral.Household(
            children: [Child(urc: child, name: PersonName(given: "Mia", family: "Example"), dateOfBirth: CalendarDate("2016-06-02")!)],
            perpetrator: .init(urc: father, relationship: .exPartner))
        let m = try h.message(
            Self.referral(about: Self.person(mother), purpose: .childSafeguarding, household: household), from: .victim, to: .family, about: mother)
        try await h.submit([m])
        _ = try #require(try await h.take(1, from: h.names.inbox(.family)).first)
        try await h.store.database.read { (db: Database) throws -> Void in
            for (urc, role) in [(child, PersonRole.child), (father, .perpetrator)] {
                let trail = try AuditLog.trail(subject: urc.canonical, in: db.tx)
                #expect(trail.map(\.messageID) == [m.envelope.messageID], "\(role)")
                #expect(trail.first?.people.contains("\(urc.canonical) \(role.rawValue)") == true)
                #expect(try PersonRegistry.known([urc], in: db.tx)[urc]?.role == role)
                #expect(try PersonRegistry.holds(.family, urc, parties: Repo.parties, in: db.tx))
            }
            #expect(try AuditLog.verify(db.tx).isIntact)
        }
        await h.shutDown()
    }
}
