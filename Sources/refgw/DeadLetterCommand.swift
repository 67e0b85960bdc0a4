import AMQP
import ArgumentParser
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage
import Logging
import Messaging
import Operations
import Prometheus
import ServiceLifecycle

/// `refgw dlq`: see what failed and why, safely.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Dead letters: keep them, list them, group them, show one (masked), replay or discard them.",
        subcommands: [Keep.self, List.self, Groups.self, Show.self, Replay.self, Discard.self])

    /// Where the gateway's state is.
    typealias Store = GatewayStoreOptions

    struct Keep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the dead-letter keeper until SIGTERM (commits each dead letter, then acknowledges it).")
        @OptionGroup var store: Store
        @Option(help: "Broker URL of the dead-letter user (default $REFGW_AMQP_URL_REFGW_DEADLETTERS).") var url: String?
        @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?
        @Option(help: "This keeper's name in logs (a region names each, e.g. keeper-1); default keeper@HOST/PID.") var instance: String?
        @Option(help: "Serve /metrics, /livez and /readyz on HOST:PORT (e.g. 127.0.0.1:9465). Off by default.") var adminListen: String?

        func run() async throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            guard let text = url ?? ProcessInfo.processInfo.environment["REFGW_AMQP_URL_REFGW_DEADLETTERS"] else {
                throw fail("no broker URL: pass --url or set REFGW_AMQP_URL_REFGW_DEADLETTERS")
            }
            let name: InstanceName
            do { name = try instance.map(InstanceName.init) ?? .unnamed("keeper") } catch { throw fail("\(error)") }
            var logger = Logger(label: "refgw.dead-letters")
            logger[metadataKey: "instance"] = "\(name)"
            let address: AdminAddress?
            do { address = try adminListen.map { text throws(AdminAddressError) in try AdminAddress(parsing: text) } } catch {
                throw fail("\(error)")
            }
            let registry = PrometheusCollectorRegistry()
            let keeper = DeadLetterKeeper(
                store: try store.open(creating: true, instance: name), configuration: try AMQPConnectionConfiguration(url: text),
                topology: topologyNames(namespace), logger: logger, metrics: DeadLetterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
            var services: [any Service] = [keeper]
            if let address {
                ProcessGauges.recordBuild(process: "dead-letter-keeper", policySHA256: nil, in: registry)
                services.append(
                    AdminServer(
                        address: address, registry: registry, checks: keeper.readinessChecks(), beforeScrape: { await keeper.sampleGauges() },
                        logger: logger))
            }
            try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dead letters kept, newest first.")
        @OptionGroup var store: Store
        @Option(help: "rejected, expired, maxlen, delivery_limit, or a gateway reason code.") var reason: String?
        @Option var sender: String?
        @Option var recipient: String?
        @Option var type: String?
        @Option(help: "Only those that died at or after this time (RFC 3339) or date (YYYY-MM-DD).") var since: String?
        @Flag(help: "Include replayed and discarded ones.") var all = false
        @Option var limit = 100
        @Flag(help: "JSON instead of a table.") var json = false

        func run() throws {
            var sinceTime: Timestamp?
            if let since {
                guard
                    let t = Timestamp(rfc3339: since)
                        ?? CalendarDate(since).map({ Timestamp(millisecondsSince1970: Int64($0.dayNumber) * 86_400_000) })
                else {
                    throw fail("'\(since)' is not a time (2026-11-21T10:00:00Z) or a date (2026-11-21)")
                }
                sinceTime = t
            }
            let filter = DeadLetterArchive.Filter(
                reason: reason, sender: sender, recipient: recipient, type: type, since: sinceTime, includeResolved: all)
            let limit = self.limit
            let letters = try store.open().readNow { db in try DeadLetterArchive.list(filter, limit: limit, in: db) }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(letters), as: UTF8.self))
                return
            }
            if letters.isEmpty {
                print("no dead letters match")
                return
            }
            // Status shows only when resolved ones are listed too.
            print(
                pad("ID", 6) + pad("DIED", 21) + pad("REASON", 22) + pad("TYPE", 20) + pad("FROM", 12) + pad("TO", 12) + pad("SUBJECT", 16) + "COUNT")
            for l in letters {
                print(
                    pad("\(l.id ?? 0)", 6) + pad(String(l.lastDeathAt.rfc3339.prefix(19)), 21) + pad(l.reason, 22) + pad(l.type ?? "-", 20)
                        + pad(l.sender ?? "-", 12) + pad(l.recipient ?? "-", 12) + pad(l.subject ?? "-", 16) + "\(l.deathCount)"
                        + (l.status == .kept ? "" : "  (\(l.status.rawValue) by \(l.resolvedBy ?? "-"))")
                        + (l.status == .kept && l.replayCount > 0 ? "  (replayed \(l.replayCount)×: \(l.lastReplayOutcome ?? "-"))" : ""))
            }
        }
    }

    struct Groups: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kept dead letters counted by reason, type and recipient.")
        @OptionGroup var store: Store
        @Flag(help: "JSON instead of lines.") var json = false

        func run() throws {
            let groups = try store.open().readNow { db in try DeadLetterArchive.groups(in: db) }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(groups), as: UTF8.self))
                return
            }
            if groups.isEmpty {
                print("no dead letters kept")
                return
            }
            for g in groups { print("\(g.count) × \(g.reason) \(g.type) to \(g.recipient)   (--group \(DeadLetterArchive.key(of: g)))") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One dead letter: where from, why, and its body with personal details masked.")
        @OptionGroup var store: Store
        @Argument var id: Int64
        @Flag(help: "Show the body as it is (needs --reason and --by; recorded in the audit log).") var reveal = false
        @OptionGroup var who: Accountability

        func run() throws {
            let viewer = reveal ? try who.required(for: "--reveal (it shows personal data)") : nil
            let gateway = try store.open()
            let id = self.id
            let reveal = self.reveal
            let reason = viewer?.reason
            let by = viewer?.by
            guard
                let (l, properties, body) = try gateway.writeNow({ db -> (DeadLetter, String, Data)? in
                    guard let found = try DeadLetterArchive.find(id, in: db) else { return nil }
                    // A resolved letter whose content is gone has nothing to reveal, and no viewing to audit.
                    if reveal && !(found.0.status != .kept && found.body.isEmpty) {
                        try AuditLog.append(
                            AuditEntry(
                                event: .deadLetterRevealed, messageID: found.0.messageID ?? "(none)", type: found.0.type ?? "(none)",
                                sender: found.0.sender ?? "(unknown)", recipient: found.0.recipient ?? "(unknown)",
                                subject: found.0.subject ?? "0000-0000-0000", justification: reason, actor: by), in: db)
                    }
                    return found
                })
            else { throw fail("no dead letter \(id): `refgw dlq list` shows their ids") }
            print("dead letter \(id) (\(l.status.rawValue))")
            print("  message id:  \(l.messageID ?? "-")")
            print("  type:        \(l.type ?? "-")   from \(l.sender ?? "-") to \(l.recipient ?? "-")   subject \(l.subject ?? "-")")
            print(
                "  died:        \(l.reason)\(l.reasonDetail.map { " - \($0)" } ?? "") (\(l.deathCount)×, first \(l.firstDeathAt), last \(l.lastDeathAt))"
            )
            if l.replayCount > 0 { print("  replays:     \(l.replayCount), last: \(l.lastReplayOutcome ?? "-")") }
            if let by = l.resolvedBy {
                print(
                    "  \(l.status.rawValue):\(String(repeating: " ", count: max(1, 12 - l.status.rawValue.count)))by \(by) at \(l.resolvedAt.map { "\($0)" } ?? "-"): \(l.resolutionReason ?? "")"
                )
            }
            print("  came from:   exchange \(l.originalExchange), routing key \(l.originalRoutingKey), queue \(l.queue)")
            print("  properties:  \(properties)")
            if l.status == .discarded {
                print("  body:        erased when it was discarded (this is its tombstone)")
                return
            }
            if l.status == .replayed && body.isEmpty {
                print("  body:        erased by the purge after its replay (config/retention.yaml); the audit log says what was delivered")
                return
            }
            print(
                reveal ? "  body (revealed; this viewing is in the audit log):" : "  body (masked; --reveal --reason R --by NAME to see it, audited):"
            )
            print(reveal ? String(decoding: body, as: UTF8.self) : DeadLetterMasking.masked(body))
        }
    }
}

