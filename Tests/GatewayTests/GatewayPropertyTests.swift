import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import Messaging
import TestSupport
import Testing

@testable import GatewayStorage

/// 10,000 generated referrals through the real gateway and broker: every recipient receives only its
/// allow-listed fields, and the perpetrator service receives no address, phone, email, location, school or
/// MARAC detail, not even inside free text.
@Suite(.needsBroker) struct GatewayPropertyTests {
    @Test func tenThousandGeneratedReferralsAreRedactedForTheirRecipients() async throws {
        let h = try await GatewayHarness(policy: Repo.backlogPolicy)
        let policy = Repo.policy
        var g = MessageGenerator(seed: 0xC0FFEE)
        let routes: [(PartyID, PartyID, Purpose)] = [
            (.victim, .safehome, .housing), (.family, .safehome, .housing), (.victim, .sanctuary, .homeSecurity),
            (.victim, .family, .childSafeguarding), (.safehome, .victim, .safeguardingSupport),
            (.victim, .perpetrator, .perpetratorIntervention), (.safehome, .perpetrator, .perpetratorIntervention),
        ]
        let total = Int(ProcessInfo.processInfo.environment["REFGW_PROPERTY_COUNT"] ?? "") ?? 10_000
        var bySender: [PartyID: [SignedMessage]] = [:]
        var expected: [PartyID: Int] = [:]
        var plantedForPerpetrator: [String: [String]] = [:]  // message id → details planted in it
        var consents: [PartyID: [SignedMessage]] = [:]
        for i in 0..<total {
            let (sender, recipient, purpose) = routes[i % routes.count]
            // The sender's own URC: a service records consent only for people it holds.
            let subject = try Repo.parties.allocator(for: sender).allocate()
            // Consent for this person and recipient, recorded by the sender before the referral.
            let record = ConsentRecord.given(
                consentId: UUID().uuidString.lowercased(), recipients: [recipient], purposes: [purpose],
                givenAt: Timestamp().adding(seconds: -60), expiresAt: Timestamp().adding(seconds: 86_400),
                method: .written, recordedBy: Referrer(service: sender, staff: Staff(name: "W", role: "IDVA")))
            consents[sender, default: []].append(try h.message(record, from: sender, to: .gateway, about: subject))
            let before = g.planted.count
            let referral = g.referral(to: recipient, from: sender, subject: subject)
            let m = try h.message(referral, from: sender, to: recipient, about: subject)
            if recipient == .perpetrator { plantedForPerpetrator[m.envelope.messageID] = Array(g.planted[before...]) }
            bySender[sender, default: []].append(m)
            expected[recipient, default: 0] += 1
        }
        for (sender, records) in consents { try await h.submit(records, as: sender) }
        try await h.waitUntilProcessed(total)
        for (sender, messages) in bySender { try await h.submit(messages, as: sender) }
        try await h.waitUntilProcessed(2 * total)
        let refusals = try await h.store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT reason_code, justification, COUNT(*) AS n FROM audit WHERE event = 'refused' GROUP BY 1, 2")
                .map { "\($0["n"] as Int) × \($0["reason_code"] as String): \($0["justification"] as String)" }
        }
        try #require(refusals.isEmpty, "refused: \(refusals.joined(separator: "; "))")

        var checked = 0
        for party in Set(expected.keys).union(consents.keys) {
            let count = expected[party] ?? 0
            let acknowledgements = consents[party]?.count ?? 0
            let all = try await h.drain(count + acknowledgements, from: party)
            // A sender's inbox also holds the gateway's acknowledgement of each consent record it sent.
            let received = all.filter { $0.properties.type == MessageType.referral.rawValue }
            #expect(
                all.count - received.count == acknowledgements
                    && all.allSatisfy {
                        [MessageType.referral.rawValue, MessageType.consentAcknowledgement.rawValue].contains($0.properties.type ?? "")
                    })
            #expect(received.count == count, "\(party) received \(received.count) of \(count)")
            guard count > 0 else { continue }
            let recipient = party
            let rule = try #require(policy.rule(for: recipient, type: .referral))
            for d in received {
                let (env, body) = try h.verified(d)
                #expect(env.recipient == recipient && env.type == .referral)
                for path in leafPaths(body) {
                    #expect(rule.fields.covers(path), "\(recipient) received '\(path)', which its allow-list does not name")
                }
                if recipient == .perpetrator {
                    let text = squashed(String(decoding: d.body, as: UTF8.self))
                    for detail in plantedForPerpetrator[env.messageID] ?? [] {
                        #expect(!text.contains(squashed(detail)), "the perpetrator service received a planted contact detail")
                    }
                    for word in ["address", "safecontact", "school", "household", "marac", "refuge", "postcode", "email", "phone"] {
                        #expect(!text.contains(word), "the perpetrator service received '\(word)'")
                    }
                }
                checked += 1
            }
        }
        #expect(checked == total)
        let stats = h.service.statistics
        #expect(stats.delivered == total && stats.refused == 0 && stats.consentRecords == total)

        // Every delivery is in the audit log with its basis and the names of what was removed; the chain holds.
        let (deliveries, withRemovals, verification) = try await h.store.database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND basis = 'consent'")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND removed_fields != '[]'")!,
                try AuditLog.verify(db.tx)
            )
        }
        #expect(deliveries == total)
        #expect(withRemovals > total / 2)
        #expect(verification.isIntact && verification.entries == 2 * total)
        await h.shutDown()
    }
}
