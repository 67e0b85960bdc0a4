import Contracts
import Operations

extension LotWorker {
    /// What `/readyz` checks for this worker: it consumes its inbox and can publish, its store takes a write, its
    /// signing key is trusted and unexpired, and its outbox's oldest message is younger than `outboxLimit` seconds.
    public func readinessChecks(outboxLimit: Double = 300) -> [ReadinessCheck] {
        [
            ReadinessCheck("consuming") { [self] in
                guard let consumer = clients.withLock({ $0.consumer }) else { return "not started, or stopping" }
                return consumer.connection.isConnected ? nil : "not connected to the broker (reconnecting)"
            },
            ReadinessCheck("publishing") { [self] in
                guard let publisher = clients.withLock({ $0.publisher }) else { return "not started, or stopping" }
                return publisher.connection.isConnected ? nil : "not connected to the broker (reconnecting)"
            },
            // A write, as applying a message is: a store another process holds locked cannot apply anything.
            ReadinessCheck("store") { [self] in
                do {
                    try await engine.probeWrite()
                    return nil
                } catch {
                    return "\(error)"
                }
            },
            ReadinessCheck("signing-key") { [self] in SigningKeyCheck.failure(signer: signer, trust: trust, at: clock()) },
            ReadinessCheck("outbox") { [self] in
                do {
                    let now = clock()
                    let s = try await engine.snapshot(at: now)
                    metrics.record(s, now: now)
                    guard let oldest = s.outboxOldest else { return nil }
                    let age = Double(now.millisecondsSince1970 - oldest.millisecondsSince1970) / 1000
                    return age > outboxLimit
                        ? "\(s.outboxPending) messages wait to be published, the oldest for \(Int(age)) s (limit \(Int(outboxLimit)) s)" : nil
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
