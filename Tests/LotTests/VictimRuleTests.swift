import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import LotKit
import Lots
import Testing

@testable import GatewayStorage

@Suite("Victim service rules")
struct VictimRuleTests {
    let lot = VictimLot()

    @Test(
        "the scenario intake: URCs for victim, both children and the perpetrator; consent; DASH 16 → MARAC; family, safe home, sanctuary and perpetrator referrals"
    )
    func scenarioIntake() throws {
        let e = try engine(lot)
        let form = try intake()
        let urc = try e.perform("intake") { try lot.intake(form, in: $0) }
        #expect(urc.canonical.hasPrefix("10"))
        #expect(try e.count("SELECT COUNT(*) FROM person WHERE allocated_here = 1") == 4)
        #expect(try e.count("SELECT COUNT(*) FROM person WHERE linked_to = ? AND role = 'child'", [urc.canonical]) == 2)
        let out = try e.outbox()
        #expect(out.map(\.type).filter { $0 == "consent" }.count == 2)  // Jane's, and Mark's for his own referral
        #expect(Set(out.filter { $0.type == "referral" }.map(\.recipient)) == ["family", "safehome", "sanctuary", "perpetrator"])
        let marac = try #require(out.first { $0.type == "marac-referral" })
        let m = try ContractJSON.decode(MaracReferral.self, from: marac.body)
        #expect(m.dash.score == 16)
        #expect(m.criteria == [.visibleHighRisk])
        #expect(m.repeat == false)
        #expect(m.children.count == 2)
        #expect(m.sharing.lawfulBasis?.code == .maracHighRisk)  // no consent to MARAC in the intake
        #expect(m.dash.answers.allSatisfy { (1...24).contains($0.question) })
        let toPerpetrator = try ContractJSON.decode(Referral.self, from: try #require(out.first { $0.recipient == "perpetrator" }).body)
        #expect(toPerpetrator.subjectRole == .perpetrator)
        #expect(toPerpetrator.household == nil && toPerpetrator.housing == nil)
        #expect(try e.count("SELECT COUNT(*) FROM risk_register") == 0)
    }

    @Test("a DASH with 23 answers is refused with a clear error and changes nothing")
    func dashWith23Answers() throws {
        let e = try engine(lot)
        let form = try intake { $0["dash"] = ["answers": dashAnswers(yes: 16, of: 23)] }
        #expect(throws: LotError.badInput("a DASH has 24 answers, one per question; this one has 23")) {
            try e.perform("intake") { try lot.intake(form, in: $0) }
        }
        #expect(try e.count("SELECT COUNT(*) FROM person") == 0)
        #expect(try e.outbox().isEmpty)
    }

