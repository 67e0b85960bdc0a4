import Contracts
import Foundation
import GRDB
import LotKit

/// The MARAC coordinator: receives MARAC referrals, flags repeats, issues action plans with actions owned by
/// agencies, receives the owners' updates, and lists what is overdue before the next meeting.
public struct MaracLot: WorkerLot {
    /// The MARAC coordinator on the gateway.
    public let party = PartyID.marac
    /// The MARAC coordinator, made from nothing: its settings come with each context.
    public init() {}

    /// A case per referral, repeats flagged, action plans to the owning services, and updates from the owning agency only.
    public var rules: [RuleDescription] {
        [
            .init("open-case", "Each MARAC referral opens a case."),
            .init("repeat-flag", "A referral flagged as a repeat, or for a victim referred within 12 months, is flagged a repeat."),
            .init("action-plan", "An action plan goes to each owning service, each seeing only its own actions."),
            .init("action-update", "Only the owning agency may update an action's status."),
        ]
    }

    /// Adds `marac_case` (one per MARAC referral, with its repeat flag) and `marac_action` (each action of a plan).
    public var migrations: [(String, @Sendable (Database) throws -> Void)] {
        [
            (
                "v1",
                { db in
                    try db.execute(
                        sql: """
                            CREATE TABLE marac_case (
                                case_id TEXT PRIMARY KEY,
                                marac_referral_id TEXT NOT NULL UNIQUE,
                                victim TEXT NOT NULL,
                                perpetrator TEXT,
                                referred_by TEXT NOT NULL,
                                received_at INTEGER NOT NULL,
                                is_repeat INTEGER NOT NULL,
                                dash_score INTEGER NOT NULL,
                                criteria TEXT NOT NULL
                            );
                            CREATE TABLE marac_action (
                                case_id TEXT NOT NULL REFERENCES marac_case(case_id),
                                action_id TEXT NOT NULL,
                                owner TEXT NOT NULL,
                                description TEXT NOT NULL,
                                due_date TEXT NOT NULL,
                                status TEXT NOT NULL,
                                note TEXT,
                                updated_at INTEGER NOT NULL,
                                PRIMARY KEY (case_id, action_id)
                            );
                            """)
                }
            )
        ]
    }

