import AMQP
import Contracts
import Foundation
import GatewayCore
import GatewayDecision
import Messaging
import TestSupport
import Testing

@testable import GatewayStorage

/// Two gateways of a region, competing consumers of one `gateway.in` on the real broker, each with its own
/// connections to one PostgreSQL database: a message id is decided once whichever takes it, and a withdrawal one
/// gateway recorded refuses the next message on the other.
@Suite(.needsBroker, .enabled(if: GatewayStoreConformanceTests.Kind.postgresURL != nil, "needs REFGW_POSTGRES_URL (the test command sets it)"))
struct RegionGatewayTests {
    static let urcs = try! URCAllocator(issuer: "10")

    /// A new database of the test's own, and a store on it for each of `gateways` gateways.
    static func region(gateways: Int) throws -> (stores: [PostgresGatewayStore], drop: () -> Void) {
        let server = try #require(GatewayStoreConformanceTests.Kind.postgresURL)
        let name = "region_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresGatewayStore.createDatabase(name, on: server)
        let url = PostgresGatewayStore.url(server, database: name)
        let stores = try (0..<gateways).map { _ in try PostgresGatewayStore(url: url) }
        return (stores, { try? PostgresGatewayStore.dropDatabase(name, on: server) })
    }

    @Test("a withdrawal recorded by one gateway refuses the next referral on the other")
    func withdrawalOnOneGatewayHoldsOnTheOther() async throws {
        let (stores, drop) = try Self.region(gateways: 2)
        defer { drop() }
        let h = try await GatewayHarness(stores: stores)
        await h.stop(1)  // only the first decides the consent and its withdrawal
        let subject = Self.urcs.allocate()
        let id = try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        try await h.withdrawConsent(id, from: .victim, subject: subject)
        await h.stop(0)
        h.start(1)
        try await h.submit([try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)])
        let report = try #require(try await h.take(1, from: h.names.inbox(.victim)).first, "no answer from the second gateway")
        #expect(try h.verified(report).1["reasonCode"]?.stringValue == ReasonCode.consentWithdrawn.rawValue)
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 0.5).isEmpty)
        #expect(h.services[1].statistics.refused == 1 && h.services[0].statistics.refused == 0)
        await h.shutDown()
    }

    @Test("every referral sent twice to two gateways at once is decided once, in one chain that verifies, with nothing left in the outbox")
    func twoGatewaysDecideEachMessageOnce() async throws {
        let (stores, drop) = try Self.region(gateways: 2)
        defer { drop() }
        let h = try await GatewayHarness(stores: stores)
        let subject = Self.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        let before = h.processed
        let referrals = try (0..<60).map { _ in
            try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
        }
        // Each one twice, the copies side by side: a sender's retry, taken by either gateway.
        try await h.submit(referrals.flatMap { [$0, $0] })
        try await h.waitUntilProcessed(before + 120)
        let inbox = try await h.drain(120, from: .safehome, stall: 3)
        // A copy may reach the inbox twice (the receiver dedupes by message id); each is delivered once.
        #expect(Set(inbox.compactMap(\.properties.messageID)) == Set(referrals.map(\.envelope.messageID)))
        #expect(h.services.allSatisfy { $0.statistics.processed > 0 }, "one gateway took every message: nothing was raced")
        await h.stopGateway()
        let audit = try await stores[0].read { tx in (try AuditLog.verify(tx), try tx.latestAuditEntries(10_000)) }
        #expect(audit.0.isIntact)
        let delivered = audit.1.filter { $0.event == .delivered }.map(\.messageID)
        #expect(delivered.count == referrals.count && Set(delivered) == Set(referrals.map(\.envelope.messageID)))
        #expect(try await stores[1].read { try $0.pendingOutbox() }.isEmpty)
        await h.shutDown()
    }
}
