import Contracts
import GRDB

/// Why the service did something automatically (table `rule_log`): for the caseworker and for review.
public struct RuleLogEntry: StoreRecord, Sendable {
    public static let databaseTableName = "rule_log"

    public var id: Int64?
    public var at: Timestamp
    /// The rule's name, as `rules` lists them.
    public var rule: String
    public var subject: URC
    public var detail: String
}

extension RuleLogEntry {
    /// What the rules did about any of `people`, in order.
    public static func about(_ people: [URC]) -> QueryInterfaceRequest<RuleLogEntry> {
        filter(people.contains(Column("subject"))).order(Column("id"))
    }
}
