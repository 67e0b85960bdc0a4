import Contracts
import GatewayStorage
import Operations

extension DeadLetterKeeper {
    /// What `/readyz` checks for this keeper: it consumes `dead-letters`, and its store takes a write.
    public func readinessChecks() -> [ReadinessCheck] {
        [
            .connected("consuming") { [self] in consumer.withLock { $0 }?.connection.isConnected },
            // Keeping a letter is a write: a store that only reads cannot keep one, and it stays on the queue.
            .storeTakesWrite { [store] in try await store.write { _ in } },
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
