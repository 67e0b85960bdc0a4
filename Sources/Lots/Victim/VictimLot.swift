import Contracts
import Foundation
import GRDB
import LotKit

/// Lot 3, the Victim & Survivor Service: the main entry point. Allocates URCs, scores the DASH, refers to MARAC
/// and to the other services as the rules say, keeps the risk register, and supports partners of men on the
/// perpetrator programme.
public struct VictimLot: WorkerLot, IntakeLot {
    /// The victim & survivor service (Lot 3) on the gateway: the main entry point.
    public let party = PartyID.victim
    /// The victim service, made from nothing: its settings come with each context.
    public init() {}

    /// URCs, consent, DASH scoring, MARAC referrals and repeats, the risk register, referrals on, and answering referrals.
    public var rules: [RuleDescription] {
        [
            .init("allocate-urcs", "A URC for the victim, each child and the perpetrator, unless one was given."),
            .init("record-consent", "The consent given at intake goes to the gateway's registry."),
            .init("score-dash", "A DASH of exactly 24 answers (by question number) is scored: one point per yes."),
            .init(
                "marac-referral",
                "Score 14+, professional judgement (never lowering a 14+), or 3+ police-reported incidents in 12 months: MARAC referral."),
            .init("repeat-flag", "An incident within 12 months of the last MARAC referral: a repeat, referred and flagged to the coordinator."),
            .init("risk-register", "High risk below the MARAC threshold (score 10+ or professional concern) goes on the risk register."),
            .init("refer-family", "Children in the household: referral to the family service."),
            .init("refer-safehome", "Housing need (a move): referral to the safe home service."),
            .init("refer-sanctuary", "Wishes to stay at home with security: referral to the sanctuary scheme."),
            .init("refer-perpetrator", "A perpetrator seeking help: referral about him to the perpetrator service."),
            .init("accept-referral", "Referrals received (safeguarding, and partner support from other services) are accepted and answered."),
            .init(
                "partner-support-unanswered",
                "A partner-support referral from the perpetrator service is kept and worked, never answered: the programme learns nothing of her."),
        ]
    }

    /// Adds `victim_case`, `dash`, `incident`, `marac_history` (what makes a later referral a repeat) and `risk_register`.
    public var migrations: [(String, @Sendable (Database) throws -> Void)] {
        [
            (
                "v1",
                { db in
                    try db.execute(
                        sql: """
                            CREATE TABLE victim_case (
                                victim TEXT PRIMARY KEY REFERENCES person(urc),
                                perpetrator TEXT REFERENCES person(urc),
                                caseworker TEXT NOT NULL,          -- JSON Staff
                                intake TEXT NOT NULL               -- JSON of the parts of the intake MARAC referrals need
                            );
                            CREATE TABLE dash (
                                id INTEGER PRIMARY KEY AUTOINCREMENT,
                                victim TEXT NOT NULL,
                                completed_at INTEGER NOT NULL,
                                score INTEGER NOT NULL,
                                professional_judgement INTEGER NOT NULL,
                                assessment TEXT NOT NULL           -- JSON DashAssessment: answers by question number only
                            );
                            CREATE TABLE incident (victim TEXT NOT NULL, date TEXT NOT NULL, recorded_at INTEGER NOT NULL);
                            CREATE TABLE marac_history (
                                marac_referral_id TEXT PRIMARY KEY,
                                victim TEXT NOT NULL,
                                perpetrator TEXT,
                                referred_on TEXT NOT NULL,
                                is_repeat INTEGER NOT NULL,
                                criteria TEXT NOT NULL
                            );
                            CREATE TABLE risk_register (
                                victim TEXT PRIMARY KEY,
                                added_at INTEGER NOT NULL,
                                score INTEGER NOT NULL,
                                reason TEXT NOT NULL,
                                removed_at INTEGER
                            );
                            """)
                }
            )
        ]
    }

