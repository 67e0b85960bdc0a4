import ArgumentParser
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage

/// `refgw person show|correct`: the role the gateway knows a person in, who holds them, and correcting a role
/// first given by mistake.
struct PersonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person", abstract: "What the gateway knows of a person: role and holders.", subcommands: [Show.self, Correct.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The role a person was first seen in, and the services that hold them.")
        @OptionGroup var store: DeadLetterCommand.Store
        @OptionGroup var config: ConfigOptions
        @Argument(help: "The person's URC.") var urc: String

        func run() throws {
            let subject: URC
            do { subject = try URC(parsing: urc) } catch { throw fail("'\(urc)': \(error)") }
            let gateway = try store.open()
            let parties: PartyDirectory
            do { parties = try PartyDirectory(contentsOf: URL(fileURLWithPath: config.directory).appendingPathComponent("parties.json")) } catch {
                throw fail(error)
            }
            try gateway.readNow { db in
                guard let known = try PersonRegistry.known([subject], in: db)[subject] else {
                    print("\(subject.canonical): no delivered message has named this person")
                    return
                }
                print(
                    "\(subject.canonical)  known as a \(known.role.rawValue) since \(known.firstSeenAt) (message \(known.firstMessageID) from \(known.firstSeenBy))"
                )
                print("  issued by: \(parties.party(issuing: subject)?.rawValue ?? "issuer code \(subject.issuer)")")
                let holders = try PersonRegistry.holders(of: subject, in: db)
                print("  held by:   \(holders.isEmpty ? "its issuer only" : holders.joined(separator: ", "))")
            }
        }
    }

    struct Correct: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct the role a person is known in (written to the audit log): messages naming them in the new role pass from then on.")
        @OptionGroup var store: DeadLetterCommand.Store
        @Argument(help: "The person's URC.") var urc: String
        @Option(help: "victim, child, perpetrator or other-adult.") var role: String
        @Option(help: "Why (at least 10 characters): it goes into the audit log.") var reason: String
        @Option(help: "Who is correcting it.") var by: String

        func run() throws {
            let subject: URC
            do { subject = try URC(parsing: urc) } catch { throw fail("'\(urc)': \(error)") }
            guard let newRole = PersonRole(rawValue: role) else {
                throw fail("'\(role)' is not a role: use victim, child, perpetrator or other-adult")
            }
            guard reason.trimmingCharacters(in: .whitespaces).count >= 10 else { throw fail("--reason must say why, in at least 10 characters") }
            guard !by.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("--by must name who is correcting it") }
            let gateway = try store.open()
            do {
                let old = try gateway.writeNow { db in try PersonRegistry.correct(subject, to: newRole, by: by, reason: reason, in: db) }
                print("\(subject.canonical): \(old.rawValue) → \(newRole.rawValue), audited")
            } catch let e as PersonRegistry.CorrectionError {
                throw fail(e.description)
            } catch {
                throw fail("cannot correct the role: \(error)")
            }
        }
    }
}
