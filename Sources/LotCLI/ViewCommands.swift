import ArgumentParser
import Contracts
import Foundation
import GRDB
import LotKit

/// `inbox`: what arrived from the gateway, newest first.
public struct InboxCommand<L: WorkerLot>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "inbox", abstract: "List the messages received, newest first.")
    }
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Option(help: "How many.") var limit = 20

    public func run() throws {
        try guarded {
            let engine = try worker.engine()
            let limit = self.limit
            let rows = try engine.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM inbox ORDER BY received_at DESC, rowid DESC LIMIT ?", arguments: [limit])
            }
            if rows.isEmpty {
                print("\(worker.party): nothing received yet")
                return
            }
            for r in rows {
                print("\(Timestamp(millisecondsSince1970: r["received_at"]).rfc3339)  \(r["subject"] as String)  \(r["summary"] as String)")
            }
        }
    }
}

/// `case URC`: everything this service holds and did about a person.
public struct CaseCommand<L: WorkerLot>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "case", abstract: "Show a person's record: people linked, referrals, alerts, actions, rules applied.")
    }
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Argument(help: "The person's URC.") var urc: String

    public func run() throws {
        try guarded {
            let subject = try parseURC(urc)
            try printCase(subject, engine: try worker.engine(), brief: false)
        }
    }
}

/// Prints a person's record (people, referrals with status, alerts, actions, and with `brief == false` the rule log).
func printCase(_ urc: URC, engine: LotEngine, brief: Bool) throws {
    try engine.read { db in
        guard let person = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE urc = ?", arguments: [urc.canonical]) else {
            throw LotError.notFound("\(engine.lot.party) holds nobody with URC \(urc.canonical): check the code with the person")
        }
        print(
            "\(urc.canonical)  \(person["role"] as String)  \(person["display_name"] as String)\((person["allocated_here"] as Bool) ? "" : "  (URC kept as given)")"
        )
        for p in try Row.fetchAll(db, sql: "SELECT * FROM person WHERE linked_to = ? ORDER BY created_at, urc", arguments: [urc.canonical]) {
            print("  linked: \(p["urc"] as String)  \(p["role"] as String)  \(p["display_name"] as String)")
        }
        for c in try Row.fetchAll(db, sql: "SELECT * FROM consent WHERE subject = ? ORDER BY given_at", arguments: [urc.canonical]) {
            var state = (c["withdrawn_at"] as Int64?) == nil ? "current" : "withdrawn"
            switch c["gateway_status"] as String? {
            case "registered"?: state += ", registered at the gateway"
            case "refused"?: state = "refused by the gateway"
            default: state += ", not yet acknowledged by the gateway"
            }
            if let detail = c["gateway_detail"] as String? { state += ": \(detail)" }
            print("  consent \(c["consent_id"] as String): \(c["recipients"] as String) (\(state))")
        }
        let people = [urc.canonical] + (try String.fetchAll(db, sql: "SELECT urc FROM person WHERE linked_to = ?", arguments: [urc.canonical]))
        let marks = people.map { _ in "?" }.joined(separator: ",")
        for r in try Row.fetchAll(
            db, sql: "SELECT * FROM referral WHERE subject IN (\(marks)) ORDER BY created_at", arguments: StatementArguments(people))
        {
            let dir = (r["direction"] as String) == "out" ? "to  " : "from"
            let detail = (r["status_detail"] as String?).map { " - \($0)" } ?? ""
            print("  \(r["type"] as String) \(r["referral_id"] as String) \(dir) \(r["counterpart"] as String): \(r["status"] as String)\(detail)")
        }
        for a in try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE subject IN (\(marks)) ORDER BY at", arguments: StatementArguments(people)) {
            let dir = (a["direction"] as String) == "out" ? "to" : "from"
            print("  alert \(a["severity"] as String) \(a["kind"] as String) \(dir) \(a["counterpart"] as String): \(a["summary"] as String)")
        }
        for a in try Row.fetchAll(db, sql: "SELECT * FROM assigned_action WHERE subject = ? ORDER BY case_id, action_id", arguments: [urc.canonical])
        {
            print(
                "  MARAC action \(a["case_id"] as String)/\(a["action_id"] as String) due \(a["due_date"] as String): \(a["status"] as String) - \(a["description"] as String)"
            )
        }
        if !brief {
            for l in try Row.fetchAll(
                db, sql: "SELECT * FROM rule_log WHERE subject IN (\(marks)) ORDER BY id", arguments: StatementArguments(people))
            {
                print("  rule \(l["rule"] as String): \(l["detail"] as String)")
            }
        }
    }
}

/// `actions`: the MARAC actions this service owns.
public struct ActionsCommand<L: WorkerLot>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "actions", abstract: "List the MARAC actions this service owns.")
    }
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>

    public func run() throws {
        try guarded {
            let rows = try worker.engine().read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM assigned_action ORDER BY due_date, case_id, action_id")
            }
            if rows.isEmpty {
                print("\(worker.party) owns no MARAC actions")
                return
            }
            for a in rows {
                print(
                    "\(a["case_id"] as String) \(a["action_id"] as String)  due \(a["due_date"] as String)  \(a["status"] as String)  \(a["description"] as String)"
                )
            }
        }
    }
}

/// `rules`: the automatic rules of this service.
public struct RulesCommand<L: WorkerLot>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "rules", abstract: "List this service's automatic rules.")
    }
    public init() {}

    public func run() throws {
        for r in L().rules { print("\(r.name): \(r.summary)") }
    }
}

/// `init`: creates the service's store (every other command needs one).
public struct InitCommand<L: WorkerLot>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "init", abstract: "Create this service's store (nothing changes if it exists).")
    }
    @OptionGroup var worker: WorkerOptions<L>
    public init() {}

    public func run() throws {
        try guarded {
            let existed = FileManager.default.fileExists(atPath: worker.databasePath)
            _ = try worker.engine(creating: true)
            print(
                existed
                    ? "the \(worker.party) store at \(worker.databasePath) exists already; nothing changed"
                    : "created the \(worker.party) store at \(worker.databasePath)")
        }
    }
}

/// The commands every worker executable has, for the service `lot`.
public func commonCommands<L: WorkerLot>(for lot: L.Type) -> [any ParsableCommand.Type] {
    [
        InitCommand<L>.self, RunCommand<L>.self, IntakeCommand<L>.self, InboxCommand<L>.self, CaseCommand<L>.self, ReferCommand<L>.self,
        ConsentCommand<L>.self, OutcomeCommand<L>.self, ActionsCommand<L>.self, ActionUpdateCommand<L>.self, RulesCommand<L>.self,
    ]
}