/// Who acts and why: required for every change an administrator makes to dead letters.
struct Accountability: ParsableArguments {
    @Option(help: "Why (goes to the audit log).") var reason: String?
    @Option(help: "Who you are (goes to the audit log).") var by: String?

    func required(for action: String) throws -> (by: String, reason: String) {
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fail("\(action) needs --reason: say why (it goes to the audit log with your name)")
        }
        guard let by, !by.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fail("\(action) needs --by: who you are (it goes to the audit log with your reason)")
        }
        return (by, reason)
    }
}

extension DeadLetterCommand {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back through the gateway, which checks consent and policy again.",
            discussion: """
                The gateway decides each replay as it stands now: a message refused for no consent goes through once consent \
                exists; one whose consent was since withdrawn stays dead. A message already delivered is not delivered again. \
                Who, when and why go to the audit log; the delivered message carries refgw-replay-of and refgw-replay-count.
                """)
        @OptionGroup var store: Store
        @Argument(help: "Dead letter ids (from `refgw dlq list`).") var ids: [Int64] = []
        @Option(help: "Every kept dead letter of a group: reason[/type[/recipient]], as `refgw dlq groups` prints it.") var group: String?
        @Flag(help: "Every kept dead letter.") var all = false
        @OptionGroup var who: Accountability
        @Option(help: "Broker URL of the dead-letter user (default $REFGW_AMQP_URL_REFGW_DEADLETTERS).") var url: String?
        @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?
        @Option(help: "Seconds to wait for the gateway's decisions.") var timeout = 120.0

        func run() async throws {
            let (by, reason) = try who.required(for: "a replay")
            guard [!ids.isEmpty, group != nil, all].filter({ $0 }).count == 1 else {
                throw fail("say which dead letters: ids, --group G, or --all (one of them)")
            }
            guard let text = url ?? ProcessInfo.processInfo.environment["REFGW_AMQP_URL_REFGW_DEADLETTERS"] else {
                throw fail("no broker URL: pass --url or set REFGW_AMQP_URL_REFGW_DEADLETTERS (the dead-letter user)")
            }
            let gateway = try store.open()
            var selected = ids
            if let group {
                guard let key = DeadLetterArchive.GroupKey(group) else {
                    throw fail("'\(group)' is not a group: reason[/type[/recipient]], e.g. no-consent/referral/safehome")
                }
                selected = try await gateway.read { db in try DeadLetterArchive.ids(in: key, in: db) }
            } else if all {
                selected = try await gateway.read { db in try DeadLetterArchive.keptIDs(in: db) }
            }
            guard !selected.isEmpty else {
                print("no kept dead letters match: nothing to replay")
                return
            }
            let replayer = DeadLetterReplayer(
                store: gateway, configuration: try AMQPConnectionConfiguration(url: text),
                topology: topologyNames(namespace))
            let bar = ProgressBar()
            let report: DeadLetterReplayer.Report
            do {
                report = try await replayer.replay(selected, by: by, reason: reason, timeout: .seconds(timeout)) { p in
                    bar.show(p.phase == .publishing ? "sending " : "deciding", done: p.done, total: p.total)
                }
            } catch let e as DeadLetterArchive.ResolutionError {
                bar.end()
                throw fail(e.description)
            }
            bar.end()
            print(
                "replayed \(report.requested) dead letter\(report.requested == 1 ? "" : "s") in \(String(format: "%.2f", report.totalSeconds)) s "
                    + "(\(Int(report.rate)) per second; requests sent in \(String(format: "%.2f", report.publishSeconds)) s)")
            for (outcome, n) in report.outcomes.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
                print("  \(n) × \(Self.explain(outcome))")
            }
            if report.undecided > 0 {
                print(
                    "  \(report.undecided) not decided yet: the requests wait on the gateway's queue and are decided when it runs; "
                        + "`refgw dlq list --all` shows the outcome")
            }
            // Success only when every one of them left the dead letters.
            let resolved = (report.outcomes["delivered"] ?? 0) + (report.outcomes["already-delivered"] ?? 0)
            if resolved < report.requested { throw ExitCode.failure }
        }

        static func explain(_ outcome: String) -> String {
            switch outcome {
            case "delivered": return "delivered"
            case "already-delivered": return "already delivered before (not delivered again)"
            case "not-replayable": return "not replayable (`refgw dlq show ID` says where it died)"
            case ReasonCode.duplicateMessage.rawValue:
                return
                    "refused again: duplicate-message (still kept; another message used this id, so it can never go: discard it and ask the sender to send it again)"
            case ReasonCode.consentWithdrawn.rawValue:
                return
                    "refused again: consent-withdrawn (still kept; the person withdrew consent: discard it unless a lawful basis applies, which the sender must give in a new message)"
            default: return "refused again: \(outcome) (still kept; \(ReasonCode(rawValue: outcome)?.explanation ?? ""))"
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give up on dead letters: their bodies are erased, a tombstone stays, and it is audited.")
        @OptionGroup var store: Store
        @Argument(help: "Dead letter ids (from `refgw dlq list`).") var ids: [Int64]
        @OptionGroup var who: Accountability

        func run() async throws {
            let (by, reason) = try who.required(for: "a discard")
            let ids = self.ids
            do {
                try await store.open().write { db in try DeadLetterArchive.discard(ids, by: by, reason: reason, in: db) }
            } catch let e as DeadLetterArchive.ResolutionError {
                throw fail(e.description)
            }
            print("discarded \(ids.count) dead letter\(ids.count == 1 ? "" : "s"); the tombstones stay (`refgw dlq list --all`)")
        }
    }
}

/// A one-line progress bar on standard error when it is a terminal; a line every tenth otherwise.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastTenth = -1, lastLabel = ""

    func show(_ label: String, done: Int, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        if terminal {
            let filled = Int(fraction * 30)
            FileHandle.standardError.write(
                Data("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 30 - filled))] \(done)/\(total)".utf8))
        } else if Int(fraction * 10) != lastTenth || label != lastLabel {
            lastTenth = Int(fraction * 10)
            lastLabel = label
            FileHandle.standardError.write(Data("\(label) \(done)/\(total)\n".utf8))
        }
    }

    func end() { if terminal { FileHandle.standardError.write(Data("\n".utf8)) } }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count) }
