import Contracts
import Foundation
import GRDB
import LotKit
import Lots
import Testing

@Suite("Family, safe home, perpetrator and MARAC rules")
struct ServiceRuleTests {
    @Test("family intake: one URC per child, issued by the family service and linked to the adult's; housing need → safe home")
    func familyIntake() throws {
        let lot = FamilyLot()
        let e = try engine(lot)
        let form = try intake {
            $0["dash"] = nil
            $0["consent"] = ["recipients": ["safehome"]]
        }
        let adult = try e.perform("intake") { try lot.intake(form, in: $0) }
        let children = try e.strings("SELECT urc FROM person WHERE role = 'child' AND linked_to = ?", [adult.canonical])
        #expect(children.count == 2)
        #expect(children.allSatisfy { $0.hasPrefix("11") })  // the family service's issuer code
        #expect(try e.outbox().map(\.recipient).contains("safehome"))
    }

    @Test("family keeps the URCs a referral gives, children linked to the adult")
    func familyKeepsURCs() throws {
        let lot = FamilyLot()
        let e = try engine(lot)
        var r = referral(to: .family)
        let child = Child(
            urc: URCAllocator(issuerUnchecked: "10").allocate(), name: PersonName(given: "Mia", family: "Smith"),
            dateOfBirth: CalendarDate("2016-06-02")!)
        r.household = Referral.Household(children: [child])
        try e.apply(try inbound(r, from: .victim, to: .family, about: r.subject.urc))
        #expect(try e.strings("SELECT linked_to FROM person WHERE urc = ?", [child.urc.canonical]) == [r.subject.urc.canonical])
        #expect(try e.count("SELECT COUNT(*) FROM person WHERE allocated_here = 1") == 0)
    }

    @Test("safe home accepts referrals from family, victim and perpetrator only, keeping the URC")
    func safeHomeSenders() throws {
        let lot = SafeHomeLot()
        let e = try engine(lot)
        let ok = referral(to: .safehome, from: .family)
        try e.apply(try inbound(ok, from: .family, to: .safehome, about: ok.subject.urc))
        let other = referral(to: .safehome, from: .sanctuary)
        try e.apply(try inbound(other, from: .sanctuary, to: .safehome, about: other.subject.urc))
        let outcomes = try e.outbox().map { try ContractJSON.decode(ReferralOutcome.self, from: $0.body) }
        #expect(outcomes.map(\.outcome) == [.accepted, .declined])
        #expect(outcomes[1].declineReason?.code == .notEligible)
        #expect(try e.count("SELECT COUNT(*) FROM person WHERE urc = ? AND allocated_here = 0", [ok.subject.urc.canonical]) == 1)
        #expect(try e.strings("SELECT detail FROM rule_log WHERE rule = 'accept-referral'") == ["referral \(ok.referralId) from family accepted"])
        #expect(try e.strings("SELECT cause FROM outbox ORDER BY seq") == ["accept-referral", "decline-referral"])
    }

