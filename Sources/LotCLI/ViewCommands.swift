import ArgumentParser
import Contracts
import Foundation
import LotKit

/// `inbox`: what arrived from the gateway, newest first.
public struct InboxCommand<L: WorkerLot>: ParsableCommand {
    /// How `inbox` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "inbox", abstract: "List the messages received, newest first.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Option(help: "How many.") var limit = 20

    /// Prints the newest messages applied, one line each: when, about whose URC, and what came of it.
    public func run() throws {
        try guarded {
            let engine = try worker.engine()
            let limit = self.limit
            let received = try engine.read { db in try InboxEntry.newest(limit: limit).fetchAll(db) }
            if received.isEmpty {
                print("\(worker.party): nothing received yet")
                return
            }
            for r in received { print("\(r.receivedAt.rfc3339)  \(r.subject)  \(r.summary)") }
        }
    }
}

/// `case URC`: everything this service holds and did about a person.
public struct CaseCommand<L: WorkerLot>: ParsableCommand {
    /// How `case` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "case", abstract: "Show a person's record: people linked, referrals, alerts, actions, rules applied.")
    }
    /// Empty: ArgumentParser fills the argument from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Argument(help: "The person's URC.") var urc: String

    /// Prints the person's record with the rule log; a mistyped URC is refused before the store is opened.
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
        guard let person = try HeldPerson.fetchOne(db, key: urc) else {
            throw LotError.notFound("\(engine.lot.party) holds nobody with URC \(urc.canonical): check the code with the person")
        }
        print("\(urc.canonical)  \(person.role.rawValue)  \(person.displayName)\(person.allocatedHere ? "" : "  (URC kept as given)")")
        let linked = try HeldPerson.linked(to: urc).fetchAll(db)
        for p in linked { print("  linked: \(p.urc)  \(p.role.rawValue)  \(p.displayName)") }
        for c in try HeldConsent.of(urc).fetchAll(db) {
            var state = c.withdrawnAt == nil ? "current" : "withdrawn"
            switch c.gatewayStatus {
            case .registered?: state += ", registered at the gateway"
            case .refused?: state = "refused by the gateway"
            case nil: state += ", not yet acknowledged by the gateway"
            }
            if let detail = c.gatewayDetail { state += ": \(detail)" }
            print("  consent \(c.consentId): \(c.recipients) (\(state))")
        }
        let people = [urc] + linked.map(\.urc)
        for r in try ReferralRecord.about(people).fetchAll(db) {
            let detail = r.statusDetail.map { " - \($0)" } ?? ""
            print(
                "  \(r.type.rawValue) \(r.referralId) \(r.direction == .outgoing ? "to  " : "from") \(r.counterpart): \(r.status.rawValue)\(detail)")
        }
        for a in try AlertRecord.about(people).fetchAll(db) {
            print("  alert \(a.severity.rawValue) \(a.kind.rawValue) \(a.direction == .outgoing ? "to" : "from") \(a.counterpart): \(a.summary)")
        }
        for a in try AssignedAction.about(urc).fetchAll(db) {
            print("  MARAC action \(a.caseId)/\(a.actionId) due \(a.dueDate): \(a.status.rawValue) - \(a.description)")
        }
        if !brief {
            for l in try RuleLogEntry.about(people).fetchAll(db) {
                print("  rule \(l.rule): \(l.detail)")
            }
        }
    }
}

/// `actions`: the MARAC actions this service owns.
public struct ActionsCommand<L: WorkerLot>: ParsableCommand {
    /// How `actions` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "actions", abstract: "List the MARAC actions this service owns.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>

    /// Prints each MARAC action this service owns, soonest due first, with its status.
    public func run() throws {
        try guarded {
            let actions = try worker.engine().read { db in
                try AssignedAction.byDueDate.fetchAll(db)
            }
            if actions.isEmpty {
                print("\(worker.party) owns no MARAC actions")
                return
            }
            for a in actions { print("\(a.caseId) \(a.actionId)  due \(a.dueDate)  \(a.status.rawValue)  \(a.description)") }
        }
    }
}

/// `rules`: the automatic rules of this service.
public struct RulesCommand<L: WorkerLot>: ParsableCommand {
    /// How `rules` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "rules", abstract: "List this service's automatic rules.")
    }
    /// Empty: the command takes no options.
    public init() {}

    /// Prints each automatic rule's name and what it does; it needs no store.
    public func run() throws {
        for r in L().rules { print("\(r.name): \(r.summary)") }
    }
}

/// `init`: creates the service's store (every other command needs one).
public struct InitCommand<L: WorkerLot>: ParsableCommand {
    /// How `init` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "init", abstract: "Create this service's store (nothing changes if it exists).")
    }
    @OptionGroup var worker: WorkerOptions<L>
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}

    /// Creates and migrates the store at its path under `--home`, or says it exists already.
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
