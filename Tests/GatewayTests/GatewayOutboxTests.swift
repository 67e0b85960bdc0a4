import Contracts
import Foundation
import GatewayRuntime
import TestSupport
import Testing

@testable import GatewayStorage

/// The outbox while the gateway runs: rows the broker confirmed are deleted even when no further message comes
/// to carry the deletion in its transaction, so an idle gateway leaves nothing for another gateway (or its own
/// restart) to send again.
@Suite(.needsBroker) struct GatewayOutboxTests {
    @Test("a gateway that falls idle leaves nothing in its outbox")
    func idleGatewayEmptiesItsOutbox() async throws {
        let h = try await GatewayHarness()
        let subject = RegionGatewayTests.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        let before = h.processed
        let referrals = try (0..<20).map { _ in
            try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
        }
        try await h.submit(referrals)
        try await h.waitUntilProcessed(before + referrals.count)
        _ = try await h.drain(referrals.count, from: .safehome)
        // Nothing more is sent: the gateway is idle and still running.
        try await eventually("the confirmed rows were deleted", timeout: 30) {
            try await h.store.read { try $0.pendingOutbox() }.isEmpty
        }
        #expect(h.service.statistics.delivered == referrals.count)
        await h.shutDown()
    }
}