    /// Parts of the intake kept for later MARAC referrals.
    struct CaseNotes: Codable {
        var victimAware: Bool
        var noConsentReason: String?
        var victimFears: String?
        var riskSummary: String?
        var safeContacts: [MaracReferral.ContactPerson]?
        var unsafeContacts: [MaracReferral.ContactPerson]?
    }

    // MARK: Intake

    /// Applies an intake form: people, consent, DASH, and every referral the rules call for. Returns the victim's URC.
    public func intake(_ form: IntakeForm, in ctx: LotContext) throws -> URC {
        let s = ctx.settings.victim
        // Check everything first: a bad form changes nothing.
        let dash = try form.scoredDash(questions: s.dashQuestions, at: ctx.now)
        for basis in form.lawfulBases ?? [] where basis.justification.trimmingCharacters(in: .whitespaces).isEmpty {
            throw LotError.badInput("the lawful basis for sharing with \(basis.to) has no justification: write why it is needed")
        }
        for r in form.consent?.recipients ?? [] where !PartyID.services.contains(r) || r == ctx.party {
            throw LotError.badInput("consent names '\(r)', which is not another service on the gateway")
        }
        let since = CalendarDate(ctx.now).adding(days: -s.escalationWindowDays)
        if dash == nil, (form.policeIncidents ?? []).filter({ $0 >= since }).count >= s.escalationIncidents {
            // A MARAC referral carries the DASH: without one it could not go, and she is at high risk now.
            throw LotError.badInput(
                "\(s.escalationIncidents) or more police-reported incidents in \(s.escalationWindowDays) days meet the MARAC potential-escalation criterion: "
                    + "complete the DASH with her and add it to the intake (`dash`), so that the MARAC referral can go with it")
        }

        ctx.cause = "allocate-urcs"
        let (victim, children, perpetrator) = try form.holdPeople(in: ctx)
        let victimURC = victim.urc
        try ctx.log("allocate-urcs", subject: victimURC, "victim, \(children.count) child(ren)\(perpetrator == nil ? "" : ", perpetrator") held")
        let notes = CaseNotes(
            victimAware: form.victimAware ?? true, noConsentReason: form.noConsentReason,
            victimFears: form.victimFears, riskSummary: form.riskSummary,
            safeContacts: form.safeContacts, unsafeContacts: form.unsafeContacts)
        try VictimCase(
            victim: victimURC, perpetrator: perpetrator?.urc, caseworker: try json(form.caseworker), intake: try json(notes)
        ).upsert(ctx.db)
        for date in form.policeIncidents ?? [] {
            try IncidentRecord(victim: victimURC, date: date, recordedAt: ctx.now).insert(ctx.db)
        }

        ctx.cause = "record-consent"
        if let id = try form.recordConsent(for: victimURC, in: ctx) {
            try ctx.log("record-consent", subject: victimURC, "consent \(id) to \(form.consent!.recipients.map(\.rawValue).joined(separator: ", "))")
        }
        if let dash {
            ctx.cause = "score-dash"
            try record(dash, victim: victimURC, in: ctx)
        }
        try considerMarac(victim: victimURC, trigger: .assessment, in: ctx)

        let needs = Set(
            (form.housing?.needsMove == true ? [Referral.Need.housing] : [])
                + (form.homeSecurity != nil && form.housing?.wantsToStayHome == true ? [.homeSecurity] : [])
                + (form.homeSecurity?.emergencyLockChange == true ? [.emergencyLockChange] : []))
        let household = Referral.Household(
            children: children.isEmpty ? nil : children,
            perpetrator: perpetrator.map { p in
                Referral.HouseholdPerpetrator(
                    urc: p.urc, name: p.name, relationship: form.perpetrator?.relationship,
                    livesAtAddress: form.perpetrator?.livesAtAddress,
                    visitsAddress: form.perpetrator?.visitsAddress,
                    bailConditions: form.perpetrator?.bailConditions)
            })
        let risk = try currentRisk(victimURC, in: ctx)
        func referral(
            to recipient: PartyID, needs: [Referral.Need], reason: String, subject: Person = victim,
            role: Referral.SubjectRole = .victim, housing: Referral.Housing? = nil,
            homeSecurity: Referral.HomeSecurity? = nil,
            programme: Referral.PerpetratorProgramme? = nil, household: Referral.Household? = household
        ) throws {
            let purpose = ctx.settings.purpose(ofReferralTo: recipient)
            let r = Referral(
                referralId: newReferralID(), referredAt: ctx.now,
                referrer: Referrer(service: ctx.party, staff: form.caseworker),
                sharing: try ctx.sharing(
                    of: subject.urc, to: recipient, purpose: purpose,
                    lawfulBasis: form.lawfulBasis(for: recipient, at: ctx.now)),
                priority: form.priority ?? (risk == .high ? .high : .standard),
                reason: role == .perpetrator ? reason : (form.reason ?? reason),
                subject: subject, subjectRole: role, risk: role == .perpetrator ? nil : Referral.Risk(level: risk),
                household: household, needs: needs, housing: housing, homeSecurity: homeSecurity,
                perpetratorProgramme: programme,
                // The case notes are about her: they never go into a referral about him.
                notes: role == .perpetrator ? nil : form.notes)
            try ctx.sendReferral(r, to: recipient)
            try ctx.log(ctx.cause, subject: subject.urc, "referral \(r.referralId) to \(recipient)")
        }
        if !children.isEmpty {
            ctx.cause = "refer-family"
            try referral(to: .family, needs: [.childrenSupport], reason: "Children in a household with domestic abuse")
        }
        if needs.contains(.housing), let housing = form.housing {
            ctx.cause = "refer-safehome"
            try referral(to: .safehome, needs: [.housing], reason: "Needs to move to be safe", housing: housing)
        }
        if needs.contains(.homeSecurity), let hs = form.homeSecurity {
            ctx.cause = "refer-sanctuary"
            let adult = form.victim.dateOfBirth.map { age(of: $0, at: ctx.now) >= 18 } ?? true
            let security = Referral.HomeSecurity(
                aged18OrOver: adult, livesInArea: hs.livesInArea, tenure: form.housing?.tenure ?? .other,
                landlordPermission: hs.landlordPermission, inContactWithPerpetrator: hs.inContactWithPerpetrator,
                perpetratorLivesAtAddress: form.perpetrator?.livesAtAddress ?? false,
                emergencyLockChange: hs.emergencyLockChange, accessNotes: hs.accessNotes)
            try referral(
                to: .sanctuary, needs: Array(needs.subtracting([.housing])).sorted { $0.rawValue < $1.rawValue },
                reason: "Wishes to stay at home with added security", homeSecurity: security)
        }
        if let p = perpetrator, form.perpetrator?.seekingHelp == true {
            ctx.cause = "refer-perpetrator"
            if form.perpetrator?.consentsToReferral == true {
                try ctx.recordConsent(
                    subject: p.urc, recipients: [.perpetrator], purposes: [ctx.settings.purpose(ofReferralTo: .perpetrator)],
                    recordedBy: form.caseworker)
            }
            // What the programme receives of the referrer's words is what is written for it (motivation).
            try referral(
                to: .perpetrator, needs: [.perpetratorProgramme], reason: "Asked for help to change his behaviour",
                subject: p, role: .perpetrator,
                programme: Referral.PerpetratorProgramme(selfReferral: false, motivation: "Asked for help to change his behaviour"),
                household: nil)
        }
        return victimURC
    }

