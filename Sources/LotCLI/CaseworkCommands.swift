import ArgumentParser
import Contracts
import Foundation
import LotKit
import Lots

/// `intake FILE`: a person's first contact, with every referral the rules call for.
public struct IntakeCommand<L: WorkerLot>: ParsableCommand {
    /// How `intake` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "intake", abstract: "Record a first contact from an intake file (JSON).")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Argument(help: "The intake file.") var file: String

    /// Records the intake in one transaction and prints the URC and the case; a service reached only by referral refuses.
    public func run() throws {
        try guarded {
            guard let lot = worker.lot as? any IntakeLot else {
                throw LotError.badInput("the \(worker.party) service takes no intake: people reach it by referral")
            }
            let engine = try worker.engine()
            let urc = try lot.recordIntake(fromFile: file, with: engine)
            print("intake recorded: \(urc.canonical)")
            try printCase(urc, engine: engine, brief: true)
        }
    }
}

/// `refer URC --to PARTY`: a referral staff decide on.
public struct ReferCommand<L: WorkerLot>: ParsableCommand {
    /// How `refer` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "refer", abstract: "Refer a person this service holds to another service.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @OptionGroup var staff: StaffOptions
    @Argument(help: "The person's URC.") var urc: String
    @Option(help: "The service to refer to.") var to: String
    @Option(help: "Why, in a sentence (no contact details).") var reason: String
    @Option(help: "A need (repeatable): housing, refuge, home-security, emergency-lock-change, children-support, ...") var need: [String] = []
    @Option(help: "standard, high or emergency.") var priority: String = "standard"
    @Option(help: "JSON file with referral sections: housing, homeSecurity, perpetratorProgramme, notes.") var form: String?
    @Option(help: "A lawful basis to share without consent (with --justification).") var lawfulBasis: String?
    @Option(help: "Why the lawful basis applies.") var justification: String?

    struct Form: Codable {
        var housing: Referral.Housing?
        var homeSecurity: Referral.HomeSecurity?
        var perpetratorProgramme: Referral.PerpetratorProgramme?
        var notes: String?
    }

