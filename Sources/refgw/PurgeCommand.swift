import ArgumentParser
import Contracts
import Foundation
import GatewayRuntime
import GatewayStorage
import Logging

/// `refgw purge`: what `config/retention.yaml` lets go, now (every gateway also purges on its own, once an interval
/// for the region).
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Forget decided message ids and erase replayed dead letters' content older than the retention rules allow (audited).")
    @OptionGroup var store: GatewayStoreOptions
    @OptionGroup var config: ConfigOptions
    @Option(help: "The retention rules; default CONFIG/retention.yaml.") var retention: String?
    @Flag(help: "Only if no gateway purged within the rules' interval (as the gateways do); by default it purges now.") var ifDue = false

    func run() async throws {
        let rules: RetentionRules
        do {
            rules = try RetentionRules(
                contentsOf: retention.map { URL(fileURLWithPath: $0) }
                    ?? URL(fileURLWithPath: config.directory).appendingPathComponent("retention.yaml"))
        } catch { throw fail("\(error)") }
        let gateway = try store.open()
        if ifDue, let last = try await gateway.read({ tx in try tx.lastMaintenance(Retention.purgeTask) }),
            Timestamp().millisecondsSince1970 - last.at.millisecondsSince1970 < Int64(rules.intervalSeconds) * 1000
        {
            print("not due: \(last.instance ?? "a process") purged at \(last.at), and the rules purge every \(rules.intervalSeconds / 60) minutes")
            return
        }
        let purger = Purger(rules: rules, store: gateway, logger: Logger(label: "refgw.purge"))
        let report: PurgeReport
        do { report = try await purger.purgeIfDue(force: !ifDue) } catch {
            throw fail("the purge failed, nothing of its last step was kept: \(error)")
        }
        print(
            "forgot \(report.seenMessages) message id\(report.seenMessages == 1 ? "" : "s") decided before \(report.seenBefore); "
                + "erased the content of \(report.deadLetterContents) dead letter\(report.deadLetterContents == 1 ? "" : "s") replayed before \(report.replayedBefore)"
        )
    }
}
