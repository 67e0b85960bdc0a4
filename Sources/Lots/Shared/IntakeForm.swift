import Contracts
import Foundation
import LotKit

/// What a caseworker records when a person first contacts a service (the `intake FILE` command), as JSON.
/// Questions of the DASH are stored by number, never their wording (SafeLives copyright).
public struct IntakeForm: Codable, Sendable {
    /// The adult the intake is about (the victim, or the parent at the family service), as the caseworker records her.
    public struct Adult: Codable, Sendable {
        /// Given when another service already allocated one; otherwise this service allocates it.
        public var urc: URC?
        /// The adult's name, in parts that cannot carry a phone number or an address.
        public var name: PersonName
        /// Date of birth, when known: the sanctuary referral's 18+ answer is worked out from it (unknown is taken as adult).
        public var dateOfBirth: CalendarDate?
        /// Gender as she describes it, when recorded (counted in the quarterly Equality report).
        public var gender: Gender?
        /// Preferred language, when recorded.
        public var language: LanguageTag?
        /// Whether an interpreter is needed to talk with her.
        public var interpreterNeeded: Bool?
        /// Disabilities or long-term conditions, when recorded (for access needs and the Equality report).
        public var disabilities: [Disability]?
        /// Where she lives, as a structured field the gateway can redact: it must never reach the perpetrator service.
        public var address: PostalAddress?
        /// false when the perpetrator knows this address.
        public var addressIsSafe: Bool?
        /// How to reach her without alerting the perpetrator: safe phone or email, and whether she may be rung.
        public var safeContact: SafeContact?
    }

    /// A child of the household: each child gets a URC of its own, linked to the adult's.
    public struct ChildEntry: Codable, Sendable {
        /// Given when another service already allocated one; otherwise this service allocates it.
        public var urc: URC?
        /// The child's name.
        public var name: PersonName
        /// Date of birth, always given for a child: services work by age (0-19, under 18).
        public var dateOfBirth: CalendarDate
        /// The child's school, when given: like a safe address, it must never reach the perpetrator service.
        public var school: School?
    }

    /// The person causing the harm, held under a URC of his own linked to the adult's.
    public struct PerpetratorEntry: Codable, Sendable {
        /// Given when another service already allocated one; otherwise this service allocates it.
        public var urc: URC?
        /// The perpetrator's name.
        public var name: PersonName
        /// The perpetrator's date of birth, when known (it goes with a MARAC referral).
        public var dateOfBirth: CalendarDate?
        /// How he is related to the adult (partner, ex-partner, spouse, ...).
        public var relationship: Relationship?
        /// Whether he lives at her address: if so the sanctuary scheme cannot install there.
        public var livesAtAddress: Bool?
        /// Whether he visits her address, told to the services she is referred to.
        public var visitsAddress: Bool?
        /// Bail conditions or court orders on him, as free text.
        public var bailConditions: String?
        /// He asked for help to change: refer him to the perpetrator programme.
        public var seekingHelp: Bool?
        /// He agreed to that referral.
        public var consentsToReferral: Bool?
    }

    /// The SafeLives Dash RIC as completed with her: answers by question number, never the questions' wording.
    public struct Dash: Codable, Sendable {
        /// One answer per question number, 1 to `dashQuestions` (24); the score is the number of yes answers.
        public var answers: [DashAnswer]
        /// The caseworker judges the risk high whatever the score: a MARAC criterion of its own, never lowering a 14+.
        public var professionalJudgement: Bool?
    }

    /// The consent she gave at intake: to which services, for how long, and how it was given.
    public struct ConsentEntry: Codable, Sendable {
        /// The services she agreed may receive referrals about her; none means no consent is recorded.
        public var recipients: [PartyID]
        /// How many days the consent lasts (at least one); absent means `consentDays` in config/lots.yaml.
        public var days: Int?
        /// How she gave it (verbal, written or electronic); absent means verbal.
        public var method: ConsentRecord.Method?
    }

    /// A decision to share with one service without her consent, because it is needed to protect someone from serious harm.
    public struct LawfulBasisEntry: Codable, Sendable {
        /// The service the referral goes to under this basis.
        public var to: PartyID
        /// The lawful basis relied on (contracts/lawful-bases.md); the policy says which senders may invoke it toward whom.
        public var code: LawfulBasisCode
        /// Why sharing without consent is needed: required, and recorded with the caseworker as the one who decided.
        public var justification: String
    }

