import Contracts
import Foundation

/// What the gateway knows of each person, by URC: the role it first delivered a message naming them in, and which
/// services hold them (the issuer of the URC, and every service the gateway delivered a message naming them to).
///
/// A person keeps their first role: a message naming them in a role the policy does not let follow it is refused
/// (`subject-role-conflict`), so a victim's URC cannot later travel as a perpetrator's.
public enum PersonRegistry {
    /// The role a person was first seen in, and where.
    public struct Known: Sendable, Equatable {
        /// The role the person was first named in, which later messages must fit.
        public var role: PersonRole
        /// The service that sent the first message naming them in that role.
        public var firstSeenBy: String
        /// That first message's id.
        public var firstMessageID: String
        /// When the gateway delivered that first message.
        public var firstSeenAt: Timestamp

        /// What a registry row says of the person's role; nil while no role is known.
        public init?(_ record: PersonRecord) {
            guard let role = record.role else { return nil }
            self.role = role
            firstSeenBy = record.firstSeenBy
            firstMessageID = record.firstMessageID
            firstSeenAt = record.firstSeenAt
        }
    }

    /// The known roles of `urcs` (those the gateway has seen in a role).
    public static func known(_ urcs: [URC], in tx: any GatewayTransaction) throws -> [URC: Known] {
        let rows = try tx.people(urcs.map(\.canonical))
        var out: [URC: Known] = [:]
        for urc in urcs {
            if let row = rows.first(where: { $0.urc == urc.canonical }), let known = Known(row) { out[urc] = known }
        }
        return out
    }

    /// Whether `party` holds the person: it issued the URC, or the gateway delivered a message naming them to it.
    public static func holds(_ party: PartyID, _ urc: URC, parties: PartyDirectory, in tx: any GatewayTransaction) throws -> Bool {
        if parties.party(issuing: urc) == party { return true }
        return try holders(of: urc, in: tx).contains(party.rawValue)
    }

    /// The services that hold a person besides its issuer (for `refgw person show`).
    public static func holders(of urc: URC, in tx: any GatewayTransaction) throws -> [String] {
        try tx.people([urc.canonical]).first?.holders ?? []
    }

    /// Why a role could not be corrected.
    public struct CorrectionError: Error, CustomStringConvertible {
        /// Why the role was not corrected.
        public let description: String
    }

    /// Sets a person's role anew (an administrator correcting a role first given by mistake), audited under `by`
    /// with `reason` in the same transaction; returns the role it replaced.
    public static func correct(
        _ urc: URC, to role: PersonRole, by actor: String, reason: String, at now: Timestamp = Timestamp(),
        in tx: any GatewayTransaction
    ) throws -> PersonRole {
        guard var row = try tx.people([urc.canonical]).first, let old = row.role else {
            throw CorrectionError(description: "the gateway has never delivered a message naming \(urc.canonical): there is no role to correct")
        }
        guard old != role else { throw CorrectionError(description: "\(urc.canonical) is already known as a \(role.rawValue)") }
        row.role = role
        try tx.savePeople([row])
        try tx.appendAudit(
            AuditEntry(
                at: now, event: .roleCorrected, messageID: "(none)", type: "person", sender: "gateway",
                recipient: "gateway", subject: urc.canonical, basisReference: "\(old.rawValue) -> \(role.rawValue)",
                justification: reason, actor: actor))
        return old
    }
}
