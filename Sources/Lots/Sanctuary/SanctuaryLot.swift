import Contracts
import Foundation
import GRDB
import LotKit

/// The sanctuary scheme (seed 000): home-security installations. Checks eligibility, allocates an installer
/// without a conflict, keeps the timescales (first contact 48 h, works in 2-5 working days of contact,
/// emergency lock change the same day) and alerts the referrer at once when something is wrong.
public struct SanctuaryLot: WorkerLot {
    /// The sanctuary scheme (home-security installations) on the gateway.
    public let party = PartyID.sanctuary
    /// The sanctuary scheme, made from nothing: its settings come with each context.
    public init() {}

    /// Timer kinds.
    public enum TimerKind {
        /// First contact with the client, due `firstContactHours` (48) after the referral was made.
        public static let firstContact = "first-contact"
        /// Works, due within `worksWithinWorkingDays` (5) working days of first contact.
        public static let works = "works"
        /// An emergency lock change, due by the end of the day the referral is accepted (UTC).
        public static let emergencyLockChange = "emergency-lock-change"
        /// Made-to-measure works, due `madeToMeasureWithinWorkingDays` (20) working days after the order.
        public static let madeToMeasure = "made-to-measure"
    }

    /// Eligibility, child protection, conflict-free allocation, timescales, made-to-measure, perpetrator at the address, completion.
    public var rules: [RuleDescription] {
        [
            .init(
                "eligibility",
                "18+, lives in the area, eligible tenure, landlord permission where needed, not in contact with the perpetrator, perpetrator not living there."
            ),
            .init("child-protection", "Under 18: declined, and a child-protection alert to the referrer instead."),
            .init("allocate-installer", "An installer who declared a conflict with the person or the perpetrator is never allocated."),
            .init(
                "timescales",
                "First contact due 48 h after referral; works within 5 working days of contact; emergency lock change the same day. Overdue: alert to the referrer."
            ),
            .init(
                "made-to-measure",
                "Works ordered to fit (grilles, security film) leave the working-day limit for their own: fitted within 20 working days of the order, else an alert."
            ),
            .init("perpetrator-at-address", "Perpetrator at the address: works suspended and an immediate safety alert to the referrer."),
            .init("completion", "Completion outcome carries the works and their cost."),
        ]
    }

    /// Adds `job` and `installer_conflict` (v1), then `made_to_measure` orders with their own due dates (v2).
    public var migrations: [(String, @Sendable (Database) throws -> Void)] {
        [
            (
                "v1",
                { db in
                    try db.execute(
                        sql: """
                            CREATE TABLE job (
                                referral_id TEXT PRIMARY KEY REFERENCES referral(referral_id),
                                subject TEXT NOT NULL,
                                perpetrator TEXT,
                                status TEXT NOT NULL,        -- accepted, contacted, suspended, completed, unallocated
                                emergency INTEGER NOT NULL,
                                installer TEXT,
                                accepted_at INTEGER NOT NULL,
                                contacted_at INTEGER,
                                completed_at INTEGER,
                                cost_pence INTEGER
                            );
                            CREATE TABLE installer_conflict (
                                installer TEXT NOT NULL,
                                urc TEXT NOT NULL,
                                declared_at INTEGER NOT NULL,
                                PRIMARY KEY (installer, urc)
                            );
                            """)
                }
            ),
            (
                "v2-made-to-measure",
                { db in
                    try db.execute(
                        sql: """
                            -- Works measured and ordered to fit, each with its own due date (excepted from the working-day limit).
                            CREATE TABLE made_to_measure (
                                referral_id TEXT NOT NULL REFERENCES job(referral_id),
                                item TEXT NOT NULL,
                                ordered_at INTEGER NOT NULL,
                                due_at INTEGER NOT NULL,
                                PRIMARY KEY (referral_id, item)
                            );
                            """)
                }
            ),
        ]
    }

