import Contracts
import GatewayDecision
import Synchronization

/// Checked parts waiting for their transaction. While one part is in its transaction the consumer goes on handing
/// over the few messages each acknowledgement frees; committing those one small part at a time would cost a
/// whole transaction (and, on PostgreSQL, a round trip per statement of it plus a commit) for a handful of
/// messages. So the next transaction takes every part waiting by then, in order, as one (group commit).
final class WaitingParts: Sendable {
    private let parts = Mutex<[GatewayService.CheckedBatch]>([])

    /// Queues a part; it is committed in arrival order with those queued before it.
    func add(_ part: GatewayService.CheckedBatch) {
        parts.withLock { $0.append(part) }
    }

    /// The parts waiting now, as one, without more than `replayLimit` replay requests unless the first part
    /// alone has them (a part is never split); nil when an earlier transaction took them all.
    func takeMerged(replayLimit: Int) -> GatewayService.CheckedBatch? {
        let taken = parts.withLock { waiting -> [GatewayService.CheckedBatch] in
            var count = 0
            var replays = 0
            for part in waiting {
                if count > 0, replays + part.replayRequests > replayLimit { break }
                replays += part.replayRequests
                count += 1
            }
            defer { waiting.removeFirst(count) }
            return Array(waiting.prefix(count))
        }
        return taken.isEmpty ? nil : GatewayService.CheckedBatch(merging: taken)
    }
}

extension Assessment {
    /// How many replay requests the message carries (none unless it is a replay request).
    var replayRequestCount: Int { if case .replay(let r) = verdict { r.count } else { 0 } }
}

extension GatewayService.CheckedBatch {
    /// How many replay requests the part's messages carry.
    var replayRequests: Int { assessments.reduce(0) { $0 + $1.replayRequestCount } }

    /// Parts in order as one: their messages in order, decided at the latest part's time (each part's time is
    /// when it was checked, so the latest is still before the transaction, and the audit log's times still rise).
    init(merging parts: [GatewayService.CheckedBatch]) {
        precondition(!parts.isEmpty, "merging no parts")
        self.init(
            assessments: parts.flatMap(\.assessments), deliveries: parts.flatMap(\.deliveries),
            replays: parts.reduce(into: [:]) { all, p in all.merge(p.replays) { first, _ in first } },
            now: parts.map(\.now).max()!, assessSeconds: parts.reduce(0) { $0 + $1.assessSeconds })
    }
}