    @Test("a DASH with a question twice names the missing one")
    func dashDuplicateQuestion() throws {
        var answers = dashAnswers(yes: 3)
        answers[23] = ["question": 1, "answer": "no"]
        let form = try intake { $0["dash"] = ["answers": answers] }
        #expect(throws: LotError.badInput("DASH answers must number questions 1 to 24 once each; missing: 24")) {
            try engine(lot).perform("intake") { try lot.intake(form, in: $0) }
        }
    }

    @Test("13 yes answers: no MARAC referral, on the risk register; professional judgement refers below 14")
    func belowThreshold() throws {
        let e = try engine(lot)
        let form = try intake {
            $0["dash"] = ["answers": dashAnswers(yes: 13)]
            $0["policeIncidents"] = []
        }
        try e.perform("intake") { _ = try lot.intake(form, in: $0) }
        #expect(try e.outbox().filter { $0.type == "marac-referral" }.isEmpty)
        #expect(try e.count("SELECT COUNT(*) FROM risk_register WHERE removed_at IS NULL") == 1)

        let e2 = try engine(lot)
        let pj = try intake {
            $0["dash"] = ["answers": dashAnswers(yes: 5), "professionalJudgement": true]
            $0["policeIncidents"] = []
        }
        try e2.perform("intake") { _ = try lot.intake(pj, in: $0) }
        let m = try ContractJSON.decode(MaracReferral.self, from: try #require(e2.outbox().first { $0.type == "marac-referral" }).body)
        #expect(m.criteria == [.professionalJudgement])
    }

    @Test("professional judgement never lowers a 14+: both criteria are given")
    func judgementDoesNotLower() throws {
        let e = try engine(lot)
        let form = try intake { $0["dash"] = ["answers": dashAnswers(yes: 15), "professionalJudgement": true] }
        try e.perform("intake") { _ = try lot.intake(form, in: $0) }
        let m = try ContractJSON.decode(MaracReferral.self, from: try #require(e.outbox().first { $0.type == "marac-referral" }).body)
        #expect(m.criteria == [.visibleHighRisk, .professionalJudgement])
        #expect(m.dash.score == 15)
    }

    @Test("3 police-reported incidents in 12 months refer for potential escalation; a later incident within 12 months is a flagged repeat")
    func escalationAndRepeat() throws {
        let e = try engine(lot)
        let today = CalendarDate(Timestamp())
        let form = try intake {
            $0["dash"] = ["answers": dashAnswers(yes: 4)]
            $0["policeIncidents"] = [today.adding(days: -200), today.adding(days: -100), today.adding(days: -10)].map(\.description)
        }
        let urc = try e.perform("intake") { try lot.intake(form, in: $0) }
        var marac = try e.outbox().filter { $0.type == "marac-referral" }
        #expect(marac.count == 1)
        #expect(try ContractJSON.decode(MaracReferral.self, from: marac[0].body).criteria == [.potentialEscalation])

        try e.perform("incident") { try lot.recordIncident(victim: urc, on: today, in: $0) }
        marac = try e.outbox().filter { $0.type == "marac-referral" }
        #expect(marac.count == 2)
        let repeatReferral = try ContractJSON.decode(MaracReferral.self, from: marac[1].body)
        #expect(repeatReferral.repeat)
        #expect(repeatReferral.lastMaracReferralAt == today)
        #expect(repeatReferral.previousMaracs?.map(\.date) == [today])
        #expect(try e.strings("SELECT rule FROM rule_log WHERE rule = 'repeat-flag'").count == 1)
    }

    @Test("potential escalation without a DASH: an intake is refused until it has one; a later incident waits for one, then refers")
    func escalationWithoutDash() throws {
        let e = try engine(lot)
        let today = CalendarDate(Timestamp())
        let incidents = [today.adding(days: -200), today.adding(days: -100), today.adding(days: -10)].map(\.description)
        #expect {
            let form = try intake {
                $0["dash"] = nil
                $0["policeIncidents"] = incidents
            }
            _ = try e.perform("intake") { try lot.intake(form, in: $0) }
        } throws: { "\($0)".contains("complete the DASH") }
        #expect(try e.count("SELECT COUNT(*) FROM person") == 0)

        let form = try intake {
            $0["dash"] = nil
            $0["policeIncidents"] = Array(incidents.prefix(2))
        }
        let urc = try e.perform("intake") { try lot.intake(form, in: $0) }
        let decision = try e.perform("incident") { try lot.recordIncident(victim: urc, on: today, in: $0) }
        #expect(decision == .awaitingDash([.potentialEscalation]))
        #expect(try e.outbox().filter { $0.type == "marac-referral" }.isEmpty)
        #expect(try e.strings("SELECT detail FROM rule_log WHERE rule = 'marac-referral'").first?.contains("no DASH on file") == true)

        let answers = try JSONDecoder().decode([DashAnswer].self, from: JSONSerialization.data(withJSONObject: dashAnswers(yes: 3)))
        try e.perform("dash") { try lot.reassess(victim: urc, answers: answers, professionalJudgement: false, in: $0) }
        let sent = try #require(e.outbox().first { $0.type == "marac-referral" })
        #expect(try ContractJSON.decode(MaracReferral.self, from: sent.body).criteria == [.potentialEscalation])
        // What goes is what the gateway accepts: a referral it would refuse is a referral lost for a woman at high risk.
        let schemas = try ContractSchemas(directory: Repo.root.appendingPathComponent("contracts/schemas"))
        try schemas.validate(try JSONParser.parse(sent.body), as: .maracReferral)
    }

    @Test("an incident for a URC the service does not hold, or in the future, is refused")
    func badIncident() throws {
        let e = try engine(lot)
        let stranger = URCAllocator(issuerUnchecked: "10").allocate()
        #expect(throws: LotError.self) {
            try e.perform("incident") { try lot.recordIncident(victim: stranger, on: CalendarDate(Timestamp()), in: $0) }
        }
        let urc = try e.perform("intake") { try lot.intake(try intake(), in: $0) }
        #expect(throws: LotError.badInput("incident date 2999-01-01 is in the future")) {
            try e.perform("incident") { try lot.recordIncident(victim: urc, on: CalendarDate("2999-01-01")!, in: $0) }
        }
    }

    @Test("a received referral is answered with an accepted outcome; a redelivered message is applied once")
    func receiveOnce() throws {
        let e = try engine(lot)
        let r = referral(to: .victim, from: .safehome)
        let m = try inbound(r, from: .safehome, to: .victim, about: r.subject.urc)
        #expect(try e.apply(m) == .applied)
        #expect(try e.apply(m) == .duplicate)
        #expect(try e.outbox().map(\.type) == ["referral-outcome"])
        #expect(try e.count("SELECT COUNT(*) FROM referral WHERE direction = 'in'") == 1)
    }

    @Test("a partner-support referral from the perpetrator service is kept and worked but never answered")
    func partnerSupportIsNotAnswered() throws {
        let e = try engine(lot)
        let r = referral(to: .victim, from: .perpetrator)
        #expect(try e.apply(try inbound(r, from: .perpetrator, to: .victim, about: r.subject.urc)) == .applied)
        #expect(try e.outbox().isEmpty)
        #expect(try e.count("SELECT COUNT(*) FROM referral WHERE direction = 'in'") == 1)
        #expect(try e.strings("SELECT rule FROM rule_log").contains("partner-support-unanswered"))
    }

    @Test("messages about a person wait until the gateway answers her consent record; an acknowledgement or a refusal frees them")
    func messagesWaitForTheConsentAnswer() throws {
        for answer in ["acknowledged", "refused"] {
            let e = try engine(lot)
            let urc = try e.perform("intake") { try lot.intake(try intake(), in: $0) }
            // A referral about someone else goes at once, whatever waits for her.
            let other = referral(to: .victim, from: .safehome)
            #expect(try e.apply(try inbound(other, from: .safehome, to: .victim, about: other.subject.urc)) == .applied)
            let consent = try #require(try e.pendingMessages().first { $0.type == .consent && $0.subject == urc })
            let first = try e.pendingMessages()
            #expect(first.contains { $0.type == .referralOutcome && $0.subject == other.subject.urc }, "the other person's answer waited")
            #expect(first.filter { $0.subject == urc }.map(\.type) == [.consent], "her referrals may not go with her consent record")
            try e.markSent(first.compactMap(\.seq))
            #expect(try e.pendingMessages().allSatisfy { $0.subject != urc }, "her referrals went before the gateway answered her consent")
            let record = try ContractJSON.decode(ConsentRecord.self, from: consent.body)
            let reply: InboundMessage =
                answer == "acknowledged"
                ? try inbound(
                    ConsentAcknowledgement(
                        originalMessageId: consent.messageId, consentId: record.consentId, status: .given, recordedAt: Timestamp()),
                    from: .gateway, to: .victim, about: urc)
                : try inbound(
                    NonDeliveryReport(
                        originalMessageId: consent.messageId, originalType: MessageType.consent.rawValue, intendedRecipient: .gateway,
                        reasonCode: .invalidEnvelope, reasonText: "test", refusedAt: Timestamp()),
                    from: .gateway, to: .victim, about: urc)
            #expect(try e.apply(reply) == .applied)
            let freed = try e.pendingMessages()
            #expect(!freed.isEmpty && freed.allSatisfy { $0.subject == urc && $0.type != .consent }, "after the consent was \(answer)")
        }
    }
}
