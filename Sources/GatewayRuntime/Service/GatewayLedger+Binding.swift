import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Messaging

extension GatewayLedger {
    /// The checks of a delivery that need what the gateway delivered before, inside the batch's transaction:
    /// what the body refers to was delivered between these services about this person; identifiers it carries
    /// are not another person's; everyone keeps the role they were first seen in; and a recipient that may only
    /// hear of people in some roles hears of nobody else. Nil when it may go on to the consent check.
    func checkBinding(_ p: PreparedDelivery, envelope env: Envelope, in tx: any GatewayTransaction) throws -> Refusal? {
        for ref in p.bound.references {
            switch try Correspondence.find(ref, sender: env.sender, recipient: env.recipient, subject: env.subject, in: tx) {
            case .found:
                continue
            case .otherSubject:
                return Refusal(
                    .subjectMismatch,
                    "\(ref.kind.rawValue) \(ref.id) was delivered about another person than \(env.subject.canonical)\(ref.caseID.map { " or in another case than \($0)" } ?? "")"
                )
            case .unknown:
                return Refusal(
                    .unknownReference,
                    "the gateway delivered no \(ref.kind.rawValue) \(ref.id) \(ref.between.phrase(sender: env.sender, recipient: env.recipient)): a message may only answer or refer to what the gateway delivered"
                )
            }
        }
        for r in p.records where try Correspondence.isRecorded(r, aboutAnotherThan: env.subject, in: tx) {
            return Refusal(.subjectMismatch, "\(r.kind.rawValue) \(r.id) was delivered before about another person: an identifier names one thing")
        }
        let known = try people(in: tx).known(p.bound.people.map(\.urc), in: tx)
        for person in p.bound.people {
            guard let claimed = person.role, let k = known[person.urc], !decider.policy.role(claimed, fits: k.role) else { continue }
            return Refusal(
                .subjectRoleConflict,
                "\(person.urc.canonical) is named as a \(claimed.rawValue) but has been known as a \(k.role.rawValue) since \(k.firstSeenAt.rfc3339): a person keeps their role (an administrator can correct a wrong one with `refgw person correct`)"
            )
        }
        if let allowed = decider.policy.onlyKnownAs[env.recipient] {
            for person in p.deliveredPeople {
                let role = known[person.urc]?.role ?? person.role
                guard let role, allowed.contains(role) else {
                    let as_ = role.map { "is known as a \($0.rawValue)" } ?? "is not known to the gateway in any role"
                    return Refusal(
                        .subjectRoleConflict,
                        "\(env.recipient) may only receive messages about people known as \(allowed.map(\.rawValue).sorted().joined(separator: " or ")); \(person.urc.canonical) \(as_)"
                    )
                }
            }
        }
        return nil
    }

    /// Everything a delivery changes besides the audit entry and the outbox: the roles its sender declared, that its
    /// recipient now holds everyone it names, and what later messages may refer to.
    func remember(_ p: PreparedDelivery, envelope env: Envelope, now: Timestamp, in tx: any GatewayTransaction) throws {
        try people(in: tx).remember(
            declared: p.bound.people, delivered: p.deliveredPeople.map(\.urc), recipient: env.recipient,
            seenBy: env.sender, messageID: env.messageID, parties: decider.parties, now: now, in: tx)
        try Correspondence.record(p.records, envelope: env, now: now, in: tx)
    }

    /// Whether the sender may keep this consent record: it holds the person (a consent given), it recorded the
    /// consent or the policy names it for the person's role (a withdrawal), and the consent id is used once.
    func checkConsentAuthority(_ record: ConsentRecord, envelope env: Envelope, in tx: any GatewayTransaction) throws -> Refusal? {
        let existing = try ConsentRegistry.recorded(record.consentId, in: tx)
        switch record.status {
        case .given:
            if existing != nil {
                return Refusal(.invalidConsent, "consent \(record.consentId) is already recorded: a new consent needs a new id")
            }
            guard try people(in: tx).holds(env.sender, env.subject, parties: decider.parties, in: tx) else {
                return Refusal(
                    .consentNotPermitted,
                    "\(env.sender) holds no record of \(env.subject.canonical): only a service that issued the URC or received the person through the gateway may record their consent"
                )
            }
        case .withdrawn:
            // Someone else's consent id is answered as an unknown one: the answer tells nothing about other people.
            guard let existing, existing.subject == env.subject else {
                return Refusal(.invalidConsent, "the gateway holds no consent \(record.consentId) for \(env.subject.canonical)")
            }
            if existing.withdrawnAt != nil {
                return Refusal(.invalidConsent, "consent \(record.consentId) was already withdrawn")
            }
            if existing.recordedBy != env.sender.rawValue {
                let role = try people(in: tx).known([env.subject], in: tx)[env.subject]?.role
                guard let role, decider.policy.consentWithdrawnAlsoBy[role]?.contains(env.sender) == true else {
                    return Refusal(
                        .consentNotPermitted,
                        "consent \(record.consentId) was recorded by \(existing.recordedBy), and the policy does not let \(env.sender) withdraw it: ask the person to tell \(existing.recordedBy), or have it withdrawn there"
                    )
                }
            }
        }
        return nil
    }

    /// The gateway's acknowledgement of a kept consent record, to the service that sent it.
    func acknowledge(
        _ record: ConsentRecord, envelope env: Envelope, reportTo: PartyID, now: Timestamp, in tx: any GatewayTransaction
    ) throws -> Outbox.Entry {
        let ack = ConsentAcknowledgement(originalMessageId: env.messageID, consentId: record.consentId, status: record.status, recordedAt: now)
        let message = try SignedMessage.make(ack, to: reportTo, about: env.subject, signer: decider.signer, sentAt: now)
        let out = message.outgoing(exchange: topology.deliverExchange, routingKey: reportTo.rawValue, brokerUser: nil)
        return Outbox.Entry(id: try Outbox.add(out, in: tx), message: out)
    }
}

extension MessageBindings.Between {
    /// How a refusal says between whom the item should have been delivered.
    func phrase(sender: PartyID, recipient: PartyID) -> String {
        switch self {
        case .reply: return "from \(recipient) to \(sender)"
        case .either: return "between \(sender) and \(recipient)"
        case .received: return "to \(sender)"
        case .any: return "about this person"
        }
    }
}
