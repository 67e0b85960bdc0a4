import Foundation

/// What `refgw status` shows on one screen (and as JSON): each process's readiness, the queues, the traffic, what
/// waits, and which keys expire soon. Counts, ages and names of processes, queues, parties and reasons only.
public struct SystemStatus: Codable, Sendable, Equatable {
    /// One process's readiness, from its admin listener.
    public struct Process: Codable, Sendable, Equatable {
        /// Its name (`gateway-1`, `victim-worker`).
        public var name: String
        /// Its admin listener.
        public var url: String
        /// `ready`, `not ready`, or `unreachable`.
        public var state: String
        /// The failing checks, or why it could not be asked.
        public var detail: String?

        /// A process's line.
        public init(name: String, url: String, state: String, detail: String? = nil) {
            self.name = name
            self.url = url
            self.state = state
            self.detail = detail
        }
    }

    /// One queue's depth and consumers.
    public struct Queue: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// Messages ready in it.
        public var messages: Int
        /// Consumers attached.
        public var consumers: Int

        /// A queue's line.
        public init(name: String, messages: Int, consumers: Int) {
            self.name = name
            self.messages = messages
            self.consumers = consumers
        }
    }

    /// A key of the trust file that expires soon (or has expired).
    public struct ExpiringKey: Codable, Sendable, Equatable {
        /// Its id and party.
        public var keyID: String, party: String
        /// When it expires (RFC 3339).
        public var notAfter: String
        /// Whole days left (negative once expired).
        public var daysLeft: Int

        /// An expiring key's line.
        public init(keyID: String, party: String, notAfter: String, daysLeft: Int) {
            self.keyID = keyID
            self.party = party
            self.notAfter = notAfter
            self.daysLeft = daysLeft
        }
    }

    /// When the status was taken (RFC 3339).
    public var at: String
    /// Every process listed, in the order listed.
    public var processes: [Process] = []
    /// Every queue of the namespace; empty when the broker could not be asked.
    public var queues: [Queue] = []
    /// Messages the gateway decided a minute, over the last five minutes.
    public var messagesPerMinute: Double?
    /// Refusals in the last hour, by reason code.
    public var refusalsLastHour: [String: Int] = [:]
    /// Dead letters waiting for an administrator, and the oldest one's age in seconds.
    public var deadLettersWaiting: Int?
    /// The oldest waiting dead letter's age, in seconds.
    public var oldestDeadLetterSeconds: Int?
    /// Messages in the gateway's outbox, and the oldest one's age in seconds.
    public var outboxPending: Int?
    /// The oldest outbox message's age, in seconds.
    public var oldestOutboxSeconds: Int?
    /// Keys expiring within the threshold.
    public var expiringKeys: [ExpiringKey] = []
    /// What needs attention, one line each; empty when all is well.
    public var attention: [String] = []

    /// An empty status taken at `at`.
    public init(at: String) { self.at = at }

    /// Fills `attention` from what was gathered, against `thresholds`; problems found while gathering (a broker
    /// that did not answer) are kept.
    public mutating func assess(_ thresholds: StatusThresholds) {
        for p in processes where p.state != "ready" {
            attention.append("\(p.name) is \(p.state)\(p.detail.map { ": \($0)" } ?? "")")
        }
        for q in queues {
            if q.consumers == 0 { attention.append("\(q.name) has no consumer") }
            if q.messages >= thresholds.queueDepth { attention.append("\(q.name) holds \(q.messages) messages") }
        }
        if let n = deadLettersWaiting, n >= thresholds.deadLettersWaiting {
            attention.append("\(n) dead letters wait for an administrator (refgw dlq groups)")
        }
        if let age = oldestOutboxSeconds, age >= thresholds.outboxOldestSeconds {
            attention.append("the gateway's outbox has waited \(age) s to publish \(outboxPending ?? 0) messages")
        }
        for k in expiringKeys {
            attention.append(
                k.daysLeft < 0
                    ? "key \(k.keyID) (\(k.party)) expired at \(k.notAfter)" : "key \(k.keyID) (\(k.party)) expires in \(k.daysLeft) days")
        }
    }

    /// The one-screen text.
    public var text: String {
        var lines = ["ReferralGateway status at \(at)", ""]
        lines.append("Processes")
        if processes.isEmpty { lines.append("  (none listed: pass --processes FILE)") }
        let width = (processes.map(\.name.count) + queues.map(\.name.count)).max() ?? 10
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        for p in processes { lines.append("  \(pad(p.name))  \(p.state)\(p.detail.map { " — \($0)" } ?? "")") }
        lines += ["", "Queues (messages, consumers)"]
        if queues.isEmpty { lines.append("  (the broker was not asked)") }
        for q in queues { lines.append("  \(pad(q.name))  \(q.messages)  \(q.consumers)") }
        lines += ["", "Traffic"]
        lines.append("  messages a minute (last 5 min): \(messagesPerMinute.map { String(format: "%.1f", $0) } ?? "-")")
        let refusals = refusalsLastHour.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }
        lines.append("  refusals in the last hour: " + (refusals.isEmpty ? "none" : refusals.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        lines.append(
            "  dead letters waiting: \(deadLettersWaiting.map(String.init) ?? "-")"
                + (oldestDeadLetterSeconds.map { " (oldest \(Self.age($0)))" } ?? ""))
        lines.append("  gateway outbox: \(outboxPending.map(String.init) ?? "-")" + (oldestOutboxSeconds.map { " (oldest \(Self.age($0)))" } ?? ""))
        lines += ["", "Keys expiring soon"]
        if expiringKeys.isEmpty { lines.append("  none") }
        for k in expiringKeys { lines.append("  \(k.keyID) (\(k.party)): \(k.notAfter), \(k.daysLeft) days") }
        lines += ["", attention.isEmpty ? "All well." : "Needs attention:"]
        for a in attention { lines.append("  - \(a)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An age for people: seconds, minutes, hours or days.
    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<120: return "\(seconds) s"
        case ..<7200: return "\(seconds / 60) min"
        case ..<172_800: return "\(seconds / 3600) h"
        default: return "\(seconds / 86_400) days"
        }
    }
}
