import Contracts
import Foundation
import GRDB
import LotKit

/// Lot 1, the Family Service: children and young people 0-19 and their parents. Every child has a URC of its
/// own, linked to the adult's; the service refers to safe home and to MARAC.
public struct FamilyLot: Lot {
    public let party = PartyID.family
    public init() {}

    public var rules: [RuleDescription] {
        [
            .init("child-urcs", "Each child gets a URC of its own, linked to the adult's (a URC given by another service is kept)."),
            .init("record-consent", "The consent given at intake goes to the gateway's registry."),
            .init("marac-referral", "The adult's DASH at 14+ or professional judgement: MARAC referral."),
            .init("refer-safehome", "Housing need (a move): referral to the safe home service."),
            .init("accept-referral", "Referrals from the victim and safe home services are accepted and answered."),
        ]
    }

    /// A family's first contact: the adult and each child, consent, DASH, referrals. Returns the adult's URC.
    public func intake(_ form: IntakeForm, in ctx: LotContext) throws -> URC {
        let dash = try form.scoredDash(questions: ctx.settings.victim.dashQuestions, at: ctx.now)
        guard !(form.children ?? []).isEmpty else {
            throw LotError.badInput("a family intake lists at least one child under `children`")
        }
        ctx.cause = "child-urcs"
        let adultURC = try form.victim.urc ?? ctx.allocateURC()
        let adult = Person(urc: adultURC, name: form.victim.name, dateOfBirth: form.victim.dateOfBirth, gender: form.victim.gender,
                           language: form.victim.language, interpreterNeeded: form.victim.interpreterNeeded,
                           address: form.victim.address, addressIsSafe: form.victim.addressIsSafe, safeContact: form.victim.safeContact)
        try ctx.hold(adult, role: .victim, allocatedHere: form.victim.urc == nil)
        var children: [Child] = []
        for c in form.children ?? [] {
            let child = Child(urc: try c.urc ?? ctx.allocateURC(), name: c.name, dateOfBirth: c.dateOfBirth, school: c.school)
            try ctx.hold(child, linkedTo: adultURC, allocatedHere: c.urc == nil)
            children.append(child)
        }
        ctx.log("child-urcs", subject: adultURC, "\(children.count) child(ren) each with a URC linked to the adult's")
        if let consent = form.consent, !consent.recipients.isEmpty {
            ctx.cause = "record-consent"
            let purposes = Array(Set(consent.recipients.map { ctx.settings.purpose(ofReferralTo: $0) })).sorted { $0.rawValue < $1.rawValue }
            try ctx.recordConsent(subject: adultURC, recipients: consent.recipients, purposes: purposes, days: consent.days,
                                  method: consent.method ?? .verbal, recordedBy: form.caseworker)
        }
        var perpetratorDetails: MaracReferral.PerpetratorDetails?
        if let p = form.perpetrator {
            let person = Person(urc: try p.urc ?? ctx.allocateURC(), name: p.name, dateOfBirth: p.dateOfBirth)
            try ctx.hold(person, role: .perpetrator, linkedTo: adultURC, allocatedHere: p.urc == nil)
            perpetratorDetails = .init(urc: person.urc, name: p.name, dateOfBirth: p.dateOfBirth)
        }
        if let dash, dash.score >= ctx.settings.family.maracThreshold || dash.professionalJudgement == true {
            ctx.cause = "marac-referral"
            var criteria: [MaracReferral.Criterion] = []
            if dash.score >= ctx.settings.family.maracThreshold { criteria.append(.visibleHighRisk) }
            if dash.professionalJudgement == true { criteria.append(.professionalJudgement) }
            let consent = try ctx.consent(of: adultURC, for: .marac, purpose: .marac)
            let sharing = consent.map { Sharing(purpose: .marac, consentId: $0) } ?? Sharing(purpose: .marac, lawfulBasis: LawfulBasis(
                code: .maracHighRisk, justification: "High risk (DASH \(dash.score)): MARAC sharing at high risk does not need consent.",
                decidedBy: form.caseworker, decidedAt: ctx.now))
            let referral = MaracReferral(
                maracReferralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: form.caseworker),
                sharing: sharing, victim: adult, perpetrator: perpetratorDetails, children: children, criteria: criteria, dash: dash,
                victimAware: form.victimAware ?? true, victimConsented: consent != nil,
                noConsentReason: consent == nil ? (form.noConsentReason ?? "Shared at high risk under the MARAC lawful basis") : nil,
                victimFears: form.victimFears, safeContacts: form.safeContacts, unsafeContacts: form.unsafeContacts,
                repeat: false, riskSummary: form.riskSummary ?? "DASH \(dash.score) completed by the family service")
            try ctx.sendMaracReferral(referral)
            ctx.log("marac-referral", subject: adultURC, "MARAC referral \(referral.maracReferralId) (DASH \(dash.score))")
        }
        if form.housing?.needsMove == true, let housing = form.housing {
            ctx.cause = "refer-safehome"
            let r = Referral(referralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: form.caseworker),
                             sharing: try ctx.sharing(of: adultURC, to: .safehome, purpose: ctx.settings.purpose(ofReferralTo: .safehome),
                                                      lawfulBasis: form.lawfulBasis(for: .safehome, at: ctx.now)),
                             priority: form.priority ?? .standard, reason: form.reason ?? "A family that needs to move to be safe",
                             subject: adult, subjectRole: .victim,
                             household: Referral.Household(children: children), needs: [.housing], housing: housing, notes: form.notes)
            try ctx.sendReferral(r, to: .safehome)
            ctx.log("refer-safehome", subject: adultURC, "referral \(r.referralId) to safehome")
        }
        return adultURC
    }

    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            let r = try message.decode(Referral.self)
            ctx.cause = "accept-referral"
            // recordReceived keeps each child's URC as given and links it to the adult's.
            try ctx.recordReceived(r, from: message.envelope.sender, messageID: message.envelope.messageID, status: "received")
            try ctx.sendOutcome(for: try ctx.receivedReferral(r.referralId), .accepted)
            ctx.log("child-urcs", subject: r.subject.urc, "\(r.household?.children?.count ?? 0) child(ren) held with the URCs given, linked to the adult's")
            ctx.log("accept-referral", subject: r.subject.urc, "referral \(r.referralId) from \(message.envelope.sender) accepted")
        case .safetyAlert:
            break
        default:
            throw LotError.unprocessable("the family service does not take \(message.envelope.type.rawValue) messages")
        }
    }
}