    // MARK: DASH, incidents, MARAC

    enum Trigger { case assessment, incident }

    /// Records a scored DASH for a victim this service holds.
    public func record(_ dash: DashAssessment, victim: URC, in ctx: LotContext) throws {
        try DashRecord(
            victim: victim, completedAt: dash.completedAt, score: dash.score, professionalJudgement: dash.professionalJudgement ?? false,
            assessment: try json(dash)
        ).insert(ctx.db)
        try ctx.log(
            "score-dash", subject: victim,
            "DASH \(dash.score)/\(dash.answers.count)\(dash.professionalJudgement == true ? ", professional judgement: high risk" : "")")
    }

    /// A new DASH for a victim this service holds (after a new incident, or a review).
    public func reassess(victim: URC, answers: [DashAnswer], professionalJudgement: Bool, in ctx: LotContext) throws {
        _ = try ctx.person(victim)
        guard try caseRow(victim, in: ctx) != nil else {
            throw LotError.notFound("\(victim.canonical) is not a victim's case here (a child, a perpetrator, or a partner-support referral)")
        }
        let dash = try DashScoring.score(
            answers, questions: ctx.settings.victim.dashQuestions, professionalJudgement: professionalJudgement,
            incidents: try incidentsInWindow(victim, in: ctx), at: ctx.now)
        ctx.cause = "score-dash"
        try record(dash, victim: victim, in: ctx)
        try considerMarac(victim: victim, trigger: .assessment, in: ctx)
    }

