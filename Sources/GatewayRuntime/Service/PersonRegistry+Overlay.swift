import Contracts
import Foundation
import GatewayDecision
import GatewayStorage

extension PersonRegistry {
    /// The registry as one batch of decisions sees it: read once for the whole batch, changed in memory as each
    /// delivery is decided (a later message of the batch sees what an earlier one registered), written at the end.
    /// A delivery used to cost a lookup and up to two writes a person; the batch costs one query, and one write a
    /// person whose row changed.
    final class Overlay: @unchecked Sendable {  // used by the one transaction that made it, never shared
        /// By canonical URC: rows read or made, and people read and found absent (nil).
        private var rows: [String: PersonRecord?] = [:]
        /// URCs whose rows changed, in the order they first changed.
        private var changed: [String] = []
        private var changedKeys: Set<String> = []

        /// Reads the rows of `urcs` not read yet.
        func load(_ urcs: [URC], in tx: any GatewayTransaction) throws {
            var missing: [String] = []
            for urc in urcs where rows[urc.canonical] == nil {
                rows[urc.canonical] = .some(nil)
                missing.append(urc.canonical)
            }
            guard !missing.isEmpty else { return }
            for row in try tx.people(missing) { rows[row.urc] = .some(row) }
        }

        private func row(_ urc: URC) -> PersonRecord? { rows[urc.canonical] ?? nil }

        /// The known role of each of `urcs` (reading what is not read yet).
        func known(_ urcs: [URC], in tx: any GatewayTransaction) throws -> [URC: Known] {
            try load(urcs, in: tx)
            var out: [URC: Known] = [:]
            for urc in urcs { if let r = row(urc), let k = Known(r) { out[urc] = k } }
            return out
        }

        /// Whether `party` holds the person: it issued the URC, or a delivery naming them went to it.
        func holds(_ party: PartyID, _ urc: URC, parties: PartyDirectory, in tx: any GatewayTransaction) throws -> Bool {
            if parties.party(issuing: urc) == party { return true }
            try load([urc], in: tx)
            return row(urc)?.holders.contains(party.rawValue) ?? false
        }

        /// A delivery: the roles `declared` where none was known (the first stays), and that `recipient` holds
        /// everyone `delivered`.
        func remember(
            declared: [BoundBody.Named], delivered: [URC], recipient: PartyID, seenBy sender: PartyID, messageID: String,
            parties: PartyDirectory, now: Timestamp, in tx: any GatewayTransaction
        ) throws {
            try load(declared.map(\.urc) + delivered, in: tx)
            func change(_ urc: URC, _ body: (inout PersonRecord) -> Bool) {
                var r =
                    row(urc)
                    ?? PersonRecord(
                        urc: urc.canonical, role: nil, issuer: parties.party(issuing: urc)?.rawValue ?? urc.issuer,
                        firstSeenBy: sender.rawValue, firstMessageID: messageID, firstSeenAt: now, holders: [])
                guard body(&r) else { return }
                if changedKeys.insert(urc.canonical).inserted { changed.append(urc.canonical) }
                rows[urc.canonical] = .some(r)
            }
            for p in declared {
                guard let role = p.role else { continue }
                change(p.urc) { r in
                    guard r.role == nil else { return false }
                    r.role = role
                    r.firstSeenBy = sender.rawValue
                    r.firstMessageID = messageID
                    r.firstSeenAt = now
                    return true
                }
            }
            for urc in delivered {
                change(urc) { r in
                    guard !r.holders.contains(recipient.rawValue) else { return false }
                    r.holders.append(recipient.rawValue)
                    return true
                }
            }
        }

        /// Writes every changed row.
        func flush(in tx: any GatewayTransaction) throws {
            guard !changed.isEmpty else { return }
            try tx.savePeople(changed.compactMap { rows[$0] ?? nil })
            changed.removeAll()
            changedKeys.removeAll()
        }
    }
}

/// The referrals, MARAC referrals and MARAC actions the gateway delivered, so that an answer, a plan, an update
/// or an alert can be checked to refer to something it delivered between the right services about the same person.
enum Correspondence {
    /// What the registry says of a reference.
    enum Finding: Sendable, Equatable {
        /// Delivered between the right services about the same person: the reference holds.
        case found
        /// Delivered between these services, but about someone else (or in another case).
        case otherSubject
        /// Never delivered between these services.
        case unknown
    }

    /// Remembers what a delivered body carries.
    static func record(_ records: [DeliveredRecord], envelope env: Envelope, now: Timestamp, in tx: any GatewayTransaction) throws {
        for r in records {
            try tx.recordCorrespondence(
                CorrespondenceRecord(
                    kind: r.kind.rawValue, reference: r.id, sender: env.sender.rawValue, recipient: env.recipient.rawValue,
                    subject: env.subject.canonical, caseID: r.caseID, messageID: env.messageID, at: now))
        }
    }

    /// Whether `reference`, used by a message from `sender` to `recipient` about `subject`, names something the
    /// gateway delivered as the reference's `between` requires.
    static func find(
        _ reference: BoundBody.ReferenceUse, sender: PartyID, recipient: PartyID, subject: URC,
        in tx: any GatewayTransaction
    ) throws -> Finding {
        let (s, r) = (sender.rawValue, recipient.rawValue)
        let between = try tx.correspondence(kind: reference.kind.rawValue, reference: reference.id).filter { c in
            switch reference.between {
            case .reply: return c.sender == r && c.recipient == s
            case .either: return (c.sender == s && c.recipient == r) || (c.sender == r && c.recipient == s)
            case .received: return c.recipient == s
            case .any: return true
            }
        }
        guard !between.isEmpty else { return .unknown }
        let matches = between.contains { $0.subject == subject.canonical && (reference.caseID == nil || $0.caseID == reference.caseID) }
        return matches ? .found : .otherSubject
    }

    /// Whether the gateway delivered `record`'s identifier before about someone other than `subject`.
    static func isRecorded(_ record: DeliveredRecord, aboutAnotherThan subject: URC, in tx: any GatewayTransaction) throws -> Bool {
        try tx.correspondence(kind: record.kind.rawValue, reference: record.id).contains { $0.subject != subject.canonical }
    }
}
