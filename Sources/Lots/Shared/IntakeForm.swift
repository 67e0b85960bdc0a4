import Contracts
import Foundation
import LotKit

/// What a caseworker records when a person first contacts a service (the `intake FILE` command), as JSON.
/// Questions of the DASH are stored by number, never their wording (SafeLives copyright).
public struct IntakeForm: Codable, Sendable {
    public struct Adult: Codable, Sendable {
        /// Given when another service already allocated one; otherwise this service allocates it.
        public var urc: URC?
        public var name: PersonName
        public var dateOfBirth: CalendarDate?
        public var gender: Gender?
        public var language: LanguageTag?
        public var interpreterNeeded: Bool?
        public var disabilities: [Disability]?
        public var address: PostalAddress?
        public var addressIsSafe: Bool?
        public var safeContact: SafeContact?
    }

    public struct ChildEntry: Codable, Sendable {
        public var urc: URC?
        public var name: PersonName
        public var dateOfBirth: CalendarDate
        public var school: School?
    }

    public struct PerpetratorEntry: Codable, Sendable {
        public var urc: URC?
        public var name: PersonName
        public var dateOfBirth: CalendarDate?
        public var relationship: Relationship?
        public var livesAtAddress: Bool?
        public var visitsAddress: Bool?
        public var bailConditions: String?
        /// He asked for help to change: refer him to the perpetrator programme.
        public var seekingHelp: Bool?
        /// He agreed to that referral.
        public var consentsToReferral: Bool?
    }

    public struct Dash: Codable, Sendable {
        public var answers: [DashAnswer]
        public var professionalJudgement: Bool?
    }

    public struct ConsentEntry: Codable, Sendable {
        public var recipients: [PartyID]
        public var days: Int?
        public var method: ConsentRecord.Method?
    }

    public struct LawfulBasisEntry: Codable, Sendable {
        public var to: PartyID
        public var code: LawfulBasisCode
        public var justification: String
    }

    public struct HomeSecurityEntry: Codable, Sendable {
        public var livesInArea: Bool
        public var landlordPermission: Referral.HomeSecurity.LandlordPermission
        public var inContactWithPerpetrator: Bool
        public var emergencyLockChange: Bool?
        public var accessNotes: String?
    }

    public var caseworker: Staff
    public var victim: Adult
    public var children: [ChildEntry]?
    public var perpetrator: PerpetratorEntry?
    public var dash: Dash?
    /// Dates of police-reported incidents.
    public var policeIncidents: [CalendarDate]?
    public var housing: Referral.Housing?
    public var homeSecurity: HomeSecurityEntry?
    /// What the person agreed to share, and with whom (purposes follow `config/lots.yaml`).
    public var consent: ConsentEntry?
    /// Decisions to share without consent, each with its written justification.
    public var lawfulBases: [LawfulBasisEntry]?
    public var priority: Referral.Priority?
    public var reason: String?
    public var victimAware: Bool?
    public var noConsentReason: String?
    public var victimFears: String?
    public var riskSummary: String?
    public var safeContacts: [MaracReferral.ContactPerson]?
    public var unsafeContacts: [MaracReferral.ContactPerson]?
    public var notes: String?

    /// Reads an intake file; a mistake names the file and the field, and nothing is changed.
    public static func load(_ path: String) throws -> IntakeForm {
        try StrictForm.load(IntakeForm.self, path: path, describing: "intake file")
    }

    /// The DASH as scored: exactly `questions` answers, one per question number.
    public func scoredDash(questions: Int, at now: Timestamp) throws -> DashAssessment? {
        guard let dash else { return nil }
        return try DashScoring.score(
            dash.answers, questions: questions, professionalJudgement: dash.professionalJudgement ?? false,
            incidents: policeIncidents?.count, at: now)
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
