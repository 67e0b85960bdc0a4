import Contracts
import Foundation
import GRDB
import LotKit

/// Lot 1, the Family Service: children and young people 0-19 and their parents. Every child has a URC of its
/// own, linked to the adult's; the service refers to safe home and to MARAC.
public struct FamilyLot: WorkerLot, IntakeLot {
    /// The family service (Lot 1, children and young people 0-19 and their parents) on the gateway.
    public let party = PartyID.family
    /// The family service, made from nothing: its settings come with each context.
    public init() {}

    /// A URC per child linked to the adult's, consent, MARAC referral at 14+, safe home referrals, answering referrals.
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
        let (adult, children, perpetrator) = try form.holdPeople(in: ctx)
        let adultURC = adult.urc
        try ctx.log("child-urcs", subject: adultURC, "\(children.count) child(ren) each with a URC linked to the adult's")
        ctx.cause = "record-consent"
        try form.recordConsent(for: adultURC, in: ctx)
        let perpetratorDetails = perpetrator.map { MaracReferral.PerpetratorDetails(urc: $0.urc, name: $0.name, dateOfBirth: $0.dateOfBirth) }
        if let dash, case let criteria = dash.maracCriteria(threshold: ctx.settings.family.maracThreshold), !criteria.isEmpty {
            ctx.cause = "marac-referral"
            let sharing = try ctx.maracSharing(of: adultURC, why: "DASH \(dash.score)", decidedBy: form.caseworker)
            let consent = sharing.consentId
            let referral = MaracReferral(
                maracReferralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: form.caseworker),
                sharing: sharing, victim: adult, perpetrator: perpetratorDetails, children: children, criteria: criteria, dash: dash,
                victimAware: form.victimAware ?? true, victimConsented: consent != nil,
                noConsentReason: consent == nil ? (form.noConsentReason ?? "Shared at high risk under the MARAC lawful basis") : nil,
                victimFears: form.victimFears, safeContacts: form.safeContacts, unsafeContacts: form.unsafeContacts,
                repeat: false, riskSummary: form.riskSummary ?? "DASH \(dash.score) completed by the family service")
            try ctx.sendMaracReferral(referral)
            try ctx.log("marac-referral", subject: adultURC, "MARAC referral \(referral.maracReferralId) (DASH \(dash.score))")
        }
        if form.housing?.needsMove == true, let housing = form.housing {
            ctx.cause = "refer-safehome"
            let r = Referral(
                referralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: form.caseworker),
                sharing: try ctx.sharing(
                    of: adultURC, to: .safehome, purpose: ctx.settings.purpose(ofReferralTo: .safehome),
                    lawfulBasis: form.lawfulBasis(for: .safehome, at: ctx.now)),
                priority: form.priority ?? .standard, reason: form.reason ?? "A family that needs to move to be safe",
                subject: adult, subjectRole: .victim,
                household: Referral.Household(children: children), needs: [.housing], housing: housing, notes: form.notes)
            try ctx.sendReferral(r, to: .safehome)
            try ctx.log("refer-safehome", subject: adultURC, "referral \(r.referralId) to safehome")
        }
        return adultURC
    }

    /// Takes referrals, accepted with each child's URC kept and linked to the adult's; alerts are stored; refuses the rest.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            let r = try message.decode(Referral.self)
            // Each child's URC is kept as given and linked to the adult's.
            try ctx.acceptReferral(r, from: message.envelope.sender, messageID: message.envelope.messageID)
            try ctx.log(
                "child-urcs", subject: r.subject.urc,
                "\(r.household?.children?.count ?? 0) child(ren) held with the URCs given, linked to the adult's")
        case .safetyAlert:
            break
        default:
            throw LotError.unprocessable("the family service does not take \(message.envelope.type.rawValue) messages")
        }
    }
}
