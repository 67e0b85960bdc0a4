import Contracts
import Foundation
import GRDB
import LotKit

/// A victim's case at the victim service (table `victim_case`): who she is safe from, her caseworker, and the
/// parts of the intake a later MARAC referral needs.
struct VictimCase: StoreRecord, Sendable {
    static let databaseTableName = "victim_case"
    var victim: URC
    var perpetrator: URC?
    /// JSON `Staff`.
    var caseworker: String
    /// JSON `VictimLot.CaseNotes`.
    var intake: String

    /// The caseworker and case notes, as recorded.
    func decoded() throws -> (Staff, VictimLot.CaseNotes) {
        do {
            return (
                try JSONDecoder().decode(Staff.self, from: Data(caseworker.utf8)),
                try JSONDecoder().decode(VictimLot.CaseNotes.self, from: Data(intake.utf8))
            )
        } catch {
            throw LotError.storeFailed("the case of \(victim) does not read: \(LotError.describe(error))")
        }
    }
}

/// A DASH risk assessment as scored (table `dash`): answers by question number only, never the wording.
struct DashRecord: StoreRecord, Sendable {
    static let databaseTableName = "dash"
    var id: Int64?
    var victim: URC
    var completedAt: Timestamp
    var score: Int
    var professionalJudgement: Bool
    /// JSON `DashAssessment`.
    var assessment: String
}

/// A police-reported incident (table `incident`): counted for escalation and repeats.
struct IncidentRecord: StoreRecord, Sendable {
    static let databaseTableName = "incident"
    var victim: URC
    var date: CalendarDate
    var recordedAt: Timestamp
}

/// A MARAC referral this service made (table `marac_history`): what makes a later one a repeat.
struct MaracHistoryEntry: StoreRecord, Sendable {
    static let databaseTableName = "marac_history"
    var maracReferralId: String
    var victim: URC
    var perpetrator: URC?
    var referredOn: CalendarDate
    var isRepeat: Bool
    /// The MARAC criteria met, comma-separated.
    var criteria: String
}

/// High risk below the MARAC threshold (table `risk_register`), until a MARAC referral takes it off.
struct RiskRegisterEntry: StoreRecord, Sendable {
    static let databaseTableName = "risk_register"
    var victim: URC
    var addedAt: Timestamp
    var score: Int
    var reason: String
    var removedAt: Timestamp?
}
