import Contracts
import GRDB
import LotKit

/// A MARAC case opened for each MARAC referral received (table `marac_case`).
public struct MaracCase: StoreRecord, Sendable {
    public static let databaseTableName = "marac_case"

    /// `MC-` and eight upper-case hex digits, as the contract has it.
    public var caseId: String
    public var maracReferralId: String
    public var victim: URC
    public var perpetrator: URC?
    /// The agency that referred.
    public var referredBy: PartyID
    public var receivedAt: Timestamp
    /// Flagged by the referrer, or another referral for the victim within the repeat window.
    public var isRepeat: Bool
    public var dashScore: Int
    /// The MARAC criteria met, comma-separated.
    public var criteria: String

    /// Newest first.
    public static let newestFirst = order(Column("received_at").desc)
}

/// An action of a MARAC action plan, with where it stands (table `marac_action`).
public struct MaracAction: StoreRecord, Sendable, Equatable {
    public static let databaseTableName = "marac_action"

    public var caseId: String
    public var actionId: String
    /// A service id on the gateway, or another agency tracked here (police, health, ...).
    public var owner: String
    public var description: String
    public var dueDate: CalendarDate
    public var status: ActionStatus
    /// The owner's last note on it.
    public var note: String?
    public var updatedAt: Timestamp

    /// The actions of case `caseID`, by id.
    public static func ofCase(_ caseID: String) -> QueryInterfaceRequest<MaracAction> {
        filter(Column("case_id") == caseID).order(Column("action_id"))
    }

    /// Actions past their due date on `date` and neither done nor closed as not possible, earliest first.
    public static func overdue(on date: CalendarDate) -> QueryInterfaceRequest<MaracAction> {
        filter(Column("due_date") < date && ![ActionStatus.done, .notPossible].contains(Column("status")))
            .order(Column("due_date"), Column("case_id"), Column("action_id"))
    }
}
