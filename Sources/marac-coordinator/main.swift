import ArgumentParser
import Contracts
import Foundation
import LotCLI
import LotKit
import Lots

/// The MARAC coordinator's worker and commands.
struct MaracCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marac-coordinator", abstract: "MARAC coordinator: cases, repeats, action plans, updates, overdue actions.",
        subcommands: [
            InitCommand<MaracLot>.self, RunCommand<MaracLot>.self, InboxCommand<MaracLot>.self, CaseCommand<MaracLot>.self,
            RulesCommand<MaracLot>.self,
            CasesCommand.self, PlanCommand.self, CaseActionsCommand.self, OverdueCommand.self,
        ])
}

struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "List MARAC cases, newest first.")
    @OptionGroup var worker: WorkerOptions<MaracLot>
    func run() throws {
        try guarded {
            let cases = try worker.engine().read { db in try MaracCase.newestFirst.fetchAll(db) }
            if cases.isEmpty {
                print("no MARAC cases")
                return
            }
            for c in cases {
                print("\(c.caseId)  victim \(c.victim)  from \(c.referredBy)  DASH \(c.dashScore)  \(c.criteria)\(c.isRepeat ? "  REPEAT" : "")")
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
            let actions = try worker.engine().read { db in
                try MaracAction.ofCase(caseID).fetchAll(db)
            }
            if actions.isEmpty { throw LotError.notFound("no actions for case \(caseID): `cases` lists the cases") }
            for a in actions {
                print("\(a.actionId)  \(a.owner)  due \(a.dueDate)  \(a.status.rawValue)  \(a.description)\(a.note.map { "  (\($0))" } ?? "")")
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
            let overdue = try worker.engine().read { db in try MaracAction.overdue(on: day).fetchAll(db) }
            if overdue.isEmpty {
                print("no overdue actions on \(day)")
                return
            }
            for a in overdue { print("\(a.caseId) \(a.actionId)  \(a.owner)  due \(a.dueDate)  \(a.status.rawValue)  \(a.description)") }
        }
    }
}

await runWorkerCommand(MaracCoordinator.self)
