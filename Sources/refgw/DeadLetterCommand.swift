import AMQP
import ArgumentParser
import Contracts
import Foundation
import GatewayCore
import GRDB
import Logging
import Messaging
import ServiceLifecycle

/// `refgw dlq`: see what failed and why, safely.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Dead letters: keep them, list them, group them, show one (masked).",
        subcommands: [Keep.self, List.self, Groups.self, Show.self])

    struct Store: ParsableArguments {
        @Option(help: "The gateway's SQLite file.") var database = "var/gateway/gateway.sqlite"
        func open() throws -> GatewayStore {
            guard FileManager.default.fileExists(atPath: database) else { throw fail("no gateway database at \(database): pass --database") }
            return try GatewayStore(path: database)
        }
    }

    struct Keep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the dead-letter keeper until SIGTERM (commits each dead letter, then acknowledges it).")
        @OptionGroup var store: Store
        @Option(help: "Broker URL of the dead-letter user (default $REFGW_AMQP_URL_REFGW_DEADLETTERS).") var url: String?
        @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?

        func run() async throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            guard let text = url ?? ProcessInfo.processInfo.environment["REFGW_AMQP_URL_REFGW_DEADLETTERS"] else {
                throw fail("no broker URL: pass --url or set REFGW_AMQP_URL_REFGW_DEADLETTERS")
            }
            let keeper = DeadLetterKeeper(store: try GatewayStore(path: store.database), configuration: try AMQPConnectionConfiguration(url: text),
                                          topology: topologyNames(namespace))
            let logger = Logger(label: "refgw.dead-letters")
            try await ServiceGroup(configuration: .init(services: [keeper], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
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
                guard let t = Timestamp(rfc3339: since) ?? CalendarDate(since).map({ Timestamp(millisecondsSince1970: Int64($0.dayNumber) * 86_400_000) }) else {
                    throw fail("'\(since)' is not a time (2026-11-21T10:00:00Z) or a date (2026-11-21)")
                }
                sinceTime = t
            }
            let filter = DeadLetterArchive.Filter(reason: reason, sender: sender, recipient: recipient, type: type, since: sinceTime, includeResolved: all)
            let limit = self.limit
            let letters = try store.open().database.read { db in try DeadLetterArchive.list(filter, limit: limit, in: db) }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(letters), as: UTF8.self))
                return
            }
            if letters.isEmpty { print("no dead letters match"); return }
            print(pad("ID", 6) + pad("DIED", 21) + pad("REASON", 22) + pad("TYPE", 20) + pad("FROM", 12) + pad("TO", 12) + pad("SUBJECT", 16) + "COUNT")
            for l in letters {
                print(pad("\(l.id ?? 0)", 6) + pad(String(l.lastDeathAt.rfc3339.prefix(19)), 21) + pad(l.reason, 22) + pad(l.type ?? "-", 20)
                      + pad(l.sender ?? "-", 12) + pad(l.recipient ?? "-", 12) + pad(l.subject ?? "-", 16) + "\(l.deathCount)"
                      + (l.status == "kept" ? "" : "  (\(l.status))"))
            }
        }
    }

    struct Groups: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kept dead letters counted by reason, type and recipient.")
        @OptionGroup var store: Store
        @Flag(help: "JSON instead of lines.") var json = false

        func run() throws {
            let groups = try store.open().database.read { db in try DeadLetterArchive.groups(in: db) }
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(groups), as: UTF8.self)); return
            }
            if groups.isEmpty { print("no dead letters kept"); return }
            for g in groups { print("\(g.count) × \(g.reason) \(g.type) to \(g.recipient)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One dead letter: where from, why, and its body with personal details masked.")
        @OptionGroup var store: Store
        @Argument var id: Int64
        @Flag(help: "Show the body as it is (needs --reason and --by; recorded in the audit log).") var reveal = false
        @Option(help: "Why the body must be seen.") var reason: String?
        @Option(help: "Who is looking.") var by: String?

        func run() throws {
            if reveal {
                guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty, let by, !by.isEmpty else {
                    throw fail("--reveal shows personal data: give --reason (why it must be seen) and --by (who you are); it is audited")
                }
            }
            let gateway = try store.open()
            let id = self.id, reveal = self.reveal, reason = self.reason, by = self.by
            guard let (l, properties, body) = try gateway.database.write({ db -> (DeadLetter, String, Data)? in
                guard let found = try DeadLetterArchive.find(id, in: db) else { return nil }
                if reveal {
                    try AuditLog.append(AuditEntry(event: .deadLetterRevealed, messageID: found.0.messageID ?? "(none)", type: found.0.type ?? "(none)",
                                                   sender: found.0.sender ?? "(unknown)", recipient: found.0.recipient ?? "(unknown)",
                                                   subject: found.0.subject ?? "0000-0000-0000", justification: reason, actor: by), in: db)
                }
                return found
            }) else { throw fail("no dead letter \(id): `refgw dlq list` shows their ids") }
            print("dead letter \(id) (\(l.status))")
            print("  message id:  \(l.messageID ?? "-")")
            print("  type:        \(l.type ?? "-")   from \(l.sender ?? "-") to \(l.recipient ?? "-")   subject \(l.subject ?? "-")")
            print("  died:        \(l.reason)\(l.reasonDetail.map { " - \($0)" } ?? "") (\(l.deathCount)×, first \(l.firstDeathAt), last \(l.lastDeathAt))")
            print("  came from:   exchange \(l.originalExchange), routing key \(l.originalRoutingKey), queue \(l.queue)")
            print("  properties:  \(properties)")
            print(reveal ? "  body (revealed; this viewing is in the audit log):" : "  body (masked; --reveal --reason R --by NAME to see it, audited):")
            print(reveal ? String(decoding: body, as: UTF8.self) : DeadLetterMasking.masked(body))
        }
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count) }
