import Contracts
import GRDB
import LotKit

/// A MARAC case opened for each MARAC referral received (table `marac_case`).
public struct MaracCase: StoreRecord, Sendable {
    /// Stored in the `marac_case` table.
    public static let databaseTableName = "marac_case"

    /// `MC-` and eight upper-case hex digits, as the contract has it.
    public var caseId: String
    /// The MARAC referral that opened the case (one case per referral).
    public var maracReferralId: String
    /// The victim's URC, as the referrer gave it.
    public var victim: URC
    /// The perpetrator's URC, when the referral named one.
    public var perpetrator: URC?
    /// The agency that referred.
    public var referredBy: PartyID
    /// When the coordinator received the referral: the repeat window counts back from it.
    public var receivedAt: Timestamp
    /// Flagged by the referrer, or another referral for the victim within the repeat window.
    public var isRepeat: Bool
    /// The DASH score the referral carried.
    public var dashScore: Int
    /// The MARAC criteria met, comma-separated.
    public var criteria: String

    /// Newest first.
    public static let newestFirst = order(Column("received_at").desc)
}

/// An action of a MARAC action plan, with where it stands (table `marac_action`).
public struct MaracAction: StoreRecord, Sendable, Equatable {
    /// Stored in the `marac_action` table.
    public static let databaseTableName = "marac_action"

    /// The MARAC case the action belongs to.
    public var caseId: String
    /// The action's id within the plan (a lower-case UUID).
    public var actionId: String
    /// A service id on the gateway, or another agency tracked here (police, health, ...).
    public var owner: String
    /// What the owner is to do.
    public var description: String
    /// When it is due: past it and neither done nor not possible, it is listed as overdue.
    public var dueDate: CalendarDate
    /// Where it stands (open, in progress, done, not possible, not done), as the owner last reported it.
    public var status: ActionStatus
    /// The owner's last note on it.
    public var note: String?
    /// When it was issued, or when its owner last updated it.
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
