import ArgumentParser
import Contracts
import Foundation
import GatewayCore

/// `refgw policy check|views`: the sharing policy checked against the contract, and each recipient's view of it.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "The information-sharing policy (config/sharing-policy.yaml).",
        subcommands: [Check.self, Views.self])

    struct Sources: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(help: "The contract folder (schemas/, bindings.json).") var contracts = "contracts"

        /// The policy, schemas and parties as the gateway reads them, and the views made from them.
        func load() throws -> (SharingPolicy, RecipientViews) {
            let dir = URL(fileURLWithPath: config.directory)
            do {
                let policy = try SharingPolicy(contentsOf: dir.appendingPathComponent("sharing-policy.yaml"))
                let schemas = try ContractSchemas(directory: URL(fileURLWithPath: contracts).appendingPathComponent("schemas"))
                let parties = try PartyDirectory(contentsOf: dir.appendingPathComponent("parties.json"))
                return (policy, try RecipientViews(policy: policy, schemas: schemas, parties: parties))
            } catch {
                throw fail("\(error)")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read the policy as the gateway does and list what each recipient may receive; exit 1 on any mistake.")
        @OptionGroup var sources: Sources

        func run() throws {
            let (policy, views) = try sources.load()
            for rule in policy.allRules.sorted(by: { ($0.recipient.rawValue, $0.type.rawValue) < ($1.recipient.rawValue, $1.type.rawValue) }) {
                let basis = if case .notRequired = rule.consent { "no consent needed" } else { "consent or a lawful basis" }
                print("\(rule.recipient) \(rule.type.rawValue) from \(rule.senders.map(\.rawValue).sorted().joined(separator: ", ")): \(basis); \(rule.fieldList.count) field(s)\(rule.scrubContactDetails ? ", text checked" : "")")
            }
            print("policy fits the contract: \(views.all.count) recipient views")
        }
    }

    struct Views: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write each recipient's view of each type it may receive (contracts/views/<recipient>/<type>.schema.json).")
        @OptionGroup var sources: Sources
        @Option(help: "Where to write them.") var output = "contracts/views"
        @Flag(help: "Write nothing; exit 1 if the files there differ from what the policy makes.") var check = false

        func run() throws {
            let (_, views) = try sources.load()
            let root = URL(fileURLWithPath: output)
            var stale: [String] = []
            var expected = Set<String>()
            for view in views.all {
                let relative = "\(view.recipient.rawValue)/\(view.type.rawValue).schema.json"
                expected.insert(relative)
                let url = root.appendingPathComponent(relative)
                let text = JSONWriter.pretty(view.schema)
                if check {
                    if (try? String(contentsOf: url, encoding: .utf8)) != text { stale.append(relative) }
                    continue
                }
                do {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try text.write(to: url, atomically: true, encoding: .utf8)
                } catch {
                    throw fail("cannot write \(url.path): \(error.localizedDescription)")
                }
            }
            // Views of entries the policy no longer has must go too.
            let present = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".schema.json") }
            for old in present where !expected.contains(old) {
                if check { stale.append(old) } else { try? FileManager.default.removeItem(at: root.appendingPathComponent(old)) }
            }
            if check {
                guard stale.isEmpty else {
                    throw fail("\(stale.count) view(s) in \(output) differ from the policy (\(stale.sorted().prefix(5).joined(separator: ", "))): run `refgw policy views` and commit them")
                }
                print("\(views.all.count) views in \(output) match the policy")
            } else {
                print("wrote \(views.all.count) views to \(output)")
            }
        }
    }
}
