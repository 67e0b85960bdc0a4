import Contracts
import CoreMetrics
import Synchronization

/// What a worker counts for its operators, through swift-metrics (Prometheus on the admin listener): what it
/// applied and published, and what its store says (outbox, deadlines, rules, alerts, MARAC actions).
///
/// Labels are rule names, timer and alert kinds only. With the default factory (swift-metrics' no-op) nothing is kept.
public final class WorkerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let events: [String: CoreMetrics.Counter]
    /// Gauges made once per label set; the label values each family has shown, so one that is gone reads 0.
    private let gauges = Mutex<(made: [String: Gauge], shown: [String: Set<String>])>(([:], [:]))

    /// Metrics made by `factory` (such as a `PrometheusMetricsFactory` over the process's registry).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        events = Dictionary(
            uniqueKeysWithValues: ["applied", "duplicate", "dead-lettered", "retried", "published", "timer-fired"].map {
                ($0, CoreMetrics.Counter(label: "refgw_worker_events_total", dimensions: [("event", $0)], factory: factory))
            })
    }

    /// Counts `n` worker events of one kind (`applied`, `duplicate`, `dead-lettered`, `retried`, `published`, `timer-fired`).
    func count(_ event: String, _ n: Int = 1) {
        guard n > 0 else { return }
        events[event]?.increment(by: Int64(n))
    }

    private func gauge(_ label: String, _ dimension: String?, _ value: String?) -> Gauge {
        let key = label + (value.map { "|\($0)" } ?? "")
        return gauges.withLock { g in
            if let made = g.made[key] { return made }
            let dims = dimension.flatMap { d in value.map { [(d, $0)] } } ?? []
            let made = Gauge(label: label, dimensions: dims, factory: factory)
            g.made[key] = made
            return made
        }
    }

    /// Sets a family of gauges, one per label value; a value shown before and absent now reads 0.
    private func set(_ label: String, by dimension: String, _ values: [String: Int]) {
        let gone = gauges.withLock { g in
            let before = g.shown[label, default: []]
            g.shown[label] = before.union(values.keys)
            return before.subtracting(values.keys)
        }
        for (v, n) in values { gauge(label, dimension, v).record(n) }
        for v in gone { gauge(label, dimension, v).record(0) }
    }

    /// Sets every gauge from a snapshot of the store taken at `now`.
    public func record(_ s: WorkerSnapshot, now: Timestamp = Timestamp()) {
        gauge("refgw_worker_outbox_pending", nil, nil).record(s.outboxPending)
        gauge("refgw_worker_outbox_oldest_age_seconds", nil, nil)
            .record(s.outboxOldest.map { Double(now.millisecondsSince1970 - $0.millisecondsSince1970) / 1000 } ?? 0)
        set("refgw_worker_timers_overdue", by: "kind", s.timersOverdue)
        set("refgw_worker_timers_pending", by: "kind", s.timersPending)
        set("refgw_worker_rule_actions", by: "rule", s.ruleActions)
        set("refgw_worker_alerts_raised", by: "kind", s.alertsRaised)
        gauge("refgw_worker_marac_actions_overdue", nil, nil).record(s.maracActionsOverdue)
        gauge("refgw_worker_consents_unanswered", nil, nil).record(s.consentsUnanswered)
    }
}
