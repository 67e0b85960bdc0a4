import AMQP
import Contracts
import Foundation
import GRDB
import GatewayStorage
import Messaging
import TestSupport
import Testing

/// The region on the real three-node cluster and PostgreSQL: two gateways and two dead-letter keepers on one
/// database, the six workers connected to every node. The test command runs it as its own step, with the cluster's
/// env sourced (REFGW_CLUSTER_DIR, and every URL a list of the three nodes).
@Suite(
    "A region on the three-node cluster", .serialized,
    .enabled(
        if: RegionEnvironment.clusterDirectory != nil && RegionEnvironment.postgresServer != nil,
        "needs the private cluster and PostgreSQL: the test command's cluster step (scripts/test.sh) sets REFGW_CLUSTER_DIR"))
struct RegionSystemTests {
    static var clusterDirectory: String? { RegionEnvironment.clusterDirectory }
    static var postgresServer: String? { RegionEnvironment.postgresServer }
    /// How many referrals the run sends: 10,000 unless REFGW_REGION_REFERRALS says otherwise (a quicker try).
    static var referrals: Int { Int(ProcessInfo.processInfo.environment["REFGW_REGION_REFERRALS"] ?? "") ?? 10_000 }

    /// Runs `scripts/cluster.sh` on the cluster; returns what it printed.
    @discardableResult
    static func cluster(_ arguments: String...) async throws -> String {
        let script = Repo.root.appendingPathComponent("scripts/cluster.sh").path
        let (status, text) = try await Subprocess.output(of: ["/bin/bash", script, arguments[0], clusterDirectory!] + arguments.dropFirst())
        guard status == 0 else { throw HarnessError("cluster.sh \(arguments.joined(separator: " ")) failed (status \(status)): \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("two gateways, 10,000 referrals: kill -9 of a gateway and the loss of gateway.in's leader node; each applied exactly once")
    func referralsSurviveLosingAGatewayAndANode() async throws {
        let server = try #require(Self.postgresServer)
        let database = "region_system_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresGatewayStore.createDatabase(database, on: server)
        let url = PostgresGatewayStore.url(server, database: database)
        let h = try await SystemHarness(SystemLayout(gateways: 2, postgres: url))
        var stoppedNode: String?
        defer {
            h.stop()
            // A node this test stopped is started again even when it fails, for whatever runs on the cluster next.
            if let n = stoppedNode {
                try? Subprocess.runInBackground([
                    "/bin/bash", Repo.root.appendingPathComponent("scripts/cluster.sh").path, "start-node", Self.clusterDirectory!, n,
                ])
            }
        }
        let count = Self.referrals
        let victim = try h.recordReferrals(count, to: .family)
        let family = try h.store("family")
        func familyReceived() throws -> Int {
            try family.read { (db: Database) throws -> Int in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM referral WHERE direction = 'in'") ?? 0 }
        }
        func victimAccepted() throws -> Int { try victim.count("SELECT COUNT(*) FROM referral WHERE status = 'accepted'") }
        // Bounds for a slow machine, never a speed asserted: each phase waits as long as it must.
        let phase = max(120, Double(count) / 20)

        try await eventually("the family service received a fifth of the referrals", timeout: phase) { try familyReceived() >= count / 5 }
        try await h.crash("gateway-1")
        try await eventually("the family service received two fifths with one gateway left", timeout: phase) { try familyReceived() >= 2 * count / 5 }
        let leader = try await Self.cluster("leader", h.namespace + "gateway.in")
        stoppedNode = leader
        try await Self.cluster("stop-node", leader)
        let moved = try await Self.cluster("leader", h.namespace + "gateway.in")
        #expect(moved != leader, "gateway.in's leader stayed on the stopped node \(leader)")
        try await eventually("the family service received three fifths with a node down", timeout: phase) { try familyReceived() >= 3 * count / 5 }
        try await Self.cluster("start-node", leader)
        stoppedNode = nil
        try await h.script("system.sh", "start-one", h.directory.path, "gateway-1")
        try await eventually("every referral was received and accepted", timeout: 2 * phase) {
            try familyReceived() == count && victimAccepted() == count
        }

        // Exactly once at each end, nothing waiting in any worker's outbox.
        try await family.read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT referral_id) FROM referral WHERE direction = 'in'") == count)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE type = 'referral'") == count)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE type = 'referral-outcome'") == count)
        }
        try await eventually("every worker's outbox was sent", timeout: phase) {
            let unsent = try family.read { (db: Database) throws -> Int in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") ?? 0
            }
            let victimUnsent = try victim.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            return unsent == 0 && victimUnsent == 0
        }
        #expect(try victim.count("SELECT COUNT(*) FROM inbox WHERE type = 'referral-outcome'") == count)
        #expect(try victim.count("SELECT COUNT(*) FROM referral_event WHERE status = 'accepted'") == count)

        // One chain that verifies, every decision in it once, both gateways deciding, nothing in the outbox.
        let store = try PostgresGatewayStore(url: url)
        try await eventually("the gateways' outbox emptied", timeout: phase) { try await store.read { try $0.pendingOutbox() }.isEmpty }
        let (verified, entries) = try await store.read { tx in (try AuditLog.verify(tx), try tx.latestAuditEntries(4 * count + 100)) }
        #expect(verified.isIntact)
        let decisions = entries.filter { $0.event == .delivered || $0.event == .refused }
        let byID = Dictionary(grouping: decisions, by: \.messageID)
        #expect(byID.values.filter { $0.count > 1 }.isEmpty, "a message was decided more than once")
        #expect(decisions.filter { $0.event == .refused }.isEmpty)
        #expect(Set(decisions.filter { $0.type == "referral" }.map(\.messageID)).count == count)
        #expect(Set(decisions.filter { $0.type == "referral-outcome" }.map(\.messageID)).count == count)
        #expect(Set(decisions.compactMap(\.instance)) == ["gateway-1", "gateway-2"])
        let deadLetters = try await store.read { try $0.deadLetters(DeadLetterFilter(includeResolved: true), limit: 20) }
        #expect(
            deadLetters.isEmpty,
            """
            dead letters were kept: \(deadLetters.map { "\($0.queue) \($0.reason) ×\($0.deathCount) \($0.type ?? "-")" })
            \(h.loggedProblems())
            """)

        // Nothing left in any queue of the run's namespace, on whichever nodes hold them now.
        let names = ReferralGatewayTopology(namespace: h.namespace)
        let admin = try await AMQPAdminClient(configuration: TestBrokerEnvironment.admin)
        for queue in names.queueNames() { #expect(try await admin.messageCount(queue) == 0, "\(queue) still holds messages") }
        await admin.close()
        h.stop()
        try await Task.sleep(for: .seconds(2))
        try? PostgresGatewayStore.dropDatabase(database, on: server)
    }
}

/// What the test command's cluster step exports: the cluster's directory and the PostgreSQL server.
enum RegionEnvironment {
    static var clusterDirectory: String? { ProcessInfo.processInfo.environment["REFGW_CLUSTER_DIR"] }
    static var postgresServer: String? { ProcessInfo.processInfo.environment["REFGW_POSTGRES_URL"] }
}
