import Contracts
import Operations

extension LotWorker {
    /// What `/readyz` checks for this worker: it consumes its inbox and can publish, its store takes a write, its
    /// signing key is trusted and unexpired, and its outbox's oldest message is younger than `outboxLimit` seconds.
    public func readinessChecks(outboxLimit: Double = 300) -> [ReadinessCheck] {
        [
            .connected("consuming") { [self] in clients.withLock { $0.consumer }?.connection.isConnected },
            .connected("publishing") { [self] in clients.withLock { $0.publisher }?.connection.isConnected },
            .storeTakesWrite { [engine] in try await engine.probeWrite() },
            ReadinessCheck("signing-key") { [self] in SigningKeyCheck.failure(signer: signer, trust: trust, at: clock()) },
            ReadinessCheck("outbox") { [self] in
                do {
                    let now = clock()
                    let s = try await engine.snapshot(at: now)
                    metrics.record(s, now: now)
                    return ReadinessCheck.outboxFailure(count: s.outboxPending, oldest: s.outboxOldest, now: now, limit: outboxLimit)
                } catch {
                    return "the store could not be read: \(error)"
                }
            },
        ]
    }

    /// Refreshes the gauges sampled from the store, just before a scrape.
    public func sampleGauges() async {
        let now = clock()
        if let s = try? await engine.snapshot(at: now) { metrics.record(s, now: now) }
    }
}
