import ArgumentParser
import Contracts
import Foundation
import GRDB
import LotCLI
import LotKit
import Lots

/// The MARAC coordinator's worker and commands.
struct MaracCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marac-coordinator", abstract: "MARAC coordinator: cases, repeats, action plans, updates, overdue actions.",
        subcommands: [
            InitCommand<MaracLot>.self, RunCommand<MaracLot>.self, InboxCommand<MaracLot>.self, CaseCommand<MaracLot>.self, RulesCommand<MaracLot>.self,
            CasesCommand.self, PlanCommand.self, CaseActionsCommand.self, OverdueCommand.self,
        ])
}

struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "List MARAC cases, newest first.")
    @OptionGroup var worker: WorkerOptions<MaracLot>
    func run() throws {
        try guarded {
            let rows = try worker.engine().read { db in try Row.fetchAll(db, sql: "SELECT * FROM marac_case ORDER BY received_at DESC") }
            if rows.isEmpty {
                print("no MARAC cases")
                return
            }
            for c in rows {
                print(
                    "\(c["case_id"] as String)  victim \(c["victim"] as String)  from \(c["referred_by"] as String)  DASH \(c["dash_score"] as Int)  \(c["criteria"] as String)\((c["is_repeat"] as Bool) ? "  REPEAT" : "")"
                )
            }
        }
    }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Issue the action plan agreed at a meeting.")
    @OptionGroup var worker: WorkerOptions<MaracLot>
    @Argument(help: "The case id.") var caseID: String
    @Option(help: "Meeting date (YYYY-MM-DD).") var meeting: String
    @Option(help: "Next meeting date.") var next: String?
    @Option(help: "owner|YYYY-MM-DD|description (repeatable; owner is a service id or another agency).") var action: [String] = []
    func run() throws {
        try guarded {
            let meetingDate = try parseDate(meeting)
            let nextDate = try next.map(parseDate)
            let actions = try action.map(MaracLot.PlannedAction.init(parsing:))
            let caseID = self.caseID
            let plan = try worker.engine().perform("plan") { ctx in
                try MaracLot().issuePlan(caseID: caseID, meeting: meetingDate, next: nextDate, actions: actions, in: ctx)
            }
            for a in plan.actions { print("\(a.actionId)  \(a.owner)  due \(a.dueDate)  \(a.description)") }
        }
    }
}

struct CaseActionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "actions", abstract: "List a case's actions and their status.")
    @OptionGroup var worker: WorkerOptions<MaracLot>
    @Argument(help: "The case id.") var caseID: String
    func run() throws {
        try guarded {
            let caseID = self.caseID
            let rows = try worker.engine().read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM marac_action WHERE case_id = ? ORDER BY action_id", arguments: [caseID])
            }
            if rows.isEmpty { throw LotError.notFound("no actions for case \(caseID): `cases` lists the cases") }
            for a in rows {
                print(
                    "\(a["action_id"] as String)  \(a["owner"] as String)  due \(a["due_date"] as String)  \(a["status"] as String)  \(a["description"] as String)\((a["note"] as String?).map { "  (\($0))" } ?? "")"
                )
            }
        }
    }
}

struct OverdueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "overdue", abstract: "List actions past their due date and not done.")
    @OptionGroup var worker: WorkerOptions<MaracLot>
    @Option(help: "As on this date (default today).") var on: String?
    func run() throws {
        try guarded {
            let day = try on.map(parseDate) ?? CalendarDate(Timestamp())
            let rows = try worker.engine().read { db in try MaracLot().overdue(on: day, in: db) }
            if rows.isEmpty {
                print("no overdue actions on \(day)")
                return
            }
            for a in rows { print("\(a.caseID) \(a.actionID)  \(a.owner)  due \(a.due)  \(a.status)  \(a.description)") }
        }
    }
}

await runWorkerCommand(MaracCoordinator.self)
