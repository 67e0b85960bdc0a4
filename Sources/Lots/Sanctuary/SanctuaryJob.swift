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
    case completed

    /// Whether the job still counts against its installer's load.
    public var isOpen: Bool { self == .accepted || self == .contacted }
}

/// An installation job for a referral accepted (table `job`).
public struct SanctuaryJob: StoreRecord, Sendable {
    public static let databaseTableName = "job"

    public var referralId: String
    public var subject: URC
    public var perpetrator: URC?
    public var status: JobStatus
    /// An emergency lock change is due the same day.
    public var emergency: Bool
    public var installer: String?
    public var acceptedAt: Timestamp
    public var contactedAt: Timestamp?
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
    public static let databaseTableName = "installer_conflict"
    public var installer: String
    public var urc: URC
    public var declaredAt: Timestamp
}

/// An item measured and ordered to fit (table `made_to_measure`), with its own due date.
public struct MadeToMeasureOrder: StoreRecord, Sendable {
    public static let databaseTableName = "made_to_measure"
    public var referralId: String
    public var item: String
    public var orderedAt: Timestamp
    public var dueAt: Timestamp
}
