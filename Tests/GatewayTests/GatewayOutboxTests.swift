import AMQP
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

    @Test("a message the broker does not confirm is published again while its input waits unacknowledged")
    func unconfirmedMessagesArePublishedAgainInPlace() async throws {
        let h = try await GatewayHarness()
        let subject = RegionGatewayTests.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        let before = h.service.statistics
        // No inbox for the recipient: the gateway's mandatory publish comes back unroutable until it is declared again.
        let admin = try await AMQPAdminClient(configuration: GatewayHarness.admin)
        try await admin.deleteQueue(h.names.inbox(.safehome))
        let referral = try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
        try await h.submit([referral])
        try await eventually("the referral was decided and its delivery waits in the outbox", timeout: 30) {
            try await h.store.read { try $0.pendingOutbox() }.count == 1
        }
        // A few attempts fail (250 ms, 500 ms, 1 s apart) before the inbox comes back.
        try await Task.sleep(for: .seconds(2))
        #expect(h.service.statistics.delivered == before.delivered, "delivered although nothing could route it")
        try await TestBrokerEnvironment.declare(h.names)
        let got = try await h.drain(1, from: .safehome)
        #expect(got.count == 1)
        try await eventually("the gateway acknowledged the referral", timeout: 30) {
            h.service.statistics.delivered == before.delivered + 1
        }
        // Given back, it would have come again and been counted as a duplicate, one of its five attempts spent.
        #expect(h.service.statistics.duplicates == before.duplicates)
        #expect(try await admin.messageCount(h.names.gatewayQueue) == 0)
        await admin.close()
        await h.shutDown()
    }
}
