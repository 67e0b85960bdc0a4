import ArgumentParser
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage

/// `refgw policy check|views|preview`: the sharing policy checked against the contract, each recipient's view of
/// it, and what a recipient would receive of one body.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "The information-sharing policy (config/sharing-policy.yaml).",
        subcommands: [Check.self, Views.self, Preview.self])

    struct Sources: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(help: "The contract folder (schemas/, bindings.json).") var contracts = "contracts"

        /// The policy, schemas and parties as the gateway reads them, and the views made from them.
        func load() throws -> (SharingPolicy, RecipientViews) {
            let filter = try loadFilter()
            return (filter.policy, filter.views)
        }

        /// What the gateway applies to a body for each recipient.
        func loadFilter() throws -> RecipientFilter {
            let dir = URL(fileURLWithPath: config.directory)
            do {
                let policy = try SharingPolicy(contentsOf: dir.appendingPathComponent("sharing-policy.yaml"))
                let schemas = try ContractSchemas(directory: URL(fileURLWithPath: contracts).appendingPathComponent("schemas"))
                let parties = try PartyDirectory(contentsOf: dir.appendingPathComponent("parties.json"))
                return try RecipientFilter(policy: policy, schemas: schemas, parties: parties)
            } catch {
                throw fail("\(error)")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the policy as the gateway does and list what each recipient may receive; exit 1 on any mistake.")
        @OptionGroup var sources: Sources

        func run() throws {
            let (policy, views) = try sources.load()
            for rule in policy.allRules.sorted(by: { ($0.recipient.rawValue, $0.type.rawValue) < ($1.recipient.rawValue, $1.type.rawValue) }) {
                let basis = if case .notRequired = rule.consent { "no consent needed" } else { "consent or a lawful basis" }
                print(
                    "\(rule.recipient) \(rule.type.rawValue) from \(rule.senders.map(\.rawValue).sorted().joined(separator: ", ")): \(basis); \(rule.fieldList.count) field(s)\(rule.scrubContactDetails ? ", text checked" : "")"
                )
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
            let present = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []).filter {
                $0.hasSuffix(".schema.json")
            }
            for old in present where !expected.contains(old) {
                if check { stale.append(old) } else { try? FileManager.default.removeItem(at: root.appendingPathComponent(old)) }
            }
            if check {
                guard stale.isEmpty else {
                    throw fail(
                        "\(stale.count) view(s) in \(output) differ from the policy (\(stale.sorted().prefix(5).joined(separator: ", "))): run `refgw policy views` and commit them"
                    )
                }
                print("\(views.all.count) views in \(output) match the policy")
            } else {
                print("wrote \(views.all.count) views to \(output)")
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what a recipient would receive of a body under the policy (its view, text checked), or why it would be refused.",
            discussion: """
                For an information-governance officer asking "what would the perpetrator service see of this?": the body is read \
                as the gateway reads it (strict JSON, the type's schema) and filtered as the gateway filters it. Signature, \
                consent and the person registry are not checked here: a real message also needs those. Reads personal data \
                from the file and prints it: run it only where the data may be.
                """)
        @OptionGroup var sources: Sources
        @Option(help: "The message type (referral, referral-outcome, ...).") var type: String
        @Option(name: .customLong("to"), help: "The recipient (family, safehome, victim, perpetrator, sanctuary, marac).") var recipient: String
        @Option(name: .customLong("from"), help: "The sender, if the policy's list of senders should be checked too.") var sender: String?
        @Argument(help: "The body's JSON file, or - for standard input.") var file: String

        func run() throws {
            guard let messageType = MessageType(rawValue: type) else {
                throw fail("'\(type)' is not a message type: use one of \(MessageType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let to = PartyID(rawValue: recipient) else { throw fail("'\(recipient)' is not a party id: use e.g. perpetrator") }
            let filter = try sources.loadFilter()
            guard let rule = filter.policy.rule(for: to, type: messageType) else {
                throw fail("no-policy: the policy has no entry for \(messageType.rawValue) to \(recipient)")
            }
            if let sender, !(PartyID(rawValue: sender).map(rule.senders.contains) ?? false) {
                throw fail("no-policy: the policy does not let \(sender) send \(messageType.rawValue) to \(recipient)")
            }
            let bytes: Data
            do {
                bytes = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw fail("cannot read \(file): \(error.localizedDescription)")
            }
            let json: JSONValue
            do { json = try JSONParser.parse(bytes) } catch { throw fail("invalid-schema: the body is not JSON: \(error.description)") }
            do { try filter.schemas.validate(json, as: messageType) } catch {
                throw fail("invalid-schema: the body does not match the \(messageType.rawValue) schema at \(error.description)")
            }
            do throws(Refusal) {
                let view = try filter.view(of: json, type: messageType, for: to, under: rule)
                print(JSONWriter.pretty(view.body))
                var stderr = StandardError()
                for removed in view.removedFields { print("removed: \(removed)", to: &stderr) }
            } catch {
                throw fail(error.description)
            }
        }
    }
}
