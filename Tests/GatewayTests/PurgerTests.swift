import Contracts
import Foundation
import GatewayRuntime
import GatewayStorage
import Logging
import TestSupport
import Testing

/// The purger each gateway runs beside its message loop, on the rules the repository ships.
@Suite struct PurgerTests {
    @Test("the shipped config/retention.yaml reads, with bounds that keep message ids far longer than the clock window")
    func shippedRules() throws {
        let rules = try RetentionRules(contentsOf: Repo.root.appendingPathComponent("config/retention.yaml"))
        #expect(rules.seenMessageDays >= 7 && rules.replayedDeadLetterContentDays >= 1 && rules.intervalSeconds >= 60)
    }

    @Test("a running purger purges at its start without being asked, in small audited transactions, and stops on cancellation")
    func runsOnItsOwn() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("purger-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteGatewayStore(path: dir.appendingPathComponent("gateway.sqlite").path, instance: "gateway-1")
        let now = Timestamp()
        try await store.write { tx in
            for i in 0..<12 {
                try tx.rememberMessage(
                    SeenMessage(messageID: "m-\(i)", sender: "victim", fingerprint: "f", processedAt: now.adding(seconds: Double(-i * 20) * 86_400)))
            }
        }
        // Kept 90 days: m-5 … m-11 (100 … 220 days old) go; m-0 … m-4 stay. Three a transaction: the purger goes on.
        let rules = RetentionRules(seenMessageDays: 90, replayedDeadLetterContentDays: 30, intervalSeconds: 3600, rowsPerTransaction: 3)
        let purger = Purger(rules: rules, store: store, logger: Logger(label: "test"))
        let running = Task { try await purger.run() }
        try await eventually("the purger has finished its first run", timeout: 30) {
            try await store.read { try $0.lastMaintenance(Retention.purgeTask) } != nil
        }
        running.cancel()
        _ = try? await running.value
        let left = try await store.read { tx in try (0..<12).filter { try tx.seenMessage("m-\($0)") != nil } }
        #expect(left == [0, 1, 2, 3, 4])
        let entries = try await store.read { try $0.latestAuditEntries(10) }
        #expect(entries.map(\.event) == [.purged, .purged, .purged] && entries.allSatisfy { $0.instance == "gateway-1" })
        #expect(try await store.read { try $0.lastMaintenance(Retention.purgeTask) }?.instance == "gateway-1")
    }
}
