import Contracts
import Foundation
import GRDB
import LotKit

/// The MARAC coordinator: receives MARAC referrals, flags repeats, issues action plans with actions owned by
/// agencies, receives the owners' updates, and lists what is overdue before the next meeting.
public struct MaracLot: WorkerLot {
    public let party = PartyID.marac
    public init() {}

    public var rules: [RuleDescription] {
        [
            .init("open-case", "Each MARAC referral opens a case."),
            .init("repeat-flag", "A referral flagged as a repeat, or for a victim referred within 12 months, is flagged a repeat."),
            .init("action-plan", "An action plan goes to each owning service, each seeing only its own actions."),
            .init("action-update", "Only the owning agency may update an action's status."),
        ]
    }

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
            let earlier =
                try Int.fetchOne(
                    ctx.db, sql: "SELECT COUNT(*) FROM marac_case WHERE victim = ? AND received_at >= ?",
                    arguments: [r.victim.urc.canonical, since.millisecondsSince1970]) ?? 0
            let isRepeat = r.repeat || earlier > 0
            let caseID = "MC-\(UUID().uuidString.prefix(8))"  // the contract's case id: upper case
            try ctx.db.execute(
                sql: """
                    INSERT INTO marac_case (case_id, marac_referral_id, victim, perpetrator, referred_by, received_at, is_repeat, dash_score, criteria)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    caseID, r.maracReferralId, r.victim.urc.canonical, r.perpetrator?.urc.canonical,
                    message.envelope.sender.rawValue, ctx.now.millisecondsSince1970, isRepeat, r.dash.score,
                    r.criteria.map(\.rawValue).joined(separator: ", "),
                ])
            try ctx.recordReferral(
                id: r.maracReferralId, direction: "in", counterpart: message.envelope.sender, subject: r.victim.urc,
                messageID: message.envelope.messageID, type: .maracReferral, status: "case \(caseID)",
                body: message.body)
            ctx.log("open-case", subject: r.victim.urc, "case \(caseID) from MARAC referral \(r.maracReferralId) (DASH \(r.dash.score))")
            if isRepeat {
                ctx.log(
                    "repeat-flag", subject: r.victim.urc,
                    r.repeat
                        ? "flagged a repeat by \(message.envelope.sender)"
                        : "repeat: \(earlier) earlier referral(s) within \(ctx.settings.marac.repeatWindowDays) days")
            }
        case .maracActionUpdate:
            let u = try message.decode(MaracActionUpdate.self)
            guard
                let owner = try String.fetchOne(
                    ctx.db, sql: "SELECT owner FROM marac_action WHERE case_id = ? AND action_id = ?",
                    arguments: [u.caseId, u.actionId])
            else {
                throw LotError.unprocessable("an update for action \(u.actionId) of case \(u.caseId), which the coordinator does not hold")
            }
            guard owner == message.envelope.sender.rawValue else {
                throw LotError.unprocessable("action \(u.actionId) of case \(u.caseId) is owned by \(owner), not \(message.envelope.sender)")
            }
            ctx.cause = "action-update"
            try ctx.db.execute(
                sql: "UPDATE marac_action SET status = ?, note = ?, updated_at = ? WHERE case_id = ? AND action_id = ?",
                arguments: [u.status.rawValue, u.note, u.updatedAt.millisecondsSince1970, u.caseId, u.actionId])
            ctx.log(
                "action-update", subject: message.envelope.subject, "action \(u.actionId) of case \(u.caseId): \(u.status.rawValue) (from \(owner))")
        default:
            throw LotError.unprocessable("the MARAC coordinator does not take \(message.envelope.type.rawValue) messages")
        }
    }

    /// One action of a plan as staff type it: `owner|due-date|description`.
    public struct PlannedAction: Sendable {
        public var owner: String
        public var due: CalendarDate
        public var description: String

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
        guard let row = try Row.fetchOne(ctx.db, sql: "SELECT * FROM marac_case WHERE case_id = ?", arguments: [caseID]) else {
            throw LotError.notFound("no MARAC case \(caseID): `cases` lists them")
        }
        guard !actions.isEmpty else { throw LotError.badInput("an action plan needs at least one --action") }
        let planned = actions.map { a in
            MaracActionPlan.Action(actionId: UUID.randomLowercased(), owner: a.owner, description: a.description, dueDate: a.due)
        }
        for a in planned {
            try ctx.db.execute(
                sql:
                    "INSERT INTO marac_action (case_id, action_id, owner, description, due_date, status, updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                arguments: [caseID, a.actionId, a.owner, a.description, a.dueDate.description, ctx.now.millisecondsSince1970])
        }
        let plan = MaracActionPlan(
            caseId: caseID, maracReferralId: row["marac_referral_id"], meetingDate: meeting,
            nextMeetingDate: next, actions: planned)
        let victim = try URC(parsing: row["victim"] as String)
        ctx.cause = "action-plan"
        // Only services on the gateway get messages; police, health and others are tracked here.
        let owners = Set(planned.compactMap { PartyID(rawValue: $0.owner) }).filter {
            PartyID.services.contains($0) && $0 != .marac && $0 != .perpetrator
        }
        for owner in owners.sorted() { try ctx.send(plan, to: owner, about: victim) }
        ctx.log(
            "action-plan", subject: victim,
            "\(planned.count) action(s) for case \(caseID); sent to \(owners.sorted().map(\.rawValue).joined(separator: ", "))")
        return plan
    }

    /// An action not done by its due date.
    public struct OverdueAction: Sendable, Equatable {
        public var caseID: String, actionID: String, owner: String, due: String, status: String, description: String
    }

    /// Actions past their due date on `date` and not done or closed as not possible.
    public func overdue(on date: CalendarDate, in db: Database) throws -> [OverdueAction] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM marac_action WHERE due_date < ? AND status NOT IN ('done', 'not-possible') ORDER BY due_date, case_id, action_id
                """, arguments: [date.description]
        ).map {
            OverdueAction(
                caseID: $0["case_id"], actionID: $0["action_id"], owner: $0["owner"], due: $0["due_date"],
                status: $0["status"], description: $0["description"])
        }
    }
}