    /// Takes referrals, assessed for eligibility and given a job; safety alerts are only stored; refuses anything else.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .referral:
            try assess(try message.decode(Referral.self), from: message.envelope.sender, messageID: message.envelope.messageID, in: ctx)
        case .safetyAlert:
            break
        default:
            throw LotError.unprocessable("the sanctuary scheme does not take \(message.envelope.type.rawValue) messages")
        }
    }

    func assess(_ r: Referral, from sender: PartyID, messageID: String, in ctx: LotContext) throws {
        ctx.cause = "eligibility"
        try ctx.recordReceived(r, from: sender, messageID: messageID, status: .received)
        let received = try ctx.receivedReferral(r.referralId)
        let s = ctx.settings.sanctuary
        guard let hs = r.homeSecurity else {
            try ctx.sendOutcome(
                for: received, .declined,
                declineReason: .init(code: .other, text: "No home-security details: send the eligibility questions with the referral"))
            return
        }
        if !hs.aged18OrOver {
            ctx.cause = "child-protection"
            try ctx.sendOutcome(for: received, .declined, declineReason: .init(code: .under18, text: "Under 18: child protection referral instead"))
            try ctx.raiseAlert(
                .childProtection, severity: .urgent, to: sender, about: r.subject.urc,
                relatesTo: .init(referralId: r.referralId),
                summary: "The person referred is under 18; the sanctuary scheme cannot install.",
                actionRequired: "Make a child protection referral to children's social care.")
            try ctx.log("child-protection", subject: r.subject.urc, "under 18: declined, child-protection alert to \(sender)")
            return
        }
        let refusal: ReferralOutcome.DeclineReason? =
            !hs.livesInArea
            ? .init(code: .outOfArea, text: "Does not live in the scheme's area: signpost to the local scheme")
            : !s.eligibleTenures.contains(hs.tenure)
                ? .init(code: .notEligible, text: "Tenure \(hs.tenure.rawValue) is not eligible")
                : [.refused, .pending].contains(hs.landlordPermission)
                    ? .init(code: .notEligible, text: "Landlord permission is \(hs.landlordPermission.rawValue)")
                    : hs.inContactWithPerpetrator
                        ? .init(code: .notEligible, text: "Still in contact with the perpetrator")
                        : hs.perpetratorLivesAtAddress
                            ? .init(code: .notEligible, text: "The perpetrator lives at the address")
                            : nil
        if let refusal {
            try ctx.sendOutcome(for: received, .declined, declineReason: refusal)
            try ctx.log("eligibility", subject: r.subject.urc, "not eligible: \(refusal.text ?? refusal.code.rawValue)")
            return
        }
        let perpetrator = r.household?.perpetrator?.urc
        ctx.cause = "allocate-installer"
        let installer = try freeInstaller(for: [r.subject.urc] + (perpetrator.map { [$0] } ?? []), in: ctx)
        let emergency = hs.emergencyLockChange == true || r.needs?.contains(.emergencyLockChange) == true
        try SanctuaryJob(
            referralId: r.referralId, subject: r.subject.urc, perpetrator: perpetrator, status: installer == nil ? .unallocated : .accepted,
            emergency: emergency, installer: installer, acceptedAt: ctx.now
        ).insert(ctx.db)
        try ctx.sendOutcome(for: received, .accepted, note: emergency ? "Emergency lock change today" : nil)
        try ctx.log(
            "allocate-installer", subject: r.subject.urc, installer == nil ? "no installer free of conflicts: job unallocated" : "installer allocated"
        )
        ctx.cause = "timescales"
        // First contact is due 48 hours after the referral was made, not after it reached us.
        try ctx.schedule(
            TimerKind.firstContact, subject: r.subject.urc, reference: r.referralId,
            dueAt: r.referredAt.adding(seconds: Double(s.firstContactHours * 3600)))
        if emergency && s.emergencyLockChangeSameDay {
            let endOfDay = Timestamp(millisecondsSince1970: Int64(CalendarDate(ctx.now).dayNumber + 1) * 86_400_000 - 1)
            try ctx.schedule(TimerKind.emergencyLockChange, subject: r.subject.urc, reference: r.referralId, dueAt: endOfDay)
        }
    }

    func freeInstaller(for people: [URC], in ctx: LotContext) throws -> String? {
        let conflicted = Set(try InstallerConflict.filter(people.contains(Column("urc"))).fetchAll(ctx.db).map(\.installer))
        // The installer with the fewest open jobs among those without a conflict.
        return try ctx.settings.sanctuary.installers.filter { !conflicted.contains($0) }.min { a, b in
            try SanctuaryJob.open(for: a).fetchCount(ctx.db) < SanctuaryJob.open(for: b).fetchCount(ctx.db)
        }
    }

    func job(_ referralID: String, in ctx: LotContext) throws -> (ReferralRecord, SanctuaryJob) {
        let referral = try ctx.receivedReferral(referralID)
        guard let job = try SanctuaryJob.fetchOne(ctx.db, key: referral.referralId) else {
            throw LotError.notFound("referral \(referralID) was not accepted, so it has no job")
        }
        return (referral, job)
    }

    // MARK: Staff actions

    /// An installer declares they know the person or the perpetrator; they are moved off any open job for them.
    public func declareConflict(installer: String, with urc: URC, in ctx: LotContext) throws {
        guard ctx.settings.sanctuary.installers.contains(installer) else {
            throw LotError.badInput("'\(installer)' is not an installer in config/lots.yaml (sanctuary.installers)")
        }
        try InstallerConflict(installer: installer, urc: urc, declaredAt: ctx.now).insert(ctx.db, onConflict: .ignore)
        ctx.cause = "allocate-installer"
        let affected = try SanctuaryJob.open(for: installer).filter(Column("subject") == urc || Column("perpetrator") == urc).fetchAll(ctx.db)
        for var job in affected {
            let other = try freeInstaller(for: [job.subject] + (job.perpetrator.map { [$0] } ?? []), in: ctx)
            job.installer = other
            if other == nil { job.status = .unallocated }
            try job.update(ctx.db)
            try ctx.log("allocate-installer", subject: job.subject, "installer conflict declared: job reallocated")
        }
    }

    /// First contact made (or attempted and failed).
    public func recordContact(_ referralID: String, made: Bool, attempts: Int?, in ctx: LotContext) throws {
        var (referral, job) = try job(referralID, in: ctx)
        let referralID = referral.referralId
        guard [.accepted, .unallocated].contains(job.status) else {
            throw LotError.badInput("referral \(referralID) is \(job.status.rawValue); contact is recorded once, before works")
        }
        if made {
            ctx.cause = "timescales"
            job.status = .contacted
            job.contactedAt = ctx.now
            try job.update(ctx.db)
            try ctx.cancelTimers(reference: referralID, kinds: [TimerKind.firstContact])
            try ctx.sendOutcome(for: referral, .contactMade, contactAttempts: attempts)
            try ctx.schedule(
                TimerKind.works, subject: referral.subject, reference: referralID,
                dueAt: WorkingDays.adding(
                    ctx.settings.sanctuary.worksWithinWorkingDays, to: ctx.now,
                    holidays: Set(ctx.settings.sanctuary.bankHolidays)))
        } else {
            ctx.cause = "timescales"
            try ctx.sendOutcome(for: referral, .contactFailed, contactAttempts: attempts)
            try ctx.raiseAlert(
                .contactFailed, severity: .urgent, to: referral.counterpart, about: referral.subject,
                relatesTo: .init(referralId: referralID), summary: "The sanctuary scheme could not reach the person.",
                actionRequired: "Check the person is safe and give a safe way to reach them.")
        }
    }

    /// Works that must be measured and ordered to fit: the job leaves the working-day limit and is tracked against
    /// the made-to-measure timescale from today (seed 000: "with the exception of works that require specific
    /// measurement and to be ordered to fit").
    public func orderMadeToMeasure(_ referralID: String, items: [String], in ctx: LotContext) throws -> Timestamp {
        let (referral, job) = try job(referralID, in: ctx)
        let referralID = referral.referralId
        let s = ctx.settings.sanctuary
        guard !items.isEmpty else { throw LotError.badInput("name the items ordered (--item \(s.madeToMeasureItems.joined(separator: ", ")))") }
        for item in items where !s.madeToMeasureItems.contains(item) {
            throw LotError.badInput(
                "'\(item)' is not a made-to-measure item in config/lots.yaml (\(s.madeToMeasureItems.joined(separator: ", "))): other works keep the working-day limit"
            )
        }
        guard job.status == .contacted else {
            throw LotError.badInput("referral \(referralID) is \(job.status.rawValue): made-to-measure works are ordered after first contact")
        }
        let already = Set(try MadeToMeasureOrder.filter(Column("referral_id") == referralID).fetchAll(ctx.db).map(\.item))
        if let again = items.first(where: already.contains) {
            throw LotError.badInput("\(again) is already ordered for referral \(referralID)")
        }
        ctx.cause = "made-to-measure"
        let due = WorkingDays.adding(s.madeToMeasureWithinWorkingDays, to: ctx.now, holidays: Set(s.bankHolidays))
        for item in Set(items).sorted() {
            try MadeToMeasureOrder(referralId: referralID, item: item, orderedAt: ctx.now, dueAt: due).insert(ctx.db)
        }
        // One deadline for the job: the later of what is ordered, never the standard limit again.
        try ctx.cancelTimers(reference: referralID, kinds: [TimerKind.works, TimerKind.madeToMeasure])
        try ctx.schedule(TimerKind.madeToMeasure, subject: referral.subject, reference: referralID, dueAt: due)
        try ctx.log("made-to-measure", subject: referral.subject, "\(items.count) item(s) ordered to fit; due by \(CalendarDate(due))")
        return due
    }

    /// The perpetrator is living at or visiting the address: stop and tell the referrer now.
    public func perpetratorPresent(_ referralID: String, in ctx: LotContext) throws {
        var (referral, job) = try job(referralID, in: ctx)
        let referralID = referral.referralId
        guard job.status != .completed else { throw LotError.badInput("referral \(referralID) is completed") }
        ctx.cause = "perpetrator-at-address"
        job.status = .suspended
        try job.update(ctx.db)
        try ctx.cancelTimers(reference: referralID)
        try ctx.updateReferral(referralID, status: .suspended, detail: "perpetrator at the address")
        try ctx.raiseAlert(
            .perpetratorAtAddress, severity: .immediate, to: referral.counterpart, about: referral.subject,
            relatesTo: .init(referralId: referralID),
            summary: "The perpetrator is at the address. Works are suspended.",
            actionRequired: "Contact the person safely now and review the safety plan.")
        try ctx.log("perpetrator-at-address", subject: referral.subject, "works suspended; immediate alert to \(referral.counterpart)")
    }

    /// The emergency lock change is done.
    public func lockChanged(_ referralID: String, in ctx: LotContext) throws {
        let (referral, _) = try job(referralID, in: ctx)
        try ctx.cancelTimers(reference: referral.referralId, kinds: [TimerKind.emergencyLockChange])
        try ctx.log("timescales", subject: referral.subject, "emergency lock change done")
    }

    /// Works completed: the completion outcome carries the items and their cost.
    public func complete(_ referralID: String, items: [ReferralOutcome.WorkItem], in ctx: LotContext) throws {
        var (referral, job) = try job(referralID, in: ctx)
        let referralID = referral.referralId
        guard job.status == .contacted else {
            throw LotError.badInput(
                "referral \(referralID) is \(job.status.rawValue): works are completed after contact, and not while suspended")
        }
        guard !items.isEmpty else { throw LotError.badInput("list the works done (--item code:quantity:unit-pence)") }
        ctx.cause = "completion"
        let works = ReferralOutcome.Works(items: items, completedAt: ctx.now)
        job.status = .completed
        job.completedAt = ctx.now
        job.costPence = works.totalCostPence
        try job.update(ctx.db)
        try ctx.cancelTimers(reference: referralID)
        try ctx.sendOutcome(for: referral, .completed, works: works)
    }

    /// A missed timescale (first contact, works, emergency lock change, made-to-measure): an alert to the referrer.
    public func fire(_ timer: DueTimer, in ctx: LotContext) throws {
        let referral = try ctx.receivedReferral(timer.reference)
        let (kind, summary): (SafetyAlert.Kind, String) =
            switch timer.kind {
            case TimerKind.firstContact:
                (.firstContactOverdue, "No first contact within \(ctx.settings.sanctuary.firstContactHours) hours of the referral.")
            case TimerKind.works:
                (.worksOverdue, "Works not completed within \(ctx.settings.sanctuary.worksWithinWorkingDays) working days of contact.")
            case TimerKind.emergencyLockChange: (.emergencyLockChangeOverdue, "The emergency lock change was not done today.")
            case TimerKind.madeToMeasure:
                (
                    .worksOverdue,
                    "Made-to-measure works not fitted within \(ctx.settings.sanctuary.madeToMeasureWithinWorkingDays) working days of the order."
                )
            default: throw LotError.unprocessable("unknown sanctuary timer \(timer.kind)")
            }
        ctx.cause = timer.kind == TimerKind.madeToMeasure ? "made-to-measure" : "timescales"
        try ctx.raiseAlert(
            kind, severity: timer.kind == TimerKind.emergencyLockChange ? .immediate : .urgent, to: referral.counterpart,
            about: referral.subject, relatesTo: .init(referralId: referral.referralId), summary: summary,
            actionRequired: "Contact the sanctuary scheme about this referral.")
        try ctx.log(ctx.cause, subject: referral.subject, "\(kind.rawValue): alert to \(referral.counterpart)")
    }
}

/// Working days: Monday to Friday, except the bank holidays in config/lots.yaml.
public enum WorkingDays {
    /// `days` working days after `start` (same time of day).
    public static func adding(_ days: Int, to start: Timestamp, holidays: Set<CalendarDate>) -> Timestamp {
        var date = CalendarDate(start)
        var left = days
        while left > 0 {
            date = date.adding(days: 1)
            if isWorkingDay(date, holidays: holidays) { left -= 1 }
        }
        return start.adding(seconds: Double(date.dayNumber - CalendarDate(start).dayNumber) * 86_400)
    }

    /// Monday-Friday and not a bank holiday (day 0 of the day numbers, 1970-01-01, was a Thursday).
    public static func isWorkingDay(_ date: CalendarDate, holidays: Set<CalendarDate>) -> Bool {
        let weekday = ((date.dayNumber % 7) + 7 + 3) % 7  // 0 = Monday ... 6 = Sunday
        return weekday < 5 && !holidays.contains(date)
    }
}
