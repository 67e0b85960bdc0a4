import Contracts
import GRDB

/// A MARAC action this agency owns, from an action plan (table `assigned_action`).
public struct AssignedAction: StoreRecord, Sendable {
    /// The table of actions this agency owns, keyed by MARAC case and action id.
    public static let databaseTableName = "assigned_action"

    /// The MARAC case the action belongs to, as the coordinator named it.
    public var caseId: String
    /// The action's id in the plan; `action-update` takes it, or its first 8 characters.
    public var actionId: String
    /// The MARAC referral the case was opened from.
    public var maracReferralId: String
    /// The URC of the victim the case is about.
    public var subject: URC
    /// What the agency is to do, as the plan words it; a plan issued again replaces it.
    public var description: String
    /// When the action is due, from the plan; a plan issued again replaces it.
    public var dueDate: CalendarDate
    /// Where the action stands, as this agency last reported it (a plan issued again leaves it).
    public var status: ActionStatus
    /// When the action first arrived here, or when this agency last reported on it.
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
