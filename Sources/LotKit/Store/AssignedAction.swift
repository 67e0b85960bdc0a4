import Contracts
import GRDB

/// A MARAC action this agency owns, from an action plan (table `assigned_action`).
public struct AssignedAction: StoreRecord, Sendable {
    public static let databaseTableName = "assigned_action"

    public var caseId: String
    public var actionId: String
    public var maracReferralId: String
    public var subject: URC
    public var description: String
    public var dueDate: CalendarDate
    public var status: ActionStatus
    public var updatedAt: Timestamp
}

extension AssignedAction {
    /// Every action this agency owns, soonest due first.
    public static let byDueDate = order(Column("due_date"), Column("case_id"), Column("action_id"))

    /// The actions about `subject`, by case.
    public static func about(_ subject: URC) -> QueryInterfaceRequest<AssignedAction> {
        filter(Column("subject") == subject).order(Column("case_id"), Column("action_id"))
    }

    /// The actions of MARAC case `caseID`.
    public static func ofCase(_ caseID: String) -> QueryInterfaceRequest<AssignedAction> {
        filter(Column("case_id") == caseID)
    }
}
