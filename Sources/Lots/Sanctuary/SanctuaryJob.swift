import Contracts
import GRDB
import LotKit

/// Where an installation job stands.
public enum JobStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Eligible and allocated to an installer; first contact due.
    case accepted
    /// Eligible, but every installer declared a conflict with someone in it.
    case unallocated
    /// First contact made; works due.
    case contacted
    /// The perpetrator is at the address: works stopped.
    case suspended
    /// Works done: the completion outcome carried the items and their cost.
    case completed

    /// Whether the job still counts against its installer's load.
    public var isOpen: Bool { self == .accepted || self == .contacted }
}

/// An installation job for a referral accepted (table `job`).
public struct SanctuaryJob: StoreRecord, Sendable {
    /// Stored in the `job` table.
    public static let databaseTableName = "job"

    /// The referral the job was opened for: one job per referral accepted.
    public var referralId: String
    /// The URC of the person the works protect.
    public var subject: URC
    /// The perpetrator's URC, when the referral named one: an installer who knows him is never allocated.
    public var perpetrator: URC?
    /// Where the job stands.
    public var status: JobStatus
    /// An emergency lock change is due the same day.
    public var emergency: Bool
    /// The installer allocated (from `sanctuary.installers`); nil while every one has declared a conflict.
    public var installer: String?
    /// When the referral was accepted and the job opened.
    public var acceptedAt: Timestamp
    /// When first contact was made: the working-day limit for the works counts from it.
    public var contactedAt: Timestamp?
    /// When the works were completed.
    public var completedAt: Timestamp?
    /// What the works cost, in pence (on completion).
    public var costPence: Int?

    /// Every job, oldest first.
    public static let byAcceptance = order(Column("accepted_at"))

    /// Open jobs (accepted or contacted) allocated to `installer`.
    public static func open(for installer: String) -> QueryInterfaceRequest<SanctuaryJob> {
        filter(Column("installer") == installer && [JobStatus.accepted, .contacted].contains(Column("status")))
    }
}

/// An installer's declaration that they know a person (table `installer_conflict`): never allocated to them.
public struct InstallerConflict: StoreRecord, Sendable {
    /// Stored in the `installer_conflict` table.
    public static let databaseTableName = "installer_conflict"
    /// The installer who declared it, as named in `sanctuary.installers`.
    public var installer: String
    /// The URC of the person they know: the victim or the perpetrator.
    public var urc: URC
    /// When the conflict was declared.
    public var declaredAt: Timestamp
}

/// An item measured and ordered to fit (table `made_to_measure`), with its own due date.
public struct MadeToMeasureOrder: StoreRecord, Sendable {
    /// Stored in the `made_to_measure` table.
    public static let databaseTableName = "made_to_measure"
    /// The referral whose job the item is for.
    public var referralId: String
    /// The item ordered, one of `sanctuary.madeToMeasureItems` (window grilles, security film, ...).
    public var item: String
    /// When it was measured and ordered.
    public var orderedAt: Timestamp
    /// When it must be fitted: `madeToMeasureWithinWorkingDays` working days after the order.
    public var dueAt: Timestamp
}
