import Contracts
import CoreMetrics
import GatewayStorage
import Synchronization

/// What the dead-letter keeper shows its operators: letters kept since start, and, sampled from the store before
/// each scrape, the letters waiting for an administrator by reason, type and recipient, and the oldest one's age.
///
/// A dead letter's headers are as they arrived, unverified: a value that is not a known reason, party or type is
/// counted as `other`, so nothing a sender wrote becomes a label.
public final class DeadLetterMetrics: Sendable {
    private let factory: any MetricsFactory
    private let kept: CoreMetrics.Counter
    private let oldest: Gauge
    private let waiting = Mutex<(made: [String: Gauge], shown: Set<String>)>(([:], []))

    /// Metrics made by `factory` (no-op by default).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        kept = CoreMetrics.Counter(label: "refgw_keeper_dead_letters_kept_total", factory: factory)
        oldest = Gauge(label: "refgw_dead_letters_oldest_age_seconds", factory: factory)
    }

    /// Counts letters newly kept.
    func recordKept(_ n: Int) {
        if n > 0 { kept.increment(by: Int64(n)) }
    }

    /// The reasons a dead letter can carry: RabbitMQ's and the gateway's.
    static let reasons = Set(["rejected", "expired", "maxlen", "delivery_limit"] + ReasonCode.allCases.map(\.rawValue))

    /// A label value from an unverified header: itself when it is one of `known`, else `other` (`-` when absent).
    static func label(_ value: String, known: Set<String>) -> String {
        value == "-" || known.contains(value) ? value : "other"
    }

    /// Sets the waiting gauges from the store's groups and backlog at `now`.
    public func record(groups: [DeadLetterGroup], backlog: Backlog, now: Timestamp = Timestamp()) {
        let parties = Set((PartyID.services + [.gateway]).map(\.rawValue))
        let types = Set(MessageType.allCases.map(\.rawValue))
        var counts: [[String]: Int] = [:]
        for g in groups {
            let key = [
                Self.label(g.reason, known: Self.reasons), Self.label(g.type, known: types), Self.label(g.recipient, known: parties),
            ]
            counts[key, default: 0] += g.count
        }
        let keys = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.joined(separator: "|"), ($0.key, $0.value)) })
        let gauges: [(Gauge, Int)] = waiting.withLock { w in
            var out: [(Gauge, Int)] = []
            for key in w.shown.union(keys.keys) {
                let (labels, n) = keys[key] ?? (key.split(separator: "|", omittingEmptySubsequences: false).map(String.init), 0)
                let gauge =
                    w.made[key]
                    ?? Gauge(
                        label: "refgw_dead_letters_waiting",
                        dimensions: [("reason", labels[0]), ("type", labels[1]), ("recipient", labels[2])], factory: factory)
                w.made[key] = gauge
                out.append((gauge, n))
            }
            w.shown.formUnion(keys.keys)
            return out
        }
        for (g, n) in gauges { g.record(n) }
        oldest.record(backlog.oldest.map { Double(now.millisecondsSince1970 - $0.millisecondsSince1970) / 1000 } ?? 0)
    }
}
