import Contracts
import Foundation
import GRDB
import LotKit
import Lots
import Testing

@Suite("Sanctuary scheme rules")
struct SanctuaryRuleTests {
    let lot = SanctuaryLot()

    func outcomes(_ e: LotEngine) throws -> [ReferralOutcome] {
        try e.outbox().filter { $0.type == "referral-outcome" }.map { try ContractJSON.decode(ReferralOutcome.self, from: $0.body) }
    }
    func alerts(_ e: LotEngine) throws -> [SafetyAlert] {
        try e.outbox().filter { $0.type == "safety-alert" }.map { try ContractJSON.decode(SafetyAlert.self, from: $0.body) }
    }

    @Test(
        "eligibility: each failed condition declines with its reason",
        arguments: [
            (
                "out of area",
                Referral.HomeSecurity(
                    aged18OrOver: true, livesInArea: false, tenure: .owner, landlordPermission: .notNeeded, inContactWithPerpetrator: false,
                    perpetratorLivesAtAddress: false), ReferralOutcome.DeclineReason.Code.outOfArea
            ),
            (
                "refuge",
                Referral.HomeSecurity(
                    aged18OrOver: true, livesInArea: true, tenure: .refuge, landlordPermission: .granted, inContactWithPerpetrator: false,
                    perpetratorLivesAtAddress: false), .notEligible
            ),
            (
                "no landlord permission",
                Referral.HomeSecurity(
                    aged18OrOver: true, livesInArea: true, tenure: .privateTenant, landlordPermission: .refused, inContactWithPerpetrator: false,
                    perpetratorLivesAtAddress: false), .notEligible
            ),
            (
                "in contact",
                Referral.HomeSecurity(
                    aged18OrOver: true, livesInArea: true, tenure: .owner, landlordPermission: .notNeeded, inContactWithPerpetrator: true,
                    perpetratorLivesAtAddress: false), .notEligible
            ),
            (
                "perpetrator lives there",
                Referral.HomeSecurity(
                    aged18OrOver: true, livesInArea: true, tenure: .owner, landlordPermission: .notNeeded, inContactWithPerpetrator: false,
                    perpetratorLivesAtAddress: true), .notEligible
            ),
        ])
    func ineligible(_ name: String, _ hs: Referral.HomeSecurity, _ code: ReferralOutcome.DeclineReason.Code) throws {
        let e = try engine(lot)
        let r = referral(to: .sanctuary, homeSecurity: hs)
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc))
        #expect(try outcomes(e).map(\.declineReason?.code) == [code])
        #expect(try e.count("SELECT COUNT(*) FROM job") == 0)
    }

    @Test("under 18: declined, and a child-protection alert to the referrer instead")
    func under18() throws {
        let e = try engine(lot)
        var hs = eligible
        hs.aged18OrOver = false
        let r = referral(to: .sanctuary, homeSecurity: hs)
        try e.apply(try inbound(r, from: .safehome, to: .sanctuary, about: r.subject.urc))
        #expect(try outcomes(e).first?.declineReason?.code == .under18)
        #expect(try alerts(e).map(\.kind) == [.childProtection])
        #expect(try e.outbox().last?.recipient == "safehome")
    }

    @Test("timescales: first contact overdue after 48 h, works overdue after 5 working days, emergency lock change the same day")
    func timers() throws {
        let e = try engine(lot)
        var hs = eligible
        hs.emergencyLockChange = true
        var r = referral(to: .sanctuary, homeSecurity: hs)
        // Made and received at noon, so that "an hour later" is the same day whenever the tests run (they failed
        // between 23:00 and midnight).
        let received = Timestamp(millisecondsSince1970: Int64(CalendarDate(r.referredAt).dayNumber) * 86_400_000 + 12 * 3_600_000)
        r.referredAt = received
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc), at: received)
        #expect(try e.fireDueTimers(at: received.adding(seconds: 3600)) == 0)
        // Past midnight: the emergency lock change was not done the same day.
        let nextDay = Timestamp(millisecondsSince1970: Int64(CalendarDate(received).dayNumber + 1) * 86_400_000 + 60_000)
        #expect(try e.fireDueTimers(at: nextDay) == 1)
        #expect(try alerts(e).map(\.kind) == [.emergencyLockChangeOverdue])
        #expect(try e.fireDueTimers(at: received.adding(seconds: 48 * 3600 + 1)) == 1)
        #expect(try alerts(e).map(\.kind) == [.emergencyLockChangeOverdue, .firstContactOverdue])
        #expect(try e.fireDueTimers(at: received.adding(seconds: 100 * 3600)) == 0)  // each fires once

        // A second job, contacted in time: works due within 5 working days of contact.
        let e2 = try engine(lot)
        let r2 = referral(to: .sanctuary, homeSecurity: eligible)
        try e2.apply(try inbound(r2, from: .victim, to: .sanctuary, about: r2.subject.urc))
        try e2.perform("contact") { try lot.recordContact(r2.referralId, made: true, attempts: 1, in: $0) }
        #expect(try e2.fireDueTimers(at: Timestamp().adding(seconds: 49 * 3600)) == 0)  // first-contact timer cancelled
        #expect(try e2.fireDueTimers(at: Timestamp().adding(seconds: 8 * 86_400)) == 1)
        #expect(try alerts(e2).map(\.kind) == [.worksOverdue])
    }

    @Test("made-to-measure works leave the working-day limit for their own timescale, and are alerted on when it passes")
    func madeToMeasure() throws {
        let e = try engine(lot)
        let s = Repo.settings.sanctuary
        let r = referral(to: .sanctuary, homeSecurity: eligible)
        let monday = Timestamp(rfc3339: "2027-02-01T10:00:00Z")!
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc), at: monday)
        try e.perform("contact", at: monday) { try lot.recordContact(r.referralId, made: true, attempts: 1, in: $0) }
        // Not a made-to-measure item: refused, and the job keeps its working-day limit.
        #expect(throws: LotError.self) {
            try e.perform("made-to-measure", at: monday) { try lot.orderMadeToMeasure(r.referralId, items: ["spy-hole"], in: $0) }
        }
        let due = try e.perform("made-to-measure", at: monday) {
            try lot.orderMadeToMeasure(r.referralId, items: ["window-grilles", "security-film"], in: $0)
        }
        #expect(due == WorkingDays.adding(s.madeToMeasureWithinWorkingDays, to: monday, holidays: Set(s.bankHolidays)))
        #expect(try e.count("SELECT COUNT(*) FROM made_to_measure WHERE referral_id = ?", [r.referralId]) == 2)
        #expect(throws: LotError.self) {
            try e.perform("made-to-measure", at: monday) { try lot.orderMadeToMeasure(r.referralId, items: ["security-film"], in: $0) }
        }
        // Past the standard limit, no works alert: the job is on its own timescale.
        let pastStandard = WorkingDays.adding(s.worksWithinWorkingDays + 1, to: monday, holidays: Set(s.bankHolidays))
        #expect(try e.fireDueTimers(at: pastStandard) == 0)
        #expect(try alerts(e).isEmpty)
        // Past its own: an alert to the referrer naming the made-to-measure limit.
        #expect(try e.fireDueTimers(at: due.adding(seconds: 1)) == 1)
        let alert = try #require(alerts(e).last)
        #expect(alert.kind == .worksOverdue && alert.summary.contains("Made-to-measure"))
        #expect(try e.strings("SELECT rule FROM rule_log WHERE rule = 'made-to-measure'").count == 2)

        // A job completed before its made-to-measure date raises nothing.
        let e2 = try engine(lot)
        let r2 = referral(to: .sanctuary, homeSecurity: eligible)
        try e2.apply(try inbound(r2, from: .victim, to: .sanctuary, about: r2.subject.urc), at: monday)
        try e2.perform("contact", at: monday) { try lot.recordContact(r2.referralId, made: true, attempts: 1, in: $0) }
        _ = try e2.perform("order", at: monday) { try lot.orderMadeToMeasure(r2.referralId, items: ["window-grilles"], in: $0) }
        try e2.perform("complete", at: monday.adding(seconds: 10 * 86_400)) {
            try lot.complete(r2.referralId, items: [.init(code: "GRILLE", quantity: 2, unitCostPence: 30_000)], in: $0)
        }
        #expect(try e2.fireDueTimers(at: monday.adding(seconds: 60 * 86_400)) == 0)
    }

    @Test("a typed referral id is matched as text: wildcards match nothing")
    func wildcardsMatchNothing() throws {
        let e = try engine(lot)
        let r = referral(to: .sanctuary, homeSecurity: eligible)
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc))
        for typed in ["%%%%%%%%", "________", String(r.referralId.prefix(7)) + "%"] {
            #expect(throws: LotError.self) { try e.perform("contact") { try lot.recordContact(typed, made: true, attempts: 1, in: $0) } }
        }
        try e.perform("contact") { try lot.recordContact(String(r.referralId.prefix(8)), made: true, attempts: 1, in: $0) }
    }

    @Test("working days skip weekends and bank holidays")
    func workingDays() {
        // Friday 2026-12-18 + 5 working days: Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 and Mon 28 are holidays) Tue 29.
        let friday = Timestamp(rfc3339: "2026-12-18T10:00:00Z")!
        let due = WorkingDays.adding(5, to: friday, holidays: Set(Repo.settings.sanctuary.bankHolidays))
        #expect(CalendarDate(due) == CalendarDate("2026-12-29"))
    }

    @Test("perpetrator at the address: works suspended and an immediate alert; completion carries the cost")
    func perpetratorPresentAndCompletion() throws {
        let e = try engine(lot)
        let r = referral(to: .sanctuary, homeSecurity: eligible)
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc))
        try e.perform("contact") { try lot.recordContact(r.referralId, made: true, attempts: 2, in: $0) }
        try e.perform("present") { try lot.perpetratorPresent(r.referralId, in: $0) }
        #expect(try alerts(e).map(\.severity) == [.immediate])
        #expect(try alerts(e).map(\.kind) == [.perpetratorAtAddress])
        #expect(try e.fireDueTimers(at: Timestamp().adding(seconds: 30 * 86_400)) == 0)  // no works alert while suspended
        #expect(throws: LotError.self) {
            try e.perform("complete") { try lot.complete(r.referralId, items: [.init(code: "LOCK", quantity: 1, unitCostPence: 100)], in: $0) }
        }

        let e2 = try engine(lot)
        let r2 = referral(to: .sanctuary, homeSecurity: eligible)
        try e2.apply(try inbound(r2, from: .victim, to: .sanctuary, about: r2.subject.urc))
        try e2.perform("contact") { try lot.recordContact(r2.referralId, made: true, attempts: 1, in: $0) }
        try e2.perform("complete") {
            try lot.complete(
                String(r2.referralId.prefix(8)),
                items: [.init(code: "LOCK", quantity: 2, unitCostPence: 8500), .init(code: "ALARM", quantity: 1, unitCostPence: 12000)], in: $0)
        }
        let done = try #require(outcomes(e2).last)
        #expect(done.outcome == .completed)
        #expect(done.works?.totalCostPence == 29_000)
    }

    @Test("an installer with a declared conflict is never allocated, and is moved off an open job")
    func conflicts() throws {
        let e = try engine(lot)
        let installers = Repo.settings.sanctuary.installers
        let perpetrator = URCAllocator(issuerUnchecked: "10").allocate()
        for name in installers.dropLast() {
            try e.perform("conflict") { try lot.declareConflict(installer: name, with: perpetrator, in: $0) }
        }
        let r = referral(to: .sanctuary, homeSecurity: eligible, perpetrator: perpetrator)
        try e.apply(try inbound(r, from: .victim, to: .sanctuary, about: r.subject.urc))
        #expect(try e.strings("SELECT installer FROM job") == [installers.last!])
        try e.perform("conflict") { try lot.declareConflict(installer: installers.last!, with: r.subject.urc, in: $0) }
        #expect(try e.strings("SELECT status FROM job") == ["unallocated"])
        #expect(try e.count("SELECT COUNT(*) FROM job WHERE installer IS NOT NULL") == 0)
        #expect(throws: LotError.self) { try e.perform("conflict") { try lot.declareConflict(installer: "Nobody", with: perpetrator, in: $0) } }
    }
}
