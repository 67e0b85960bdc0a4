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

/// Graceful shutdown (what SIGTERM triggers through the service group): the gateway stops receiving, finishes
/// what it was handed, acknowledges nothing unfinished; a new gateway on the same store takes over, and every
/// referral arrives exactly once.
@Suite(.needsBroker) struct GatewayShutdownTests {
    @Test func stoppingMidStreamLosesAndDuplicatesNothing() async throws {
        let h = try await GatewayHarness()
        var g = MessageGenerator(seed: 99)
        let total = 2_000
        var referrals: [SignedMessage] = []
        var consents: [SignedMessage] = []
        for _ in 0..<total {
            let s = g.urcs.allocate()
            consents.append(
                try h.message(
                    ConsentRecord.given(
                        consentId: UUID().uuidString.lowercased(), recipients: [.safehome], purposes: [.housing],
                        givenAt: Timestamp().adding(seconds: -60), expiresAt: Timestamp().adding(seconds: 86_400),
                        method: .verbal, recordedBy: Referrer(service: .victim, staff: Staff(name: "W", role: "IDVA"))),
                    from: .victim, to: .gateway, about: s))
            referrals.append(try h.message(g.referral(to: .safehome, from: .victim, subject: s), from: .victim, to: .safehome, about: s))
        }
        try await h.submit(consents)
        try await h.waitUntilProcessed(total)
        try await h.submit(referrals)
        // Stop while it is busy.
        while h.service.statistics.processed < total + 200 { try await Task.sleep(for: .milliseconds(5)) }
        await h.stopGateway()
        let before = h.service.statistics.processed - total
        #expect(before < total, "the gateway finished everything before it was stopped; the test proves nothing")

        // A new gateway on the same store and queues finishes the rest.
        let successor = GatewayService(
            decider: h.decider, store: h.store, configuration: GatewayHarness.configuration(for: .gateway), topology: h.names)
        let running = Task { try await successor.run() }
        let received = try await h.drain(total, from: .safehome)
        await successor.stop()
        _ = try? await running.value

        let ids = received.map { $0.properties.messageID ?? "" }
        #expect(ids.count == total, "received \(ids.count) of \(total)")
        #expect(Set(ids).count == ids.count, "duplicates: \(ids.count - Set(ids).count)")
        #expect(Set(ids) == Set(referrals.map(\.envelope.messageID)))
        let delivered = try await h.store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered'")!
        }
        #expect(delivered == total, "each referral is in the audit log once")
        await h.shutDown()
    }
}
