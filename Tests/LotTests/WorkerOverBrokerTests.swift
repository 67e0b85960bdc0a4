import AMQP
import Contracts
import Foundation
import LotKit
import Lots
import Messaging
import Operations
import Prometheus
import Synchronization
import TestSupport
import Testing

/// One worker over the real broker, in a namespace of its own, with a clock the test moves.
@Suite("A worker over the broker", .needsBroker)
struct WorkerOverBrokerTests {
    static func user(_ p: PartyID) -> AMQPConnectionConfiguration { TestBrokerEnvironment.user(p.rawValue) }

    final class Setup: Sendable {
        let names = ReferralGatewayTopology(namespace: "w\(UUID().uuidString.prefix(6).lowercased()).")
        let gatewaySigner = MessageSigner.generate(keyID: "gateway-test", party: .gateway)
        let sanctuarySigner = MessageSigner.generate(keyID: "sanctuary-test", party: .sanctuary)
        let clock = TestClock()
        let worker: LotWorker
        let running: Task<Void, any Error>
        /// Where the worker's metrics go, for its admin listener.
        let registry = PrometheusCollectorRegistry()

        init() async throws {
            let trust = try TrustStore(keys: [
                .init(keyID: gatewaySigner.keyID, party: .gateway, publicKey: gatewaySigner.publicKey),
                .init(keyID: sanctuarySigner.keyID, party: .sanctuary, publicKey: sanctuarySigner.publicKey),
            ])
            try await TestBrokerEnvironment.declare(names, deliveryLimit: 2)
            let e = try engine(SanctuaryLot())
            let clock = self.clock
            worker = LotWorker(
                engine: e, signer: sanctuarySigner, trust: trust, configuration: WorkerOverBrokerTests.user(.sanctuary),
                options: .init(topology: names, timerInterval: .milliseconds(100)),
                metrics: WorkerMetrics(factory: PrometheusMetricsFactory(registry: registry)), clock: { clock.now })
            let w = worker
            running = Task { try await w.run() }
        }

        /// Delivers a message as the gateway does (signed by `signer`, published by the gateway's user).
        func deliver<B: MessageBody>(_ body: B, about subject: URC, signer: MessageSigner? = nil, bodyOverride: Data? = nil) async throws {
            let signer = signer ?? gatewaySigner
            let data = try bodyOverride ?? ContractJSON.encode(body)
            // From the victim service, forwarded and signed by the gateway.
            var envelope = Envelope(
                messageID: UUID().uuidString.lowercased(), type: B.messageType, sender: .victim, recipient: .sanctuary,
                subject: subject, keyID: signer.keyID)
            signer.sign(&envelope, body: data)
            let m = SignedMessage(envelope: envelope, body: data)
            let p = try await AMQPPublisher(configuration: WorkerOverBrokerTests.user(.gateway))
            try await p.publish(m.outgoing(exchange: names.deliverExchange, routingKey: "sanctuary", brokerUser: "gateway"))
            await p.close()
        }

        /// Takes what the worker submitted to the gateway.
        func submitted(_ count: Int, timeout: Double = 30) async throws -> [SignedMessage] {
            try await take(count, from: names.gatewayQueue, timeout: timeout).map { try SignedMessage(delivery: $0) }
        }

        func take(_ count: Int, from queue: String, timeout: Double = 30) async throws -> [AMQPDelivery] {
            try await TestBrokerEnvironment.take(count, from: queue, timeout: timeout)
        }

        func finish() async {
            await worker.stop()
            _ = try? await running.value
            await TestBrokerEnvironment.remove(names)
        }
    }

    @Test("a referral is answered through the broker, and an overdue first contact raises an alert to the referrer")
    func outcomeAndTimer() async throws {
        let s = try await Setup()
        let r = referral(to: .sanctuary, homeSecurity: eligible)
        try await s.deliver(r, about: r.subject.urc)
        let accepted = try await s.submitted(1)
        #expect(accepted.count == 1)
        #expect(accepted.first?.envelope.type == .referralOutcome)
        #expect(accepted.first?.envelope.recipient == .victim)
        #expect(
            accepted.first.map {
                (try? TrustStore(keys: [.init(keyID: s.sanctuarySigner.keyID, party: .sanctuary, publicKey: s.sanctuarySigner.publicKey)]).verify(
                    $0.envelope, body: $0.body, signedBy: .sanctuary)) != nil
            } == true)
        s.clock.advance(seconds: 49 * 3600)
        let alert = try await s.submitted(1)
        let body = try ContractJSON.decode(SafetyAlert.self, from: try #require(alert.first).body)
        #expect(body.kind == .firstContactOverdue)
        #expect(alert.first?.envelope.recipient == .victim)
        #expect(s.worker.statistics.timersFired == 1)

        // What the operator sees: the overdue first contact, the alert raised, the referral applied; ready.
        let admin = AdminServer(
            address: AdminAddress(host: "127.0.0.1", port: 0), registry: s.registry, checks: s.worker.readinessChecks(),
            beforeScrape: { [worker = s.worker] in await worker.sampleGauges() }, logger: .init(label: "test.admin"))
        let serving = Task { try await admin.run() }
        let base = URL(string: "http://127.0.0.1:\(await admin.boundPort())")!
        let (status, metrics) = try await AdminHTTP.get(base.appendingPathComponent("metrics"))
        #expect(status == 200)
        #expect(AdminHTTP.sample(metrics, "refgw_worker_timers_overdue", ["kind": "first-contact"]) == 1)
        #expect(AdminHTTP.sample(metrics, "refgw_worker_alerts_raised", ["kind": "first-contact-overdue"]) == 1)
        #expect(AdminHTTP.sample(metrics, "refgw_worker_events_total", ["event": "applied"]) == 1)
        #expect(AdminHTTP.sample(metrics, "refgw_worker_events_total", ["event": "timer-fired"]) == 1)
        #expect(!metrics.contains(r.subject.urc.canonical))
        let (ready, report) = try await AdminHTTP.get(base.appendingPathComponent("readyz"))
        #expect(ready == 200, "\(report)")
        serving.cancel()
        await s.finish()
    }

    @Test("a message the worker cannot apply is retried, then dead-lettered after the delivery limit; one not signed by the gateway at once")
    func poisonAndForgery() async throws {
        let s = try await Setup()
        let r = referral(to: .sanctuary, homeSecurity: eligible)
        // Signed by the gateway, but its body is not a referral: the lot throws on every delivery.
        try await s.deliver(r, about: r.subject.urc, bodyOverride: Data("{\"referralId\": 7}".utf8))
        // Signed by someone else than the gateway.
        try await s.deliver(r, about: r.subject.urc, signer: MessageSigner.generate(keyID: "gateway-test", party: .gateway))
        let dead = try await s.take(2, from: s.names.deadLetterQueue, timeout: 60)
        #expect(Set(dead.compactMap { $0.deaths.first?.reason }) == ["delivery_limit", "rejected"])
        #expect(s.worker.statistics.retried >= 2)
        #expect(s.worker.statistics.deadLettered == 1)
        #expect(s.worker.statistics.applied == 0)
        await s.finish()
    }
}

/// A clock a test moves forward.
final class TestClock: Sendable {
    private let value = Mutex(Timestamp())
    var now: Timestamp { value.withLock { $0 } }
    func advance(seconds: Double) { value.withLock { $0 = $0.adding(seconds: seconds) } }
}
