import Contracts
import GatewayStorage
import Operations

extension DeadLetterKeeper {
    /// What `/readyz` checks for this keeper: it consumes `dead-letters`, and its store takes a write.
    public func readinessChecks() -> [ReadinessCheck] {
        [
            ReadinessCheck("consuming") { [self] in
                guard let consumer = consumer.withLock({ $0 }) else { return "not started, or stopping" }
                return consumer.connection.isConnected ? nil : "not connected to the broker (reconnecting)"
            },
            // Keeping a letter is a write: a store that only reads cannot keep one, and it stays on the queue.
            ReadinessCheck("store") { [store] in
                do {
                    try await store.write { _ in }
                    return nil
                } catch {
                    return "\(error)"
                }
            },
        ]
    }

    /// Refreshes the gauges of the letters waiting, from the store, just before a scrape.
    public func sampleGauges() async {
        let now = Timestamp()
        if let (groups, backlog) = try? await store.read({ tx in (try tx.deadLetterGroups(), try tx.keptDeadLetterBacklog()) }) {
            metrics.record(groups: groups, backlog: backlog, now: now)
        }
    }
}
