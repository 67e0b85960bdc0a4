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
            .connected("consuming") { [self] in clients.withLock { $0.consumer }?.connection.isConnected },
            .connected("publishing") { [self] in clients.withLock { $0.publisher }?.connection.isConnected },
            .storeTakesWrite { try await store.write { _ in } },
            ReadinessCheck("signing-key") { SigningKeyCheck.failure(signer: signer, trust: trust, at: Timestamp()) },
            ReadinessCheck("outbox") { [metrics] in
                do {
                    let backlog = try await store.read { try $0.outboxBacklog() }
                    let now = Timestamp()
                    metrics.recordOutbox(backlog, now: now)
                    return ReadinessCheck.outboxFailure(count: backlog.count, oldest: backlog.oldest, now: now, limit: outboxLimit)
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