    /// Takes MARAC referrals (a case each, repeats flagged) and action-plan updates from the owning agency; refuses the rest.
    public func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        switch message.envelope.type {
        case .maracReferral:
            let r = try message.decode(MaracReferral.self)
            ctx.cause = "open-case"
            try ctx.hold(r.victim, role: .victim, allocatedHere: false)
            for c in r.children { try ctx.hold(c, linkedTo: r.victim.urc, allocatedHere: false) }
            if let p = r.perpetrator, let name = p.name {
                try ctx.hold(
                    Person(urc: p.urc, name: name, dateOfBirth: p.dateOfBirth), role: .perpetrator, linkedTo: r.victim.urc, allocatedHere: false)
            }
            let since = ctx.now.adding(seconds: -Double(ctx.settings.marac.repeatWindowDays) * 86_400)
            let earlier = try MaracCase.filter(Column("victim") == r.victim.urc && Column("received_at") >= since).fetchCount(ctx.db)
            let isRepeat = r.repeat || earlier > 0
            let caseID = "MC-\(UUID().uuidString.prefix(8))"  // the contract's case id: upper case
            try MaracCase(
                caseId: caseID, maracReferralId: r.maracReferralId, victim: r.victim.urc, perpetrator: r.perpetrator?.urc,
                referredBy: message.envelope.sender, receivedAt: ctx.now, isRepeat: isRepeat, dashScore: r.dash.score,
                criteria: r.criteria.map(\.rawValue).joined(separator: ", ")
            ).insert(ctx.db)
            try ctx.recordReferral(
                id: r.maracReferralId, direction: .incoming, counterpart: message.envelope.sender, subject: r.victim.urc,
                messageID: message.envelope.messageID, type: .maracReferral, status: .received, detail: "case \(caseID)",
                body: message.body)
            try ctx.log("open-case", subject: r.victim.urc, "case \(caseID) from MARAC referral \(r.maracReferralId) (DASH \(r.dash.score))")
            if isRepeat {
                try ctx.log(
                    "repeat-flag", subject: r.victim.urc,
                    r.repeat
                        ? "flagged a repeat by \(message.envelope.sender)"
                        : "repeat: \(earlier) earlier referral(s) within \(ctx.settings.marac.repeatWindowDays) days")
            }
        case .maracActionUpdate:
            let u = try message.decode(MaracActionUpdate.self)
            guard var action = try MaracAction.fetchOne(ctx.db, key: ["case_id": u.caseId, "action_id": u.actionId]) else {
                throw LotError.unprocessable("an update for action \(u.actionId) of case \(u.caseId), which the coordinator does not hold")
            }
            let owner = action.owner
            guard owner == message.envelope.sender.rawValue else {
                throw LotError.unprocessable("action \(u.actionId) of case \(u.caseId) is owned by \(owner), not \(message.envelope.sender)")
            }
            ctx.cause = "action-update"
            action.status = u.status
            action.note = u.note
            action.updatedAt = u.updatedAt
            try action.update(ctx.db)
            try ctx.log(
                "action-update", subject: message.envelope.subject, "action \(u.actionId) of case \(u.caseId): \(u.status.rawValue) (from \(owner))")
        case .safetyAlert:
            break  // stored by LotKit; the coordinator sees it in `case` and `inbox`
        default:
            throw LotError.unprocessable("the MARAC coordinator does not take \(message.envelope.type.rawValue) messages")
        }
    }

    /// One action of a plan as staff type it: `owner|due-date|description`.
    public struct PlannedAction: Sendable {
        /// The owning agency: a service id on the gateway, or another agency in lower case (police, childrens-social-care).
        public var owner: String
        /// When the owner is to have done it.
        public var due: CalendarDate
        /// What is to be done.
        public var description: String

        /// Reads `owner|YYYY-MM-DD|description`; a missing part, a bad owner or a bad date is refused, saying which.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "|", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else {
                throw LotError.badInput("an action is `owner|YYYY-MM-DD|description`, not '\(text)'")
            }
            guard parts[0].range(of: "^[a-z][a-z0-9-]{1,63}$", options: .regularExpression) != nil else {
                throw LotError.badInput("the owner '\(parts[0])' is a service id or an agency in lower case (police, childrens-social-care, ...)")
            }
            guard let due = CalendarDate(parts[1]) else { throw LotError.badInput("'\(parts[1])' is not a date (YYYY-MM-DD)") }
            owner = parts[0]
            self.due = due
            description = parts[2]
        }
    }

    /// Issues the action plan agreed at a meeting; each owning service receives it (only its own actions reach it).
    @discardableResult
    public func issuePlan(
        caseID: String, meeting: CalendarDate, next: CalendarDate?, actions: [PlannedAction],
        in ctx: LotContext
    ) throws -> MaracActionPlan {
        guard let held = try MaracCase.fetchOne(ctx.db, key: caseID) else {
            throw LotError.notFound("no MARAC case \(caseID): `cases` lists them")
        }
        guard !actions.isEmpty else { throw LotError.badInput("an action plan needs at least one --action") }
        let planned = actions.map { a in
            MaracActionPlan.Action(actionId: UUID.randomLowercased(), owner: a.owner, description: a.description, dueDate: a.due)
        }
        for a in planned {
            try MaracAction(
                caseId: caseID, actionId: a.actionId, owner: a.owner, description: a.description, dueDate: a.dueDate, status: .open,
                updatedAt: ctx.now
            ).insert(ctx.db)
        }
        let plan = MaracActionPlan(
            caseId: caseID, maracReferralId: held.maracReferralId, meetingDate: meeting,
            nextMeetingDate: next, actions: planned)
        let victim = held.victim
        ctx.cause = "action-plan"
        // Only services on the gateway get messages; police, health and others are tracked here.
        let owners = Set(planned.compactMap { PartyID(rawValue: $0.owner) }).filter {
            PartyID.services.contains($0) && $0 != .marac && $0 != .perpetrator
        }
        for owner in owners.sorted() { try ctx.send(plan, to: owner, about: victim) }
        try ctx.log(
            "action-plan", subject: victim,
            "\(planned.count) action(s) for case \(caseID); sent to \(owners.sorted().map(\.rawValue).joined(separator: ", "))")
        return plan
    }
}
