import Contracts
import GRDB

/// Why the service did something automatically (table `rule_log`): for the caseworker and for review.
public struct RuleLogEntry: StoreRecord, Sendable {
    /// The rule log's table, in the order the rules acted.
    public static let databaseTableName = "rule_log"

    /// Its place in the log, assigned when it is inserted (nil before).
    public var id: Int64?
    /// When the rule acted (the transaction's time).
    public var at: Timestamp
    /// The rule's name, as `rules` lists them.
    public var rule: String
    /// The URC of the person the rule acted on.
    public var subject: URC
    /// What the rule did and why, in one line with no personal data beyond the URC.
    public var detail: String
}

extension RuleLogEntry {
    /// What the rules did about any of `people`, in order.
    public static func about(_ people: [URC]) -> QueryInterfaceRequest<RuleLogEntry> {
        filter(people.contains(Column("subject"))).order(Column("id"))
    }
}
