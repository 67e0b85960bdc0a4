import Contracts

/// The last finished run of a region-wide chore (such as the purge): when, and which instance ran it.
public struct MaintenanceRun: Sendable, Equatable {
    /// When the run finished.
    public var at: Timestamp
    /// The gateway or tool that ran it, as it names itself; nil when the store was opened without a name.
    public var instance: String?

    /// A run finished at `at` by `instance`.
    public init(at: Timestamp, instance: String?) {
        self.at = at
        self.instance = instance
    }
}
