import Contracts
import Foundation
import GatewayStorage
import Messaging
import Operations
import Prometheus
import TestSupport
import Testing

/// `refgw status` as the operator on call runs it: readiness from each admin listener, queues from the broker,
/// refusals and dead letters from the store, keys about to expire; exit 2 when anything needs attention.
@Suite("refgw status", .needsBroker)
struct StatusCommandTests {
    @Test("it names the process that is not ready, the refusals, the dead letter waiting and the key expiring; exit 2")
    func needsAttention() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let database = dir.appendingPathComponent("gateway.sqlite").path
        let store = try SQLiteGatewayStore(path: database, instance: "test")
        let now = Timestamp()
        try await store.write { tx in
            for reason in ["no-consent", "no-consent", "invalid-urc"] {
                try tx.appendAudit(
                    AuditEntry(
                        at: now, event: .refused, messageID: UUID().uuidString.lowercased(), type: "referral", sender: "victim",
                        recipient: "safehome", subject: URC.noSubject.canonical, reasonCode: reason))
            }
            try tx.keepDeadLetter(
                DeadLetter(
                    messageID: "m", originalExchange: "refgw.submit", originalRoutingKey: "safehome", queue: "gateway.in", reason: "no-consent",
                    reasonDetail: nil, deathCount: 1, firstDeathAt: now, lastDeathAt: now, sender: "victim", recipient: "safehome",
                    type: "referral", subject: nil, keptAt: now), fingerprint: "m", content: DeadLetterContent(properties: "{}", body: Data()))
        }
        // One process ready, one whose store is "locked", one that does not answer.
        let ready = AdminServer(
            address: AdminAddress(host: "127.0.0.1", port: 0), registry: PrometheusCollectorRegistry(), checks: [ReadinessCheck("store") { nil }],
            logger: .init(label: "test"))
        let unwell = AdminServer(
            address: AdminAddress(host: "127.0.0.1", port: 0), registry: PrometheusCollectorRegistry(),
            checks: [ReadinessCheck("store") { "database is locked" }], logger: .init(label: "test"))
        let serving = [Task { try await ready.run() }, Task { try await unwell.run() }]
        defer { for s in serving { s.cancel() } }
        let processes = dir.appendingPathComponent("processes.yaml").path
        try """
        processes:
          gateway-1: http://127.0.0.1:\(await ready.boundPort())
          victim-worker: http://127.0.0.1:\(await unwell.boundPort())
          family-worker: http://127.0.0.1:9
        """.write(toFile: processes, atomically: true, encoding: .utf8)
        let signer = MessageSigner.generate(keyID: "victim-2026", party: .victim)
        let trust = dir.appendingPathComponent("trust.json")
        try TrustStore(keys: [.init(keyID: signer.keyID, party: .victim, publicKey: signer.publicKey, notAfter: now.adding(seconds: 10 * 86_400))])
            .write(to: trust)
        let names = ReferralGatewayTopologyNames.fresh()
        try await TestBrokerEnvironment.declare(names)
        defer { Task { await TestBrokerEnvironment.remove(names) } }

        let refgw = "\(try SystemHarness.binFolder())/refgw"
        let common = [
            "status", "--database", database, "--processes", processes, "--trust", trust.path, "--namespace", names.namespace,
            "--operations", Repo.root.appendingPathComponent("config/operations.yaml").path,
            // The listeners live in this test process, among every other test: give them time, never a speed.
            "--timeout", "120",
        ]
        let run = try await Subprocess.output(of: [refgw] + common)
        #expect(run.status == 2, "\(run.text)")
        for expected in [
            "gateway-1", "victim-worker is not ready: store: database is locked", "family-worker is unreachable", "no-consent 2, invalid-urc 1",
            "dead letters waiting: 1", "1 dead letters wait for an administrator", "key victim-2026 (victim) expires in",
            "\(names.gatewayQueue) has no consumer",
        ] {
            #expect(run.text.contains(expected), "missing '\(expected)' in:\n\(run.text)")
        }
        let json = try await Subprocess.output(of: [refgw] + common + ["--json"])
        let decoded = try JSONDecoder().decode(SystemStatus.self, from: Data(json.text.utf8))
        #expect(decoded.refusalsLastHour == ["no-consent": 2, "invalid-urc": 1] && decoded.deadLettersWaiting == 1)
        #expect(decoded.processes.map(\.state) == ["ready", "not ready", "unreachable"])

        let bad = try await Subprocess.output(of: [refgw, "status", "--database", database, "--processes", trust.path])
        #expect(bad.status == 1 && bad.text.contains("has no 'processes' mapping"), "\(bad.text)")
    }
}

/// A namespace of its own for a test's queues.
enum ReferralGatewayTopologyNames {
    static func fresh() -> ReferralGatewayTopology { ReferralGatewayTopology(namespace: "st\(UUID().uuidString.prefix(6).lowercased()).") }
}
