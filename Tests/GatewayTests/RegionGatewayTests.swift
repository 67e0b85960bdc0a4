import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
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

    @Test("two dead-letter keepers on one database keep every letter once when each comes twice, copies side by side")
    func twoKeepersKeepEachLetterOnce() async throws {
        let (stores, drop) = try Self.region(gateways: 2)
        defer { drop() }
        let h = try await GatewayHarness(stores: stores)
        await h.stopGateway()
        let keepers = stores.map { DeadLetterKeeper(store: $0, configuration: DeadLetterReplayTests.deadLetterUser, topology: h.names) }
        let running = keepers.map { k in Task { try await k.run() } }
        // Refusals as the gateway writes them, each twice in a row: what a keeper that died before acknowledging
        // leaves the other, and the broker hands consecutive messages to different consumers.
        let refusedAt = Timestamp().rfc3339
        let letters = (0..<150).map { i in
            OutgoingMessage(
                exchange: h.names.deadLetterExchange, routingKey: h.names.gatewayQueue,
                properties: AMQPProperties(
                    contentType: "application/json", messageID: UUID.randomLowercased(), type: "referral",
                    headers: [
                        "refgw-reason": .string("no-consent"), "refgw-refused-at": .string(refusedAt), "refgw-sender": .string("victim"),
                        "refgw-recipient": .string("safehome"),
                    ]),
                body: Data("letter \(i)".utf8))
        }
        let publisher = try await AMQPPublisher(configuration: GatewayHarness.admin)
        for r in await publisher.publish(letters.flatMap { [$0, $0] }) { try r.get() }
        await publisher.close()
        try await eventually("every letter is kept and the queue is empty", timeout: 60) {
            let kept = try await stores[0].read { try $0.deadLetterCount(status: nil) }
            let waiting = try await TestBrokerEnvironment.messageCount(h.names.deadLetterQueue)
            return kept >= 150 && waiting == 0
        }
        for k in keepers { await k.stop() }
        for r in running { _ = try? await r.value }
        #expect(try await stores[1].read { try $0.deadLetterCount(status: nil) } == 150)
        #expect(keepers.reduce(0) { $0 + $1.kept } == 150)
        let kept = try await stores[0].read { try $0.deadLetters(DeadLetterFilter(), limit: 1000) }
        #expect(Set(kept.compactMap(\.messageID)) == Set(letters.compactMap(\.properties.messageID)))
        await h.shutDown()
    }
}