    /// A police-reported incident: may make a repeat, or reach the escalation threshold. Returns what the MARAC
    /// rules came to, so that staff are told when a referral waits for a DASH.
    @discardableResult
    public func recordIncident(victim: URC, on date: CalendarDate, in ctx: LotContext) throws -> MaracDecision {
        _ = try ctx.person(victim)
        guard try caseRow(victim, in: ctx) != nil else { throw LotError.notFound("\(victim.canonical) is not a victim's case here") }
        guard date <= CalendarDate(ctx.now) else { throw LotError.badInput("incident date \(date) is in the future") }
        try IncidentRecord(victim: victim, date: date, recordedAt: ctx.now).insert(ctx.db)
        try ctx.log("incident", subject: victim, "police-reported incident on \(date)")
        return try considerMarac(victim: victim, trigger: .incident, in: ctx)
    }

    func incidentsInWindow(_ victim: URC, in ctx: LotContext) throws -> Int {
        let since = CalendarDate(ctx.now).adding(days: -ctx.settings.victim.escalationWindowDays)
        return try IncidentRecord.filter(Column("victim") == victim && Column("date") >= since).fetchCount(ctx.db)
    }

    func latestDash(_ victim: URC, in ctx: LotContext) throws -> DashAssessment? {
        guard let latest = try DashRecord.filter(Column("victim") == victim).order(Column("completed_at").desc, Column("id").desc).fetchOne(ctx.db)
        else { return nil }
        do { return try JSONDecoder().decode(DashAssessment.self, from: Data(latest.assessment.utf8)) } catch {
            throw LotError.storeFailed("DASH \(latest.id ?? 0) of \(victim) does not read: \(LotError.describe(error))")
        }
    }

    func currentRisk(_ victim: URC, in ctx: LotContext) throws -> Referral.Risk.Level {
        guard let dash = try latestDash(victim, in: ctx) else { return .standard }
        let s = ctx.settings.victim
        if dash.score >= s.riskRegisterFrom || dash.professionalJudgement == true { return .high }
        return dash.score >= s.riskRegisterFrom / 2 ? .medium : .standard
    }

    func caseRow(_ victim: URC, in ctx: LotContext) throws -> VictimCase? {
        try VictimCase.fetchOne(ctx.db, key: victim)
    }

    /// What the MARAC rules came to for a victim.
    public enum MaracDecision: Sendable, Equatable {
        /// Nothing to do, or high risk below the threshold put on the risk register.
        case none
        /// A MARAC referral is in the outbox.
        case referred
        /// The criteria are met but there is no DASH to send with the referral: staff are to complete one (`dash`),
        /// and recording it refers.
        case awaitingDash([MaracReferral.Criterion])
    }