    /// Refers the person, with the children linked to them, on a consent held or else the lawful basis staff gave.
    public func run() throws {
        try guarded {
            let subject = try parseURC(urc)
            let recipient = try parseService(to)
            guard recipient != worker.party else { throw LotError.badInput("a service does not refer to itself") }
            guard let priority = Referral.Priority(rawValue: priority) else { throw LotError.badInput("priority is standard, high or emergency") }
            let needs = try need.map { n -> Referral.Need in
                guard let v = Referral.Need(rawValue: n) else {
                    throw LotError.badInput("'\(n)' is not a need (\(Referral.Need.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return v
            }
            var sections = Form()
            if let form {
                sections = try StrictForm.load(Form.self, path: form, describing: "referral form")
            }
            if lawfulBasis == nil, justification != nil {
                throw LotError.badInput("--justification goes with --lawful-basis: name the basis, or leave the justification out")
            }
            var basis: LawfulBasisCode?
            if let lawfulBasis {
                guard let b = LawfulBasisCode(rawValue: lawfulBasis) else {
                    throw LotError.badInput(
                        "'\(lawfulBasis)' is not a lawful basis (\(LawfulBasisCode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard let j = justification, !j.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw LotError.badInput("--lawful-basis needs --justification: write why sharing without consent is needed")
                }
                basis = b
            }
            let engine = try worker.engine()
            let staff = self.staff.staff
            let reason = self.reason
            let justification = self.justification
            let id = try engine.perform("refer") { ctx in
                let held = try ctx.person(subject)
                guard let person = held.person else {
                    throw LotError.badInput("\(subject.canonical) is a child: refer the adult, with the children in the household")
                }
                let role = held.role
                let children = try ctx.linked(to: subject).compactMap(\.child)
                let purpose = ctx.settings.purpose(ofReferralTo: recipient)
                let r = Referral(
                    referralId: UUID.randomLowercased(), referredAt: ctx.now,
                    referrer: Referrer(service: ctx.party, staff: staff),
                    sharing: try ctx.sharing(
                        of: subject, to: recipient, purpose: purpose,
                        lawfulBasis: basis.map { LawfulBasis(code: $0, justification: justification!, decidedBy: staff, decidedAt: ctx.now) }),
                    priority: priority, reason: reason, subject: person, subjectRole: role,
                    household: children.isEmpty ? nil : Referral.Household(children: children),
                    needs: needs.isEmpty ? nil : needs, housing: sections.housing, homeSecurity: sections.homeSecurity,
                    perpetratorProgramme: sections.perpetratorProgramme, notes: sections.notes)
                try ctx.sendReferral(r, to: recipient)
                try ctx.log("refer", subject: subject, "referral \(r.referralId) to \(recipient) by \(staff.name)")
                return r.referralId
            }
            print("referral \(id) to \(recipient): queued for the gateway")
        }
    }
}

/// `consent URC --to ...` or `consent --withdraw ID`.
public struct ConsentCommand<L: WorkerLot>: ParsableCommand {
    /// How `consent` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "consent", abstract: "Record a person's consent to share, or its withdrawal.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @OptionGroup var staff: StaffOptions
    @Argument(help: "The person's URC (not with --withdraw).") var urc: String?
    @Option(help: "A service the person agrees to share with (repeatable).") var to: [String] = []
    @Option(help: "How many days it lasts (default from config/lots.yaml).") var days: Int?
    @Option(help: "The consent id to withdraw.") var withdraw: String?

    /// Records a consent to share with the services named (purposes from config/lots.yaml), or withdraws one by id.
    public func run() throws {
        try guarded {
            let engine = try worker.engine()
            let staff = self.staff.staff
            if let withdraw {
                try engine.perform("consent") { ctx in try ctx.withdrawConsent(withdraw, recordedBy: staff) }
                print("consent \(withdraw) withdrawn; the gateway applies it to every message after it")
                return
            }
            guard let urc else { throw LotError.badInput("give the person's URC, or --withdraw CONSENT-ID") }
            let subject = try parseURC(urc)
            let recipients = try to.map(parseService)
            let days = self.days
            let id = try engine.perform("consent") { ctx in
                _ = try ctx.person(subject)
                return try ctx.recordConsent(
                    subject: subject, recipients: recipients, purposes: ctx.settings.purposes(ofReferralsTo: recipients),
                    days: days, recordedBy: staff)
            }
            print("consent \(id) recorded")
        }
    }
}

/// `outcome REFERRAL --status ...`: tell the referrer where its referral stands.
public struct OutcomeCommand<L: WorkerLot>: ParsableCommand {
    /// How `outcome` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "outcome", abstract: "Send the referrer an outcome for a referral received.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @Argument(help: "The referral id.") var referral: String
    @Option(help: "accepted, declined, contact-made, contact-failed or completed.") var status: String
    @Option(help: "With declined: not-eligible, out-of-area, under-18, no-capacity, client-declined, duplicate, other.") var declineReason: String?
    @Option(help: "A short note (no contact details); with declined, the reason in words.") var note: String?

    /// Sends the referrer the outcome of a referral received (a decline with its reason) and records the new status.
    public func run() throws {
        try guarded {
            guard let outcome = ReferralOutcome.Outcome(rawValue: status) else {
                throw LotError.badInput("status is accepted, declined, contact-made, contact-failed or completed")
            }
            if outcome != .declined, declineReason != nil {
                throw LotError.badInput("--decline-reason goes with --status declined only")
            }
            var reason: ReferralOutcome.DeclineReason?
            if outcome == .declined {
                guard let text = declineReason, let code = ReferralOutcome.DeclineReason.Code(rawValue: text) else {
                    throw LotError.badInput(
                        "a decline needs --decline-reason (not-eligible, out-of-area, under-18, no-capacity, client-declined, duplicate, other)")
                }
                reason = .init(code: code, text: note)
            }
            let engine = try worker.engine()
            let referral = self.referral
            let note = self.note
            try engine.perform("outcome") { ctx in
                let r = try ctx.receivedReferral(referral)
                try ctx.sendOutcome(for: r, outcome, declineReason: reason, note: reason == nil ? note : nil)
            }
            print("outcome \(outcome.rawValue) for \(referral): queued for the gateway")
        }
    }
}

/// `action-update CASE ACTION --status`: report on a MARAC action this agency owns.
public struct ActionUpdateCommand<L: WorkerLot>: ParsableCommand {
    /// How `action-update` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "action-update", abstract: "Report on a MARAC action this service owns.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}
    @OptionGroup var worker: WorkerOptions<L>
    @OptionGroup var staff: StaffOptions
    @Argument(help: "The MARAC case id.") var caseID: String
    @Argument(help: "The action id.") var actionID: String
    @Option(help: "open, in-progress, done, not-possible or not-done.") var status: String
    @Option(help: "A short note.") var note: String?

    /// Records the new status of a MARAC action this service owns and reports it to the MARAC coordinator.
    public func run() throws {
        try guarded {
            guard let s = ActionStatus(rawValue: status) else {
                throw LotError.badInput("status is open, in-progress, done, not-possible or not-done")
            }
            let engine = try worker.engine()
            let caseID = self.caseID
            let actionID = self.actionID
            let note = self.note
            let staff = self.staff.staff
            try engine.perform("action-update") { ctx in
                var action = try ctx.unique(
                    AssignedAction.ofCase(caseID), idColumn: "action_id", id: actionID, what: "action",
                    notFound: "\(ctx.party) owns no action \(actionID) in MARAC case \(caseID): `actions` lists them")
                action.status = s
                action.updatedAt = ctx.now
                try action.update(ctx.db)
                try ctx.send(
                    MaracActionUpdate(
                        caseId: caseID, actionId: action.actionId, status: s, note: note, updatedAt: ctx.now,
                        updatedBy: Referrer(service: ctx.party, staff: staff)),
                    to: .marac, about: action.subject)
            }
            print("action \(actionID) of \(caseID): \(s.rawValue), queued for the MARAC coordinator")
        }
    }
}
