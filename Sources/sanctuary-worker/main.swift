import ArgumentParser
import Contracts
import Foundation
import LotCLI
import LotKit
import Lots

/// The sanctuary scheme's worker and its staff commands.
struct SanctuaryWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanctuary-worker", abstract: "Sanctuary scheme: eligibility, installers, timescales, alerts, costs.",
        subcommands: commonCommands(for: SanctuaryLot.self) + [
            JobsCommand.self, ContactCommand.self, PerpetratorPresentCommand.self, LockChangedCommand.self,
            CompleteCommand.self, ConflictCommand.self, MadeToMeasureCommand.self,
        ])
}

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "List installation jobs.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    func run() throws {
        try guarded {
            let jobs = try worker.engine().read { db in try SanctuaryJob.byAcceptance.fetchAll(db) }
            if jobs.isEmpty {
                print("no jobs")
                return
            }
            for j in jobs {
                let cost = j.costPence.map { String(format: "  £%.2f", Double($0) / 100) } ?? ""
                print(
                    "\(j.referralId)  \(j.subject)  \(j.status.rawValue)\(j.emergency ? "  emergency" : "")  installer: \(j.installer ?? "none")\(cost)"
                )
            }
        }
    }
}

struct ContactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "contact", abstract: "Record first contact made, or failed.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Argument(help: "The referral id.") var referral: String
    @Flag(help: "No contact could be made (alerts the referrer).") var failed = false
    @Option(help: "Attempts made.") var attempts: Int?
    func run() throws {
        try guarded {
            let referral = self.referral
            let failed = self.failed
            let attempts = self.attempts
            try worker.engine().perform("contact") { ctx in try SanctuaryLot().recordContact(referral, made: !failed, attempts: attempts, in: ctx) }
            print(
                failed
                    ? "contact failed for \(referral): the referrer is alerted"
                    : "contact made for \(referral): works due within the working-day limit")
        }
    }
}

struct PerpetratorPresentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perpetrator-present", abstract: "The perpetrator is at the address: suspend works and alert the referrer now.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Argument(help: "The referral id.") var referral: String
    func run() throws {
        try guarded {
            let referral = self.referral
            try worker.engine().perform("perpetrator-present") { ctx in try SanctuaryLot().perpetratorPresent(referral, in: ctx) }
            print("works suspended for \(referral); immediate safety alert queued")
        }
    }
}

struct LockChangedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lock-changed", abstract: "The emergency lock change is done.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Argument(help: "The referral id.") var referral: String
    func run() throws {
        try guarded {
            let referral = self.referral
            try worker.engine().perform("lock-changed") { ctx in try SanctuaryLot().lockChanged(referral, in: ctx) }
            print("emergency lock change recorded for \(referral)")
        }
    }
}

struct CompleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complete", abstract: "Works completed, with their items and cost.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Argument(help: "The referral id.") var referral: String
    @Option(help: "code:quantity:unit-pence[:description] (repeatable).") var item: [String] = []
    func run() throws {
        try guarded {
            let items = try item.map { text -> ReferralOutcome.WorkItem in
                let p = text.split(separator: ":", maxSplits: 3).map(String.init)
                guard p.count >= 3, let q = Int(p[1]), q > 0, let c = Int(p[2]), c >= 0 else {
                    throw LotError.badInput("an item is code:quantity:unit-pence[:description], not '\(text)'")
                }
                return .init(code: p[0], description: p.count > 3 ? p[3] : nil, quantity: q, unitCostPence: c)
            }
            let referral = self.referral
            try worker.engine().perform("complete") { ctx in try SanctuaryLot().complete(referral, items: items, in: ctx) }
            let total = items.reduce(0) { $0 + $1.quantity * $1.unitCostPence }
            print(String(format: "works completed for \(referral): £%.2f", Double(total) / 100))
        }
    }
}

struct ConflictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflict", abstract: "An installer declares they know a person: never allocated to them.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Option(help: "The installer's name as in config/lots.yaml.") var installer: String
    @Option(help: "The person's URC.") var urc: String
    func run() throws {
        try guarded {
            let person = try parseURC(urc)
            let installer = self.installer
            try worker.engine().perform("conflict") { ctx in try SanctuaryLot().declareConflict(installer: installer, with: person, in: ctx) }
            print("conflict recorded: \(installer) is never allocated to \(person.canonical)")
        }
    }
}

/// `made-to-measure REFERRAL --item ...`: works measured and ordered to fit, with their own timescale.
struct MadeToMeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "made-to-measure",
        abstract: "Works measured and ordered to fit (grilles, film): their own timescale replaces the working-day limit.")
    @OptionGroup var worker: WorkerOptions<SanctuaryLot>
    @Argument(help: "The referral id.") var referral: String
    @Option(help: "An item ordered (repeatable; config/lots.yaml sanctuary.madeToMeasureItems).") var item: [String] = []
    func run() throws {
        try guarded {
            let referral = self.referral
            let items = self.item
            let due = try worker.engine().perform("made-to-measure") { ctx in try SanctuaryLot().orderMadeToMeasure(referral, items: items, in: ctx) }
            print("made-to-measure works ordered for \(referral): due by \(CalendarDate(due)), the referrer is alerted if not fitted by then")
        }
    }
}

await runWorkerCommand(SanctuaryWorker.self)