    /// The MARAC rules: refer on the criteria, flag repeats, or put high risk below the threshold on the register.
    @discardableResult
    func considerMarac(victim: URC, trigger: Trigger, in ctx: LotContext) throws -> MaracDecision {
        let s = ctx.settings.victim
        guard let row = try caseRow(victim, in: ctx) else { return .none }
        let perpetrator = row.perpetrator
        let dash = try latestDash(victim, in: ctx)
        let incidents = try incidentsInWindow(victim, in: ctx)
        // Professional judgement can refer below 14; it is an extra criterion, never a replacement for a 14+.
        var criteria = dash?.maracCriteria(threshold: s.maracThreshold) ?? []
        if incidents >= s.escalationIncidents { criteria.append(.potentialEscalation) }

        let last = try MaracHistoryEntry.filter(Column("victim") == victim).order(Column("referred_on").desc).fetchOne(ctx.db)
        let lastDate = last?.referredOn
        let today = CalendarDate(ctx.now)
        let withinRepeatWindow = lastDate.map { today.dayNumber - $0.dayNumber <= s.repeatWindowDays } ?? false
        let samePerpetrator = last?.perpetrator == perpetrator

        // A MARAC referral carries the DASH (the contract requires its 24 answers): without one, the referral
        // waits, named in the rule log and told to the member of staff, until `dash` records one and refers.
        let needed =
            trigger == .incident && withinRepeatWindow && samePerpetrator
            ? (criteria.isEmpty ? [.potentialEscalation] : criteria)
            : trigger == .incident && !criteria.contains(.potentialEscalation) ? [] : criteria
        guard let dash else {
            guard !needed.isEmpty else { return .none }
            ctx.cause = "marac-referral"
            try ctx.log(
                "marac-referral", subject: victim,
                "criteria met (\(needed.map(\.rawValue).joined(separator: ", "))) but no DASH on file: the referral waits for one (`dash`)")
            return .awaitingDash(needed)
        }
        if trigger == .incident {
            if withinRepeatWindow && samePerpetrator {
                ctx.cause = "repeat-flag"
                try ctx.log(
                    "repeat-flag", subject: victim, "incident within \(s.repeatWindowDays) days of the MARAC referral of \(lastDate!): repeat")
                try referToMarac(
                    victim: victim, perpetrator: perpetrator, criteria: criteria.isEmpty ? [.potentialEscalation] : criteria,
                    dash: dash, incidents: incidents, isRepeat: true, lastReferral: lastDate, row: row, in: ctx)
                return .referred
            }
            // A new incident only refers when it reaches the escalation threshold.
            guard criteria.contains(.potentialEscalation) else { return .none }
        }
        if !criteria.isEmpty {
            ctx.cause = "marac-referral"
            try referToMarac(
                victim: victim, perpetrator: perpetrator, criteria: criteria, dash: dash, incidents: incidents,
                isRepeat: withinRepeatWindow && samePerpetrator, lastReferral: lastDate, row: row, in: ctx)
            try RiskRegisterEntry.filter(key: victim).filter(Column("removed_at") == nil).updateAll(ctx.db, Column("removed_at").set(to: ctx.now))
            return .referred
        } else if dash.score >= s.riskRegisterFrom {
            ctx.cause = "risk-register"
            let reason = "DASH \(dash.score): high risk below the MARAC threshold of \(s.maracThreshold)"
            if var entry = try RiskRegisterEntry.fetchOne(ctx.db, key: victim) {
                entry.score = dash.score
                entry.reason = reason
                entry.removedAt = nil
                try entry.update(ctx.db)
            } else {
                try RiskRegisterEntry(victim: victim, addedAt: ctx.now, score: dash.score, reason: reason).insert(ctx.db)
            }
            try ctx.log(
                "risk-register", subject: victim, "DASH \(dash.score), below the MARAC threshold of \(s.maracThreshold): on the risk register")
        }
        return .none
    }

