import ArgumentParser
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage

/// `refgw audit verify|trail`: check the audit log's hash chain; list what was shared about a person.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The gateway's audit log.", subcommands: [Verify.self, Trail.self])

    /// Where the gateway's state is.
    typealias Options = GatewayStoreOptions

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every entry's hash; exit 1 if any entry was changed, removed or reordered.")
        @OptionGroup var options: Options

        func run() async throws {
            let store = try options.open()
            let result: AuditLog.Verification
            do { result = try await store.read { db in try AuditLog.verify(db) } } catch {
                throw fail("cannot read the audit log: \(error)")
            }
            if let problem = result.problem {
                throw fail("audit log BROKEN: \(problem) (checked \(result.entries) entries); restore the database from a backup and investigate")
            }
            print("audit log intact: \(result.entries) entries, every hash matches")
        }
    }

    struct Trail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything the gateway shared or refused about one person, for a subject access request.")
        @OptionGroup var options: Options
        @Argument(help: "The person's URC.") var urc: String
        @Flag(help: "JSON instead of a table.") var json = false

        func run() async throws {
            let subject: URC
            do { subject = try URC(parsing: urc) } catch { throw fail("'\(urc)': \(error)") }
            let store = try options.open()
            let entries = try await store.read { db in try AuditLog.trail(subject: subject.canonical, in: db) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            print("\(entries.count) entries about \(subject)")
            for e in entries {
                let what: String
                switch e.event {
                case .delivered:
                    what = "\(e.type) from \(e.sender) delivered to \(e.recipient) on \(e.basis?.rawValue ?? "?"): \(e.basisReference ?? "")"
                case .refused: what = "\(e.type) from \(e.sender) to \(e.recipient) refused: \(e.reasonCode ?? "?")"
                case .replayed, .discarded, .deadLetterRevealed:
                    // An administrator's action: who, why, and (for a replay refused again) the outcome.
                    what =
                        "\(e.type) from \(e.sender) to \(e.recipient): \(e.event.rawValue) by \(e.actor ?? "?") (\(e.basisReference ?? "dead letter"))"
                        + (e.event == .replayed && e.reasonCode != nil ? " → \(e.reasonCode!)" : "") + ": \(e.justification ?? "")"
                case .roleCorrected: what = "role corrected by \(e.actor ?? "?") (\(e.basisReference ?? "")): \(e.justification ?? "")"
                default: what = "\(e.event.rawValue) by \(e.sender) (\(e.basisReference ?? ""))"
                }
                // A person named beside the subject (a child in her referral, him in hers): say so.
                let named =
                    e.subject == subject.canonical
                    ? ""
                    : " (named as \(e.people.first { $0.hasPrefix(subject.canonical) }?.split(separator: " ").last ?? "?") in a message about \(e.subject))"
                // In a region, which gateway or keeper wrote it.
                print("\(e.at)  \(what)\(named)" + (e.instance.map { "  [\($0)]" } ?? ""))
                if !e.removedFields.isEmpty { print("    removed: \(e.removedFields.joined(separator: ", "))") }
            }
        }
    }
}
