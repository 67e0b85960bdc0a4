import AMQP
import ArgumentParser
import Contracts
import Foundation
import GatewayStorage
import Operations

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `refgw status`: one screen for the operator on call — each process's readiness, queues, traffic, what waits, and
/// keys expiring. Exits 2 when anything needs attention, so a cron job or a monitoring check can use it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Readiness of each process, queue depths, traffic, dead letters, the outbox and expiring keys (exit 2: needs attention).")
    @OptionGroup var store: GatewayStoreOptions
    @Option(help: "The processes' admin listeners (processes: {NAME: http://HOST:PORT}); default $REFGW_PROCESSES, if set.")
    var processes: String?
    @Option(help: "Broker URL to read queue depths with; default $REFGW_AMQP_URL, if set.") var url: String?
    @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?
    @Option(help: "Trust file whose keys' expiry is checked.") var trust = "var/trust.json"
    @Option(help: "What counts as needing attention.") var operations = "config/operations.yaml"
    @Flag(help: "Print JSON instead of the screen.") var json = false
    @Option(help: "Seconds each process is given to answer /readyz before it is called unreachable.") var timeout = 2.0

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let thresholds: StatusThresholds
        let list: ProcessList
        do {
            thresholds = try StatusThresholds(contentsOf: URL(fileURLWithPath: operations))
            list =
                try (processes ?? env["REFGW_PROCESSES"]).map { path throws(ProcessListError) in try ProcessList(contentsOf: path) }
                ?? ProcessList(entries: [])
        } catch { throw fail("\(error)") }
        let gatewayStore = try store.open()
        let now = Timestamp()
        var status = SystemStatus(at: now.canonicalString)

        status.processes = await withTaskGroup(of: (Int, SystemStatus.Process).self) { group in
            for (i, p) in list.entries.enumerated() {
                group.addTask { [timeout] in (i, await Self.readiness(of: p.name, at: p.url, timeout: timeout)) }
            }
            var out: [(Int, SystemStatus.Process)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }

        if let broker = url ?? env["REFGW_AMQP_URL"] {
            do {
                let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: broker))
                for q in topologyNames(namespace).queueNames() {
                    do {
                        let s = try await admin.queueStatus(q)
                        status.queues.append(.init(name: q, messages: s.messages, consumers: s.consumers))
                    } catch {
                        status.attention.append("queue \(q) could not be read: \(error)")
                    }
                }
                await admin.close()
            } catch {
                status.attention.append("the broker could not be asked: \(error)")
            }
        }

        do {
            let (recent, hour, letters, outbox) = try await gatewayStore.read { tx in
                (
                    try tx.auditCounts(since: now.adding(seconds: -300)), try tx.auditCounts(since: now.adding(seconds: -3600)),
                    try tx.keptDeadLetterBacklog(), try tx.outboxBacklog()
                )
            }
            let decided = recent.filter { $0.event == .delivered || $0.event == .refused }.reduce(0) { $0 + $1.count }
            status.messagesPerMinute = Double(decided) / 5
            for c in hour where c.event == .refused { status.refusalsLastHour[c.reasonCode ?? "-", default: 0] += c.count }
            func age(_ t: Timestamp?) -> Int? { t.map { Int((now.millisecondsSince1970 - $0.millisecondsSince1970) / 1000) } }
            status.deadLettersWaiting = letters.count
            status.oldestDeadLetterSeconds = age(letters.oldest)
            status.outboxPending = outbox.count
            status.oldestOutboxSeconds = age(outbox.oldest)
        } catch {
            status.attention.append("the gateway's store could not be read: \(error)")
        }

        if FileManager.default.fileExists(atPath: trust) {
            do {
                let keys = try TrustStore(contentsOf: URL(fileURLWithPath: trust)).keys.values.sorted { $0.keyID < $1.keyID }
                let horizon = now.adding(seconds: Double(thresholds.keyExpiryDays) * 86_400)
                for k in keys {
                    guard let notAfter = k.notAfter, notAfter <= horizon else { continue }
                    let days = Int((notAfter.millisecondsSince1970 - now.millisecondsSince1970) / 86_400_000)
                    status.expiringKeys.append(.init(keyID: k.keyID, party: k.party.rawValue, notAfter: notAfter.canonicalString, daysLeft: days))
                }
            } catch {
                status.attention.append("the trust file \(trust) could not be read: \(error)")
            }
        }

        status.assess(thresholds)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print(status.text, terminator: "")
        }
        if !status.attention.isEmpty { throw ExitCode(2) }
    }

    /// Asks a process's `/readyz`, giving it `timeout` seconds.
    static func readiness(of name: String, at base: URL, timeout: Double) async -> SystemStatus.Process {
        var request = URLRequest(url: base.appendingPathComponent("readyz"))
        request.timeoutInterval = timeout
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            if code == 200 { return .init(name: name, url: base.absoluteString, state: "ready") }
            let detail = first.hasPrefix("not ready: ") ? String(first.dropFirst("not ready: ".count)) : "HTTP \(code)"
            return .init(name: name, url: base.absoluteString, state: "not ready", detail: detail)
        } catch {
            return .init(name: name, url: base.absoluteString, state: "unreachable", detail: error.localizedDescription)
        }
    }
}
