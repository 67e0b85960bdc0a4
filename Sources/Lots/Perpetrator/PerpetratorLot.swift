import Contracts
import Foundation
import GRDB
import LotKit

/// Lot 4, Perpetrator Intervention: works with the man, never holds where his partner or children are. It
/// identifies partners so the victim service (which holds their details) can support them.
public struct PerpetratorLot: WorkerLot {
    /// The perpetrator intervention service (Lot 4, a Respect-accredited programme) on the gateway.
    public let party = PartyID.perpetrator
    /// The perpetrator service, made from nothing: its settings come with each context.
    public init() {}

    /// Never: an address, phone, email or safe contact of anyone (dropped before storing, whatever arrives).
    public var holdsContactDetails: Bool { false }

    /// Adds the `self_referral` table: men's own requests for help, holding no contact details of anyone.
    public var migrations: [(String, @Sendable (Database) throws -> Void)] { [Self.selfReferralMigration] }

    /// Self-referral, agency referrals accepted without contact details, and partner-support referrals to the victim service.
    public var rules: [RuleDescription] {
        [
            .init("self-referral", "A person asking for help to change is taken on from an intake holding no contact details of anyone."),
            .init("accept-referral", "A referral about a man seeking help is accepted; contact details are never stored."),
            .init(
                "partner-support",
                "A partner named by a man on the programme is referred to the victim service for support; this service keeps only the partner's URC and name."
            ),
        ]
    }

    /// Takes referrals about perpetrators only, accepted with any contact details dropped; refuses every other message.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            let r = try message.decode(Referral.self)
            guard r.subjectRole == .perpetrator else {
                throw LotError.unprocessable("the perpetrator service takes referrals about perpetrators only")
            }
            try ctx.acceptReferral(r, from: message.envelope.sender, messageID: message.envelope.messageID)
        default:
            throw LotError.unprocessable("the perpetrator service does not take \(message.envelope.type.rawValue) messages")
        }
    }

    /// Asks the victim service to support the partner of a man this service works with.
    @discardableResult
    public func requestPartnerSupport(
        for man: URC, partnerName: PersonName, partnerURC: URC?, justification: String,
        staff: Staff, in ctx: LotContext
    ) throws -> String {
        let held = try ctx.person(man)
        guard held.role == .perpetrator else {
            throw LotError.badInput("\(man.canonical) is not a man on the programme here")
        }
        guard !justification.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LotError.badInput("a partner-support request needs a justification: why the partner should be contacted")
        }
        ctx.cause = "partner-support"
        let partner = Person(urc: try partnerURC ?? ctx.allocateURC(), name: partnerName)
        try ctx.hold(partner, role: .victim, linkedTo: man, allocatedHere: partnerURC == nil)
        let purpose = ctx.settings.partnerSupportPurpose
        let referral = Referral(
            referralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: staff),
            sharing: Sharing(
                purpose: purpose,
                lawfulBasis: LawfulBasis(
                    code: .safeguarding, justification: justification,
                    decidedBy: staff, decidedAt: ctx.now)),
            priority: .standard, reason: "Partner of a man on the perpetrator programme: offer of support",
            subject: partner, subjectRole: .victim,
            household: Referral.Household(perpetrator: .init(urc: man, name: held.person?.name, relationship: .partner)),
            needs: [.partnerSupport])
        try ctx.sendReferral(referral, to: .victim)
        try ctx.log("partner-support", subject: man, "partner-support referral \(referral.referralId) to the victim service")
        return referral.referralId
    }
}