    func referToMarac(
        victim victimURC: URC, perpetrator: URC?, criteria: [MaracReferral.Criterion], dash dashUsed: DashAssessment,
        incidents: Int, isRepeat: Bool, lastReferral: CalendarDate?, row: VictimCase, in ctx: LotContext
    ) throws {
        let (caseworker, notes) = try row.decoded()
        guard let victim = try ctx.person(victimURC).person else { throw LotError.unprocessable("the victim's record does not read") }
        let children = try ctx.linked(to: victimURC).compactMap(\.child)
        let perpetratorDetails = try perpetrator.map { urc -> MaracReferral.PerpetratorDetails in
            let p = try ctx.person(urc).person
            return MaracReferral.PerpetratorDetails(urc: urc, name: p?.name, dateOfBirth: p?.dateOfBirth)
        }
        let why = criteria.map(\.rawValue).joined(separator: ", ")
        let sharing = try ctx.maracSharing(of: victimURC, why: "\(why); DASH \(dashUsed.score)", decidedBy: caseworker)
        let consent = sharing.consentId
        let previous = try MaracHistoryEntry.filter(Column("victim") == victimURC).order(Column("referred_on")).fetchAll(ctx.db)
            .map { MaracReferral.PreviousMarac(date: $0.referredOn) }
        let referral = MaracReferral(
            maracReferralId: newReferralID(), referredAt: ctx.now, referrer: Referrer(service: ctx.party, staff: caseworker),
            sharing: sharing, victim: victim, perpetrator: perpetratorDetails, children: children, criteria: criteria,
            dash: dashUsed, victimAware: notes.victimAware, victimConsented: consent != nil,
            noConsentReason: consent == nil ? (notes.noConsentReason ?? "Not asked: shared at high risk under the MARAC lawful basis") : nil,
            victimFears: notes.victimFears, safeContacts: notes.safeContacts, unsafeContacts: notes.unsafeContacts,
            previousMaracs: previous.isEmpty ? nil : previous, repeat: isRepeat, lastMaracReferralAt: lastReferral,
            riskSummary: notes.riskSummary ?? "DASH \(dashUsed.score); criteria: \(why)")
        try ctx.sendMaracReferral(referral)
        try MaracHistoryEntry(
            maracReferralId: referral.maracReferralId, victim: victimURC, perpetrator: perpetrator, referredOn: CalendarDate(ctx.now),
            isRepeat: isRepeat, criteria: why
        ).insert(ctx.db)
        try ctx.log(
            "marac-referral", subject: victimURC, "MARAC referral \(referral.maracReferralId) (\(why))\(isRepeat ? ", flagged as a repeat" : "")")
    }

    // MARK: Messages received

    /// Takes referrals, accepted and answered, except partner support from the perpetrator service: kept, never answered.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            let r = try message.decode(Referral.self)
            if r.subjectRole != .perpetrator, message.envelope.sender == .perpetrator {
                // The programme must never learn whether his partner took up support: such a referral is kept and
                // worked, not answered (the gateway would refuse the answer: she is not known as a perpetrator).
                ctx.cause = "partner-support-unanswered"
                try ctx.recordReceived(r, from: message.envelope.sender, messageID: message.envelope.messageID, status: .received)
                try ctx.log(
                    "partner-support-unanswered", subject: r.subject.urc, "referral \(r.referralId) from perpetrator kept; no answer goes back")
                return
            }
            try ctx.acceptReferral(
                r, from: message.envelope.sender, messageID: message.envelope.messageID,
                note: r.needs?.contains(.partnerSupport) == true ? "Partner support offered" : nil)
        case .safetyAlert:
            break  // stored by LotKit; staff see it in `case` and `inbox`
        default:
            throw LotError.unprocessable("the victim service does not take \(message.envelope.type.rawValue) messages")
        }
    }
}

func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try ContractJSON.encoder.encode(value), as: UTF8.self)
}

/// A referral id as the contract has it (a lower-case UUID); staff commands accept its first 8 characters.
func newReferralID() -> String {
    UUID.randomLowercased()
}

/// Age in whole years on `at`'s date.
func age(of birth: CalendarDate, at now: Timestamp) -> Int {
    let today = CalendarDate(now)
    var years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day) { years -= 1 }
    return years
}
