import Contracts
import Foundation
import Yams

/// The rule thresholds and timescales of every service (`config/lots.yaml`): areas set their own numbers, so
/// they are data, reviewed like the sharing policy, never constants in code.
public struct LotSettings: Sendable, Equatable {
    /// Victim & Survivor Service: DASH scoring, MARAC criteria, risk register.
    public struct Victim: Sendable, Equatable, Decodable {
        public var dashQuestions: Int
        public var maracThreshold: Int
        public var escalationIncidents: Int
        public var escalationWindowDays: Int
        public var repeatWindowDays: Int
        public var riskRegisterFrom: Int
    }

    /// Family Service.
    public struct Family: Sendable, Equatable, Decodable {
        public var maracThreshold: Int
    }

    /// Safe Home Service.
    public struct SafeHome: Sendable, Equatable, Decodable {
        public var acceptsReferralsFrom: [PartyID]
    }

    /// Sanctuary scheme.
    public struct Sanctuary: Sendable, Equatable, Decodable {
        public var eligibleTenures: [Tenure]
        public var firstContactHours: Int
        public var worksWithinWorkingDays: Int
        public var emergencyLockChangeSameDay: Bool
        public var bankHolidays: [CalendarDate]
        public var installers: [String]
        /// Works measured and ordered to fit (grilles, security film): excepted from `worksWithinWorkingDays`.
        public var madeToMeasureItems: [String]
        /// Working days from ordering a made-to-measure item to its fitting: its own tracked timescale.
        public var madeToMeasureWithinWorkingDays: Int
    }

    /// MARAC coordinator.
    public struct Marac: Sendable, Equatable, Decodable {
        public var repeatWindowDays: Int
    }

    public var referralPurposes: [PartyID: Purpose]
    public var partnerSupportPurpose: Purpose
    public var consentDays: Int
    public var victim: Victim
    public var family: Family
    public var safehome: SafeHome
    public var sanctuary: Sanctuary
    public var marac: Marac

    /// The purpose a referral to `recipient` is shared for.
    public func purpose(ofReferralTo recipient: PartyID) -> Purpose {
        referralPurposes[recipient] ?? .safeguardingSupport
    }

    /// The purposes that cover referrals to `recipients` (what a consent to share with them is given for).
    public func purposes(ofReferralsTo recipients: [PartyID]) -> [Purpose] {
        Set(recipients.map(purpose(ofReferralTo:))).sorted { $0.rawValue < $1.rawValue }
    }

    private struct File: Decodable {
        var version: Int
        var referralPurposes: [String: Purpose]
        var partnerSupportPurpose: Purpose
        var consentDays: Int
        var victim: Victim
        var family: Family
        var safehome: SafeHome
        var sanctuary: Sanctuary
        var marac: Marac
    }

    /// Loads `config/lots.yaml`; a mistake is reported with the file and the field, and the worker does not start.
    public init(contentsOf url: URL) throws(LotError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .configuration("cannot read \(url.path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
            throw .configuration("\(url.lastPathComponent): \(LotError.describe(error))")
        }
        guard file.version == 1 else { throw .configuration("\(url.lastPathComponent): version \(file.version) is not supported (1 is)") }
        var purposes: [PartyID: Purpose] = [:]
        for (k, v) in file.referralPurposes {
            guard let p = PartyID(rawValue: k) else {
                throw .configuration("\(url.lastPathComponent): referralPurposes names an unknown party '\(k)'")
            }
            purposes[p] = v
        }
        referralPurposes = purposes
        partnerSupportPurpose = file.partnerSupportPurpose
        consentDays = file.consentDays
        victim = file.victim
        family = file.family
        safehome = file.safehome
        sanctuary = file.sanctuary
        marac = file.marac
        guard victim.dashQuestions > 0, victim.maracThreshold > 0, victim.maracThreshold <= victim.dashQuestions else {
            throw .configuration("\(url.lastPathComponent): victim.maracThreshold must be between 1 and dashQuestions")
        }
        guard !sanctuary.installers.isEmpty else { throw .configuration("\(url.lastPathComponent): sanctuary.installers is empty") }
    }
}
