import Contracts
import GatewayStorage
import Operations

extension GatewayService {
    /// What `/readyz` checks for this gateway: it consumes `gateway.in` and can publish, its store takes a write, its
    /// signing key is trusted and unexpired, and its outbox's oldest row is younger than `outboxLimit` seconds.
    public func readinessChecks(outboxLimit: Double = 300) -> [ReadinessCheck] {
        let store = self.store
        let signer = decider.signer
        let trust = decider.trust
        return [
            ReadinessCheck("consuming") { [self] in
                guard let consumer = clients.withLock({ $0.consumer }) else { return "not started, or stopping" }
                return consumer.connection.isConnected ? nil : "not connected to the broker (reconnecting)"
            },
            ReadinessCheck("publishing") { [self] in
                guard let publisher = clients.withLock({ $0.publisher }) else { return "not started, or stopping" }
                return publisher.connection.isConnected ? nil : "not connected to the broker (reconnecting)"
            },
            // A write, as the gateway's work is: a store that only reads (locked by another writer) cannot decide.
            ReadinessCheck("store") {
                do {
                    try await store.write { _ in }
                    return nil
                } catch {
                    return "\(error)"
                }
            },
            ReadinessCheck("signing-key") { SigningKeyCheck.failure(signer: signer, trust: trust, at: Timestamp()) },
            ReadinessCheck("outbox") { [metrics] in
                do {
                    let backlog = try await store.read { try $0.outboxBacklog() }
                    let now = Timestamp()
                    metrics.recordOutbox(backlog, now: now)
                    guard let oldest = backlog.oldest else { return nil }
                    let age = Double(now.millisecondsSince1970 - oldest.millisecondsSince1970) / 1000
                    return age > outboxLimit
                        ? "\(backlog.count) messages wait to be published, the oldest for \(Int(age)) s (limit \(Int(outboxLimit)) s)" : nil
                } catch {
                    return "the outbox could not be read: \(error)"
                }
            },
        ]
    }

    /// Refreshes the gauges sampled from the store (the outbox), just before a scrape.
    public func sampleGauges() async {
        if let backlog = try? await store.read({ try $0.outboxBacklog() }) { metrics.recordOutbox(backlog) }
    }
}
