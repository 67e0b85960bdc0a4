import Contracts
import Foundation
import Yams

/// The rule thresholds and timescales of every service (`config/lots.yaml`): areas set their own numbers, so
/// they are data, reviewed like the sharing policy, never constants in code.
public struct LotSettings: Sendable, Equatable {
    /// The folder the file was read from: the rest of the configuration (the sharing policy) is beside it.
    public let directory: URL
    /// Victim & Survivor Service: DASH scoring, MARAC criteria, risk register.
    public struct Victim: Sendable, Equatable, Decodable {
        /// How many answers a DASH must have, one per question number (24 in the SafeLives Dash RIC).
        public var dashQuestions: Int
        /// Visible high risk: a DASH score (the number of "yes" answers) of this or more is referred to MARAC.
        public var maracThreshold: Int
        /// Potential escalation: this many police-reported incidents within `escalationWindowDays` is referred to MARAC.
        public var escalationIncidents: Int
        /// The days back from today in which police-reported incidents count towards potential escalation.
        public var escalationWindowDays: Int
        /// An incident within this many days of the last MARAC referral (same perpetrator) is a repeat: referred again and flagged.
        public var repeatWindowDays: Int
        /// A DASH score of this or more is high risk: put on the risk register when it is not referred to MARAC.
        public var riskRegisterFrom: Int
    }

    /// Family Service.
    public struct Family: Sendable, Equatable, Decodable {
        /// A DASH score of this or more for the adult victim is referred to MARAC.
        public var maracThreshold: Int
    }

    /// Safe Home Service.
    public struct SafeHome: Sendable, Equatable, Decodable {
        /// The only services whose referrals are accepted; a referral from any other is declined as not eligible.
        public var acceptsReferralsFrom: [PartyID]
    }

    /// Sanctuary scheme.
    public struct Sanctuary: Sendable, Equatable, Decodable {
        /// Tenures the scheme installs for (permanent or long-term temporary homes); any other is declined.
        public var eligibleTenures: [Tenure]
        /// Hours after the referral was made by which first contact is due; past them, the referrer is alerted.
        public var firstContactHours: Int
        /// Working days after first contact by which works are due (weekends and `bankHolidays` skipped).
        public var worksWithinWorkingDays: Int
        /// Whether an emergency lock change is due by the end of the day it was accepted (UTC), with an immediate alert after.
        public var emergencyLockChangeSameDay: Bool
        /// Days that are not working days, besides Saturdays and Sundays.
        public var bankHolidays: [CalendarDate]
        /// The installers, by the name staff type to `conflict`; one with a declared conflict is never allocated.
        public var installers: [String]
        /// Works measured and ordered to fit (grilles, security film): excepted from `worksWithinWorkingDays`.
        public var madeToMeasureItems: [String]
        /// Working days from ordering a made-to-measure item to its fitting: its own tracked timescale.
        public var madeToMeasureWithinWorkingDays: Int
    }

    /// MARAC coordinator.
    public struct Marac: Sendable, Equatable, Decodable {
        /// A MARAC referral within this many days of an earlier one for the same victim opens a case flagged as a repeat.
        public var repeatWindowDays: Int
    }

    /// The purpose a referral to each service is shared for: what the gateway checks consent and policy against.
    public var referralPurposes: [PartyID: Purpose]
    /// The purpose of a partner-support referral from the perpetrator service to the victim service.
    public var partnerSupportPurpose: Purpose
    /// How many days a consent lasts when staff do not say.
    public var consentDays: Int
    /// The victim service's DASH, MARAC and risk-register thresholds.
    public var victim: Victim
    /// The family service's MARAC threshold.
    public var family: Family
    /// Which services may refer to the safe home service.
    public var safehome: SafeHome
    /// The sanctuary scheme's eligibility, timescales and installers.
    public var sanctuary: Sanctuary
    /// The MARAC coordinator's repeat window.
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
        directory = url.deletingLastPathComponent()
        partnerSupportPurpose = file.partnerSupportPurpose
        consentDays = file.consentDays
        victim = file.victim
        family = file.family
        safehome = file.safehome
        sanctuary = file.sanctuary
        marac = file.marac
        // Each limit in its range: a zero or negative one would silently stop a rule (every consent expiring at
        // once, a timer due before it is set), and the file is where an administrator would look.
        let name = url.lastPathComponent
        func check(_ ok: Bool, _ field: String, _ range: String) throws(LotError) {
            guard ok else { throw .configuration("\(name): \(field) must be \(range)") }
        }
        try check((1...3650).contains(consentDays), "consentDays", "between 1 and 3650 days")
        try check((1...100).contains(victim.dashQuestions), "victim.dashQuestions", "between 1 and 100")
        try check((1...victim.dashQuestions).contains(victim.maracThreshold), "victim.maracThreshold", "between 1 and dashQuestions")
        try check((1...victim.maracThreshold).contains(victim.riskRegisterFrom), "victim.riskRegisterFrom", "between 1 and maracThreshold")
        try check((1...victim.dashQuestions).contains(family.maracThreshold), "family.maracThreshold", "between 1 and victim.dashQuestions")
        try check(victim.escalationIncidents >= 1, "victim.escalationIncidents", "at least 1")
        for (field, days) in [
            ("victim.escalationWindowDays", victim.escalationWindowDays), ("victim.repeatWindowDays", victim.repeatWindowDays),
            ("marac.repeatWindowDays", marac.repeatWindowDays),
        ] {
            try check((1...3650).contains(days), field, "between 1 and 3650 days")
        }
        try check((1...720).contains(sanctuary.firstContactHours), "sanctuary.firstContactHours", "between 1 and 720 hours")
        try check((1...60).contains(sanctuary.worksWithinWorkingDays), "sanctuary.worksWithinWorkingDays", "between 1 and 60 working days")
        try check(
            (1...260).contains(sanctuary.madeToMeasureWithinWorkingDays), "sanctuary.madeToMeasureWithinWorkingDays", "between 1 and 260 working days"
        )
        try check(!sanctuary.installers.isEmpty, "sanctuary.installers", "a list of at least one installer")
        try check(Set(sanctuary.installers).count == sanctuary.installers.count, "sanctuary.installers", "a list without repeats")
    }
}