    @Test("the perpetrator service never stores an address or safe contact, whatever arrives; partner support goes to the victim service")
    func perpetratorHoldsNoLocation() throws {
        let lot = PerpetratorLot()
        let e = try engine(lot)
        let r = referral(to: .perpetrator, role: .perpetrator)
        try e.apply(try inbound(r, from: .victim, to: .perpetrator, about: r.subject.urc))
        let stored = try e.strings("SELECT details FROM person") + e.strings("SELECT CAST(body AS TEXT) FROM referral")
        #expect(!stored.joined().contains("M1 1AA"))
        #expect(!stored.joined().contains("07700"))
        let id = try e.perform("partner-support") { ctx in
            try lot.requestPartnerSupport(
                for: r.subject.urc, partnerName: PersonName(given: "Kay", family: "Lee"), partnerURC: nil,
                justification: "He disclosed controlling behaviour; she should be offered support.", staff: staff, in: ctx)
        }
        let sent = try ContractJSON.decode(Referral.self, from: try #require(e.outbox().last).body)
        #expect(sent.referralId == id)
        #expect(sent.needs == [.partnerSupport])
        #expect(sent.subject.address == nil)
        #expect(sent.sharing.lawfulBasis?.code == .safeguarding)
        #expect(try e.outbox().last?.recipient == "victim")
    }

    @Test("a self-referral to the perpetrator programme: held without contact details, partners referred for support elsewhere")
    func perpetratorSelfReferral() throws {
        let lot = PerpetratorLot()
        let e = try engine(lot)
        let form = try StrictForm.load(SelfReferral.self, path: Repo.selfReferral, describing: "self-referral")
        let man = try e.perform("intake") { try lot.intake(form, in: $0) }
        #expect(try e.strings("SELECT role FROM person WHERE urc = ?", [man.canonical]) == ["perpetrator"])
        #expect(try e.strings("SELECT motivation FROM self_referral") == ["children stop-abuse"])
        #expect(try e.count("SELECT children_in_household FROM self_referral") == 2)
        let sent = try ContractJSON.decode(Referral.self, from: try #require(e.outbox().last).body)
        #expect(try e.outbox().map(\.recipient) == ["victim"])
        #expect(sent.needs == [.partnerSupport] && sent.subject.name.given == "Lucy" && sent.subject.address == nil)
        #expect(sent.household?.perpetrator?.urc == man)
        #expect(try e.strings("SELECT rule FROM rule_log ORDER BY id") == ["self-referral", "partner-support"])

        // Where she lives is not a field of the form: refused by name, and nothing is stored.
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.selfReferral))) as! [String: Any]
        var partners = json["partners"] as! [[String: Any]]
        partners[0]["address"] = ["lines": ["12 Acacia Avenue"], "postcode": "M1 1AA"]
        json["partners"] = partners
        #expect {
            try StrictForm.decode(SelfReferral.self, from: JSONSerialization.data(withJSONObject: json), describing: "self-referral")
        } throws: { "\($0)".contains("there is no field `partners[0].address`") }
        #expect(throws: LotError.self) {
            var none = form
            none.motivation = []
            _ = try e.perform("intake") { try lot.intake(none, in: $0) }
        }
        #expect(try e.count("SELECT COUNT(*) FROM self_referral") == 1)

        // Nor in the free text: a justification saying where she is, or that she is in a refuge, is refused by what it
        // holds, and nothing is stored (the man could read this service's records by a subject access request).
        for text in ["She has moved to 12 Acacia Avenue, M1 1AA; offer support", "She is in a refuge now; offer support", "Call her on 07700 900123"]
        {
            var told = form
            told.partners?[0].supportJustification = text
            #expect {
                _ = try e.perform("intake") { try lot.intake(told, in: $0) }
            } throws: { "\($0)".contains("never keeps where anyone is") }
        }
        #expect(try e.count("SELECT COUNT(*) FROM self_referral") == 1)
        #expect(try e.outbox().count == 1)
    }

    @Test("a safety alert to the MARAC coordinator is kept and shown, not dead-lettered")
    func maracKeepsSafetyAlerts() throws {
        let e = try engine(MaracLot())
        let victim = URCAllocator(issuerUnchecked: "10").allocate()
        let alert = SafetyAlert(
            alertId: UUID().uuidString.lowercased(), kind: .perpetratorAtAddress, severity: .immediate, raisedAt: Timestamp(),
            summary: "The perpetrator is at the address. Works are suspended.")
        #expect(try e.apply(try inbound(alert, from: .sanctuary, to: .marac, about: victim)) == .applied)
        #expect(try e.strings("SELECT kind FROM alert WHERE direction = 'in'") == ["perpetrator-at-address"])
    }

    /// A lot whose timers of kind "broken" fail, to show one failing timer holds back no other.
    struct TimerLot: Lot {
        let party = PartyID.sanctuary
        var rules: [RuleDescription] { [] }
        func receive(_ message: InboundMessage, in ctx: LotContext) throws {}
        func fire(_ timer: DueTimer, in ctx: LotContext) throws {
            guard timer.kind != "broken" else { throw LotError.unprocessable("this timer cannot fire") }
            try ctx.log("fired", subject: timer.subject, timer.kind)
        }
    }

    @Test("a timer whose action fails stays due and holds back no other timer")
    func failingTimerIsolated() throws {
        let e = try engine(TimerLot())
        let who = URCAllocator(issuerUnchecked: "10").allocate()
        let now = Timestamp()
        try e.perform("schedule") { ctx in
            try ctx.schedule("broken", subject: who, reference: "a", dueAt: now.adding(seconds: -60))
            try ctx.schedule("lock-change", subject: who, reference: "b", dueAt: now.adding(seconds: -30))
        }
        var failed: [String] = []
        #expect(try e.fireDueTimers(at: now) { timer, _ in failed.append(timer.kind) } == 1)
        #expect(failed == ["broken"])
        #expect(try e.strings("SELECT detail FROM rule_log WHERE rule = 'fired'") == ["lock-change"])
        #expect(try e.strings("SELECT kind FROM timer WHERE fired_at IS NULL") == ["broken"])
        #expect(try e.fireDueTimers(at: now.adding(seconds: 30)) == 0)  // tried again, still failing, still due
        #expect(try e.strings("SELECT kind FROM timer WHERE fired_at IS NULL") == ["broken"])
    }

    @Test("a stored row that does not read as its type is a store failure with its cause, never a crash")
    func unreadableRow() throws {
        let e = try engine(FamilyLot())
        try e.store.database.write { db in
            try db.execute(sql: "INSERT INTO person (urc, role, display_name, allocated_here, created_at) VALUES ('10AB', 'victim', 'X', 1, 0)")
        }
        #expect {
            try e.perform("read") { ctx in
                _ = try ctx.linked(to: URCAllocator(issuerUnchecked: "10").allocate())
                _ = try HeldPerson.fetchAll(ctx.db)
            }
        } throws: { error in
            guard case .storeFailed(let cause)? = error as? LotError else { return false }
            return cause.contains("the family store failed") && cause.contains("urc")
        }
    }

    @Test("MARAC: a case per referral, repeats flagged, plan to each owning service, updates only from the owner, overdue listed")
    func maracCoordinator() throws {
        let lot = MaracLot()
        let e = try engine(lot)
        let victimURC = URCAllocator(issuerUnchecked: "10").allocate()
        func maracReferral(repeat: Bool) -> MaracReferral {
            MaracReferral(
                maracReferralId: UUID().uuidString.lowercased(), referredAt: Timestamp(), referrer: Referrer(service: .victim, staff: staff),
                sharing: Sharing(purpose: .marac), victim: Person(urc: victimURC, name: PersonName(given: "Ann", family: "Smith")),
                children: [], criteria: [.visibleHighRisk],
                dash: DashAssessment(completedAt: Timestamp(), answers: [], score: 15), victimAware: true,
                victimConsented: false, repeat: `repeat`, riskSummary: "High risk")
        }
        try e.apply(try inbound(maracReferral(repeat: false), from: .victim, to: .marac, about: victimURC))
        try e.apply(try inbound(maracReferral(repeat: false), from: .victim, to: .marac, about: victimURC))
        #expect(try e.strings("SELECT is_repeat FROM marac_case ORDER BY received_at, rowid") == ["0", "1"])
        let caseID = try e.strings("SELECT case_id FROM marac_case ORDER BY rowid LIMIT 1")[0]
        let today = CalendarDate(Timestamp())
        let plan = try e.perform("plan") { ctx in
            try lot.issuePlan(
                caseID: caseID, meeting: today, next: nil,
                actions: [
                    try .init(parsing: "victim|\(today.adding(days: 7))|Safety plan"),
                    try .init(parsing: "sanctuary|\(today.adding(days: 3))|Alarm"),
                    try .init(parsing: "police|\(today.adding(days: 1))|Flag address"),
                ], in: ctx)
        }
        #expect(try e.outbox().map(\.recipient).sorted() == ["sanctuary", "victim"])  // police is not on the gateway
        let sanctuaryAction = plan.actions[1]
        let update = MaracActionUpdate(
            caseId: caseID, actionId: sanctuaryAction.actionId, status: .done, updatedAt: Timestamp(),
            updatedBy: Referrer(service: .victim, staff: staff))
        #expect(throws: LotError.self) { try e.apply(try inbound(update, from: .victim, to: .marac, about: victimURC)) }
        try e.apply(try inbound(update, from: .sanctuary, to: .marac, about: victimURC))
        let overdue = try e.read { db in try MaracAction.overdue(on: today.adding(days: 5)).fetchAll(db) }
        #expect(overdue.map(\.owner) == ["police"])
        #expect(throws: LotError.self) { try MaracLot.PlannedAction(parsing: "Police|2026-01-01|x") }
    }
}
