import Contracts

extension ReadinessCheck {
    /// Passes while `isConnected()` says the broker client holds a connection; nil means it is not running.
    public static func connected(_ name: String, _ isConnected: @escaping @Sendable () -> Bool?) -> ReadinessCheck {
        ReadinessCheck(name) {
            switch isConnected() {
            case nil: return "not started, or stopping"
            case false?: return "not connected to the broker (reconnecting)"
            case true?: return nil
            }
        }
    }

    /// Passes when `write()` (taking the store's write lock, as the process's work does) succeeds: a store another
    /// writer holds locked still reads, but cannot take work.
    public static func storeTakesWrite(_ write: @escaping @Sendable () async throws -> Void) -> ReadinessCheck {
        ReadinessCheck("store") {
            do {
                try await write()
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    /// Why an outbox of `count` messages, the oldest written at `oldest`, has waited longer than `limit` seconds at
    /// `now`; nil when it has not.
    public static func outboxFailure(count: Int, oldest: Timestamp?, now: Timestamp, limit: Double) -> String? {
        guard let oldest else { return nil }
        let age = Double(now.millisecondsSince1970 - oldest.millisecondsSince1970) / 1000
        return age > limit ? "\(count) messages wait to be published, the oldest for \(Int(age)) s (limit \(Int(limit)) s)" : nil
    }
}
