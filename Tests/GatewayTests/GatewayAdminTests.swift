import AMQP
import Contracts
import Foundation
import GRDB
import GatewayRuntime
import GatewayStorage
import Operations
import Prometheus
import TestSupport
import Testing

/// The gateway's admin listener over the real broker: what `/metrics` counts is what the audit log holds, and
/// `/readyz` answers 503 naming the check that fails.
@Suite(.needsBroker) struct GatewayAdminTests {
    /// A gateway with its admin listener on a port of its own; `body` gets the harness and the listener's base URL.
    static func withAdminListener(
        gatewayKeyNotAfter: Timestamp? = nil, _ body: (GatewayHarness, URL) async throws -> Void
    ) async throws {
        let registry = PrometheusCollectorRegistry()
        let h = try await GatewayHarness(
            metrics: GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry)), gatewayKeyNotAfter: gatewayKeyNotAfter)
        let service = h.service
        let admin = AdminServer(
            address: AdminAddress(host: "127.0.0.1", port: 0), registry: registry, checks: service.readinessChecks(),
            beforeScrape: { await service.sampleGauges() }, logger: .init(label: "test.admin"))
        let serving = Task { try await admin.run() }
        let base = URL(string: "http://127.0.0.1:\(await admin.boundPort())")!
        do {
            try await body(h, base)
        } catch {
            serving.cancel()
            await h.shutDown()
            throw error
        }
        serving.cancel()
        await h.shutDown()
    }

    @Test("/metrics counts the deliveries and refusals the audit log holds, by reason; no URC appears in it")
    func metricsEqualTheAuditLog() async throws {
        try await Self.withAdminListener { h, base in
            let subject = RegionGatewayTests.urcs.allocate()
            try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
            let stranger = RegionGatewayTests.urcs.allocate()
            let delivered = try (0..<7).map { _ in
                try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
            }
            let refused = try (0..<3).map { _ in
                try h.message(GatewayRefusalTests.referral(subject: stranger), from: .victim, to: .safehome, about: stranger)
            }
            var tampered = try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
            tampered.body = Data(String(decoding: tampered.body, as: UTF8.self).replacingOccurrences(of: "Needs a move", with: "Needs a MOVE").utf8)
            let before = h.processed
            try await h.submit(delivered + refused + [tampered])
            try await h.waitUntilProcessed(before + 11)

            let (status, text) = try await AdminHTTP.get(base.appendingPathComponent("metrics"))
            #expect(status == 200)
            let audit = try await h.store.read { try $0.latestAuditEntries(1000) }
            let auditDelivered = audit.filter { $0.event == .delivered && $0.type == "referral" }.count
            #expect(auditDelivered == 7)
            #expect(
                AdminHTTP.sample(
                    text, "refgw_gateway_decisions_total", ["sender": "victim", "recipient": "safehome", "type": "referral", "outcome": "delivered"])
                    == Double(auditDelivered))
            let refusals = Dictionary(grouping: audit.filter { $0.event == .refused }, by: { $0.reasonCode ?? "-" }).mapValues(\.count)
            #expect(refusals == ["no-consent": 3, "bad-signature": 1])
            for (reason, count) in refusals {
                #expect(AdminHTTP.sample(text, "refgw_gateway_refusals_total", ["reason": reason]) == Double(count), "refusals for \(reason)")
            }
            #expect(AdminHTTP.sample(text, "refgw_gateway_decisions_total", ["outcome": "consent-recorded"]) == 1)
            #expect(AdminHTTP.sample(text, "refgw_gateway_outbox_pending") >= 0)
            #expect(text.contains("refgw_gateway_batch_phase_seconds"))
            // Labels are parties, types, outcomes and reasons: nobody's reference code.
            #expect(!text.contains(subject.canonical) && !text.contains(stranger.canonical))

            let (live, _) = try await AdminHTTP.get(base.appendingPathComponent("livez"))
            #expect(live == 200)
            let (ready, report) = try await AdminHTTP.get(base.appendingPathComponent("readyz"))
            #expect(ready == 200, "\(report)")
            #expect(report.hasPrefix("ready\n"))
        }
    }

    @Test("/readyz answers 503 naming the store while another process holds its write lock, and 200 once it lets go")
    func lockedStoreIsNotReady() async throws {
        try await Self.withAdminListener { h, base in
            // Ready first (the gateway connects in its own time), so that the store is the one check that fails.
            try await eventually("the gateway is ready", timeout: 60) {
                try await AdminHTTP.get(base.appendingPathComponent("readyz")).0 == 200
            }
            let path = h.directory.appendingPathComponent("gateway.sqlite").path
            let locker = try DatabaseQueue(path: path)
            let release = DispatchSemaphore(value: 0)
            let holding = DispatchSemaphore(value: 0)
            let thread = Thread {
                try? locker.inTransaction(.immediate) { _ in
                    holding.signal()
                    release.wait()
                    return .commit
                }
            }
            thread.start()
            holding.wait()
            let (status, report) = try await AdminHTTP.get(base.appendingPathComponent("readyz"))
            release.signal()
            #expect(status == 503)
            #expect(report.hasPrefix("not ready: store: "), "\(report)")
            try await eventually("ready again once the lock is released", timeout: 30) {
                try await AdminHTTP.get(base.appendingPathComponent("readyz")).0 == 200
            }
        }
    }

    @Test("/readyz answers 503 naming the signing key once it has expired")
    func expiredKeyIsNotReady() async throws {
        try await Self.withAdminListener(gatewayKeyNotAfter: Timestamp().adding(seconds: -60)) { h, base in
            let (status, report) = try await AdminHTTP.get(base.appendingPathComponent("readyz"))
            #expect(status == 503)
            #expect(report.contains("signing-key: key gateway-test expired"), "\(report)")
            #expect(!report.contains("store: "))
        }
    }

    @Test("the keeper's /metrics shows the letters waiting by reason, type and recipient; a forged header counts as other")
    func keeperShowsLettersWaiting() async throws {
        let registry = PrometheusCollectorRegistry()
        let h = try await GatewayHarness()
        let keeper = DeadLetterKeeper(
            store: h.store, configuration: DeadLetterReplayTests.deadLetterUser, topology: h.names,
            metrics: DeadLetterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        let keeping = Task { try await keeper.run() }
        let admin = AdminServer(
            address: AdminAddress(host: "127.0.0.1", port: 0), registry: registry, checks: keeper.readinessChecks(),
            beforeScrape: { await keeper.sampleGauges() }, logger: .init(label: "test.admin"))
        let serving = Task { try await admin.run() }
        let base = URL(string: "http://127.0.0.1:\(await admin.boundPort())")!

        // Two refused for no consent, and one dead-lettered straight to the exchange with headers nobody checked.
        let stranger = RegionGatewayTests.urcs.allocate()
        try await h.submit(
            try (0..<2).map { _ in try h.message(GatewayRefusalTests.referral(subject: stranger), from: .victim, to: .safehome, about: stranger) })
        var forged = AMQPProperties(messageID: UUID().uuidString.lowercased(), type: "referral")
        forged.headers = ["refgw-recipient": .string("jo-example-flat-2"), "refgw-reason": .string("no-consent")]
        let publisher = try await AMQPPublisher(configuration: GatewayHarness.admin)
        try await publisher.publish(OutgoingMessage(exchange: h.names.deadLetterExchange, routingKey: "", properties: forged, body: Data("{}".utf8)))
        await publisher.close()
        try await eventually("three letters kept", timeout: 60) { keeper.kept == 3 }

        let (status, text) = try await AdminHTTP.get(base.appendingPathComponent("metrics"))
        #expect(status == 200)
        #expect(AdminHTTP.sample(text, "refgw_dead_letters_waiting", ["reason": "no-consent", "type": "referral", "recipient": "safehome"]) == 2)
        #expect(AdminHTTP.sample(text, "refgw_dead_letters_waiting", ["recipient": "other"]) == 1)
        #expect(!text.contains("jo-example"))
        #expect(AdminHTTP.sample(text, "refgw_keeper_dead_letters_kept_total") == 3)
        #expect(AdminHTTP.sample(text, "refgw_dead_letters_oldest_age_seconds") >= 0)
        let (ready, report) = try await AdminHTTP.get(base.appendingPathComponent("readyz"))
        #expect(ready == 200, "\(report)")
        serving.cancel()
        await keeper.stop()
        _ = try? await keeping.value
        await h.shutDown()
    }
}
