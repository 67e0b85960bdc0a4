import Contracts
import Foundation
import LotKit

/// Lot 2, the Safe Home Service: housing. Takes referrals only from the family, victim and perpetrator services
/// (config/lots.yaml), keeps the URC it was given, and can refer on to the sanctuary scheme (`refer`).
public struct SafeHomeLot: WorkerLot {
    /// The safe home service (Lot 2, housing) on the gateway.
    public let party = PartyID.safehome
    /// The safe home service, made from nothing: its settings come with each context.
    public init() {}

    /// Referrals accepted from the allowed services, keeping the URC given, and declined from any other.
    public var rules: [RuleDescription] {
        [
            .init("accept-referral", "A referral from an allowed service is accepted, keeping the URC it came with."),
            .init("decline-referral", "A referral from any other service is declined (the seed lets only family, victim and perpetrator refer)."),
        ]
    }

    /// Takes referrals: accepted from `safehome.acceptsReferralsFrom`, declined from others; alerts are stored; refuses the rest.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            let r = try message.decode(Referral.self)
            let sender = message.envelope.sender
            if ctx.settings.safehome.acceptsReferralsFrom.contains(sender) {
                try ctx.acceptReferral(r, from: sender, messageID: message.envelope.messageID)
            } else {
                ctx.cause = "decline-referral"
                try ctx.recordReceived(r, from: sender, messageID: message.envelope.messageID, status: .received)
                let allowed = ctx.settings.safehome.acceptsReferralsFrom.map(\.rawValue).joined(separator: ", ")
                try ctx.sendOutcome(
                    for: try ctx.receivedReferral(r.referralId), .declined,
                    declineReason: .init(code: .notEligible, text: "Safe Home takes referrals from \(allowed) only"))
                try ctx.log("decline-referral", subject: r.subject.urc, "referral \(r.referralId) from \(sender) declined")
            }
        case .safetyAlert:
            break
        default:
            throw LotError.unprocessable("the safe home service does not take \(message.envelope.type.rawValue) messages")
        }
    }
}