    /// The sanctuary scheme's eligibility answers, for a victim who wishes to stay at home with added security.
    public struct HomeSecurityEntry: Codable, Sendable {
        /// Whether she lives in the scheme's area; if not, the scheme declines and signposts to the local one.
        public var livesInArea: Bool
        /// Whether the landlord allows the works; refused or pending makes her not eligible for now.
        public var landlordPermission: Referral.HomeSecurity.LandlordPermission
        /// Whether she is still in contact with the perpetrator (then not eligible).
        public var inContactWithPerpetrator: Bool
        /// Whether the locks must be changed the same day; absent means no.
        public var emergencyLockChange: Bool?
        /// How the installer can get in and reach her safely, as free text.
        public var accessNotes: String?
    }

    /// The member of staff completing the intake: the referrer on every referral, and who decided any lawful basis.
    public var caseworker: Staff
    /// The adult the intake is about.
    public var victim: Adult
    /// The children of the household: at the victim service they bring a family referral; a family intake needs one.
    public var children: [ChildEntry]?
    /// The person causing the harm, when named: linked to the adult, and carried in household and MARAC details.
    public var perpetrator: PerpetratorEntry?
    /// The DASH, when completed at intake: a MARAC referral cannot go without one.
    public var dash: Dash?
    /// Dates of police-reported incidents.
    public var policeIncidents: [CalendarDate]?
    /// Her housing: a need to move brings a safe home referral; wishing to stay at home, with `homeSecurity`, a sanctuary one.
    public var housing: Referral.Housing?
    /// The sanctuary scheme's eligibility answers, needed for a sanctuary referral.
    public var homeSecurity: HomeSecurityEntry?
    /// What the person agreed to share, and with whom (purposes follow `config/lots.yaml`).
    public var consent: ConsentEntry?
    /// Decisions to share without consent, each with its written justification.
    public var lawfulBases: [LawfulBasisEntry]?
    /// How urgently the receiving services should act; absent, high for high risk at the victim service, else standard.
    public var priority: Referral.Priority?
    /// Why she is referred, in the caseworker's words; never used in a referral about the perpetrator.
    public var reason: String?
    /// Whether she knows of the MARAC referral; absent means she does.
    public var victimAware: Bool?
    /// Why she did not consent to the MARAC referral, or was not asked; sent when it goes without consent.
    public var noConsentReason: String?
    /// Who and what she fears, for the MARAC referral.
    public var victimFears: String?
    /// The caseworker's summary of the risk for the MARAC referral; absent, one is written from the DASH score.
    public var riskSummary: String?
    /// People she says it is safe to contact, for the MARAC referral.
    public var safeContacts: [MaracReferral.ContactPerson]?
    /// People who must not be contacted about her, for the MARAC referral.
    public var unsafeContacts: [MaracReferral.ContactPerson]?
    /// Anything else about the case, as free text; never put into a referral about the perpetrator.
    public var notes: String?

    /// The DASH as scored: exactly `questions` answers, one per question number.
    public func scoredDash(questions: Int, at now: Timestamp) throws -> DashAssessment? {
        guard let dash else { return nil }
        return try DashScoring.score(
            dash.answers, questions: questions, professionalJudgement: dash.professionalJudgement ?? false,
            incidents: policeIncidents.map { dates in
                // The DASH field counts the last 12 months only, whatever else the form lists.
                let since = CalendarDate(now).adding(days: -365)
                return dates.filter { $0 >= since }.count
            }, at: now)
    }

