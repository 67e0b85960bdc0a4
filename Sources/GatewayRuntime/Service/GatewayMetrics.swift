import Contracts
import CoreMetrics
import GatewayDecision
import GatewayStorage
import Synchronization

/// What the gateway counts for its operators, through swift-metrics (Prometheus on the admin listener).
///
/// Labels are parties, message types, outcomes and reason codes only: never a URC, a name or free text. With the
/// default factory (swift-metrics' no-op) nothing is kept, so tests and tools that do not scrape pay nothing.
public final class GatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    /// Counters made once per label set, reused for every increment.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let phases: [String: CoreMetrics.Timer]
    private let outboxPending: Gauge
    private let outboxOldest: Gauge
    private let publishRetries: CoreMetrics.Counter

    /// Metrics made by `factory` (such as a `PrometheusMetricsFactory` over the process's registry).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        phases = Dictionary(
            uniqueKeysWithValues: ["assess", "store", "publish"].map {
                ($0, CoreMetrics.Timer(label: "refgw_gateway_batch_phase_seconds", dimensions: [("phase", $0)], factory: factory))
            })
        outboxPending = Gauge(label: "refgw_gateway_outbox_pending", factory: factory)
        outboxOldest = Gauge(label: "refgw_gateway_outbox_oldest_age_seconds", factory: factory)
        publishRetries = CoreMetrics.Counter(label: "refgw_gateway_publish_retries_total", factory: factory)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { c in
            if let existing = c[key] { return existing }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            c[key] = made
            return made
        }
    }

    /// Counts a part's decisions: by sender, recipient, type and outcome; refusals by reason; redacted fields by
    /// recipient and type.
    ///
    /// A party the directory does not name (a refused message may name anyone) is counted as `other`, so nothing a
    /// sender wrote becomes a label.
    func record(_ assessments: [Assessment], _ outcomes: [GatewayLedger.Outcome], parties: PartyDirectory) {
        func label(_ p: PartyID?) -> String {
            guard let p else { return "unknown" }
            return p == .gateway || parties.entries[p] != nil ? p.rawValue : "other"
        }
        for (a, o) in zip(assessments, outcomes) {
            let sender = label(a.envelope?.sender ?? a.brokerSender)
            let recipient = label(a.envelope?.recipient)
            let type = a.envelope?.type.rawValue ?? "unknown"
            let outcome: String
            switch o {
            case .delivered(let to):
                outcome = "delivered"
                if case .deliver(let prepared) = a.verdict, !prepared.removedFields.isEmpty {
                    counter("refgw_gateway_redacted_fields_total", [("recipient", label(to)), ("type", type)])
                        .increment(by: Int64(prepared.removedFields.count))
                }
            case .refused(let reason):
                outcome = "refused"
                counter("refgw_gateway_refusals_total", [("reason", reason.rawValue)]).increment()
            case .consentRecorded: outcome = "consent-recorded"
            case .alreadyProcessed: outcome = "duplicate"
            case .replayed(let replays):
                outcome = "replay-request"
                for r in replays { counter("refgw_gateway_replays_total", [("outcome", r.code)]).increment() }
            }
            counter("refgw_gateway_decisions_total", [("sender", sender), ("recipient", recipient), ("type", type), ("outcome", outcome)])
                .increment()
        }
    }

    /// Records how long a part spent checked, in its transaction, and being published.
    func recordPhases(assess: Double, store: Double, publish: Double) {
        phases["assess"]?.recordSeconds(assess)
        phases["store"]?.recordSeconds(store)
        phases["publish"]?.recordSeconds(publish)
    }

    /// Counts a round of publishing again what the broker did not confirm.
    func recordPublishRetry() { publishRetries.increment() }

    /// Sets the outbox gauges from the store's backlog.
    public func recordOutbox(_ backlog: Backlog, now: Timestamp = Timestamp()) {
        outboxPending.record(backlog.count)
        outboxOldest.record(backlog.oldest.map { Double(now.millisecondsSince1970 - $0.millisecondsSince1970) / 1000 } ?? 0)
    }
}