    /// The people on the form, held by this service: the adult, each child linked to the adult, and the
    /// perpetrator linked to the adult; a URC is allocated for whoever came without one.
    public func holdPeople(in ctx: LotContext) throws -> (adult: Person, children: [Child], perpetrator: Person?) {
        let v = victim
        let adult = Person(
            urc: try v.urc ?? ctx.allocateURC(), name: v.name, dateOfBirth: v.dateOfBirth, gender: v.gender,
            language: v.language, interpreterNeeded: v.interpreterNeeded, disabilities: v.disabilities,
            address: v.address, addressIsSafe: v.addressIsSafe, safeContact: v.safeContact)
        try ctx.hold(adult, role: .victim, allocatedHere: v.urc == nil)
        var children: [Child] = []
        for c in self.children ?? [] {
            let child = Child(urc: try c.urc ?? ctx.allocateURC(), name: c.name, dateOfBirth: c.dateOfBirth, school: c.school)
            try ctx.hold(child, linkedTo: adult.urc, allocatedHere: c.urc == nil)
            children.append(child)
        }
        var held: Person?
        if let p = perpetrator {
            let person = Person(urc: try p.urc ?? ctx.allocateURC(), name: p.name, dateOfBirth: p.dateOfBirth)
            try ctx.hold(person, role: .perpetrator, linkedTo: adult.urc, allocatedHere: p.urc == nil)
            held = person
        }
        return (adult, children, held)
    }

    /// Records the consent on the form (if any) for `subject`, for the purposes of referrals to its recipients.
    @discardableResult
    public func recordConsent(for subject: URC, in ctx: LotContext) throws -> String? {
        guard let consent, !consent.recipients.isEmpty else { return nil }
        return try ctx.recordConsent(
            subject: subject, recipients: consent.recipients,
            purposes: ctx.settings.purposes(ofReferralsTo: consent.recipients), days: consent.days,
            method: consent.method ?? .verbal, recordedBy: caseworker)
    }

    /// The lawful basis staff gave for sharing with `recipient`, with who decided and when.
    public func lawfulBasis(for recipient: PartyID, at now: Timestamp) -> LawfulBasis? {
        lawfulBases?.first { $0.to == recipient }.map {
            LawfulBasis(code: $0.code, justification: $0.justification, decidedBy: caseworker, decidedAt: now)
        }
    }
}

/// Scores a SafeLives Dash RIC: the number of "yes" answers.
public enum DashScoring {
    /// Checks there is exactly one answer per question 1...`questions`, and scores them.
    public static func score(
        _ answers: [DashAnswer], questions: Int, professionalJudgement: Bool, incidents: Int?,
        at now: Timestamp
    ) throws -> DashAssessment {
        guard answers.count == questions else {
            throw LotError.badInput("a DASH has \(questions) answers, one per question; this one has \(answers.count)")
        }
        let numbers = Set(answers.map(\.question))
        let expected = Set(1...questions)
        guard numbers == expected else {
            let missing = expected.subtracting(numbers).sorted().map(String.init).joined(separator: ", ")
            let odd = numbers.subtracting(expected).sorted().map(String.init).joined(separator: ", ")
            throw LotError.badInput(
                "DASH answers must number questions 1 to \(questions) once each"
                    + (missing.isEmpty ? "" : "; missing: \(missing)") + (odd.isEmpty ? "" : "; not questions: \(odd)"))
        }
        let sorted = answers.sorted { $0.question < $1.question }
        return DashAssessment(
            completedAt: now, answers: sorted, score: sorted.filter { $0.answer == .yes }.count,
            professionalJudgement: professionalJudgement, policeIncidentsLast12Months: incidents)
    }
}

extension DashAssessment {
    /// The MARAC criteria the DASH itself meets: visible high risk at `threshold` or more, and professional
    /// judgement (an extra criterion, never a replacement for a high score).
    public func maracCriteria(threshold: Int) -> [MaracReferral.Criterion] {
        (score >= threshold ? [.visibleHighRisk] : []) + (professionalJudgement == true ? [.professionalJudgement] : [])
    }
}

extension LotContext {
    /// How a MARAC referral about `subject` is shared: the person's consent if this service recorded one, else the
    /// MARAC lawful basis (sharing at high risk needs no consent), with `why` in its justification.
    func maracSharing(of subject: URC, why: String, decidedBy: Staff) throws -> Sharing {
        if let id = try consent(of: subject, for: .marac, purpose: .marac) { return Sharing(purpose: .marac, consentId: id) }
        return Sharing(
            purpose: .marac,
            lawfulBasis: LawfulBasis(
                code: .maracHighRisk, justification: "High risk (\(why)): MARAC sharing at high risk does not need consent.",
                decidedBy: decidedBy, decidedAt: now))
    }
}
