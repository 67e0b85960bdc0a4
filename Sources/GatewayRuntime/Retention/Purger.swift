import Contracts
import GatewayStorage
import Logging
import ServiceLifecycle

/// The gateway's purge, run beside its message loop: once an interval for the whole region, whichever gateway finds
/// it due first, in transactions small enough never to hold the write lock for long (`Retention.purgeIfDue`).
///
/// Every gateway runs one; the store's write lock and its `maintenance` row make them purge once between them, so a
/// region of several gateways neither purges on every instance nor has two purges meet in a deadlock
/// (NServiceBus.Persistence.Sql#987).
public final class Purger: Service, Sendable {
    private let rules: RetentionRules
    private let store: any GatewayStore
    private let logger: Logger
    private let clock: @Sendable () -> Timestamp

    /// A purger of `store` by `rules`, reading the time from `clock`.
    public init(rules: RetentionRules, store: any GatewayStore, logger: Logger, clock: @escaping @Sendable () -> Timestamp = { Timestamp() }) {
        self.rules = rules
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    /// How often each gateway asks whether the purge is due: one short transaction, at most a minute apart.
    var askEvery: Duration { .seconds(min(rules.intervalSeconds, 60)) }

    /// Asks every `askEvery` until graceful shutdown; a failed purge is logged and asked again next time.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let report = try await purgeIfDue()
                if report.removed > 0 {
                    logger.info(
                        "purged what the retention rules let go",
                        metadata: ["seen-message-ids": "\(report.seenMessages)", "dead-letter-contents": "\(report.deadLetterContents)"])
                }
            } catch {
                logger.error("the purge failed; it is tried again at the next interval", metadata: ["error": "\(error)"])
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.askEvery) } } catch { return }
        }
    }

    /// Purges until nothing the rules let go is left, if the purge is due (`force`: whenever it last ran); returns
    /// what went, in every transaction together (nothing when it was not due).
    public func purgeIfDue(force: Bool = false) async throws -> PurgeReport {
        var total = PurgeReport(seenBefore: clock(), replayedBefore: clock())
        while true {
            let now = clock()
            let rules = self.rules
            guard let report = try await store.write({ tx in try Retention.purgeIfDue(rules, now: now, force: force, in: tx) }) else {
                return total
            }
            total.seenMessages += report.seenMessages
            total.deadLetterContents += report.deadLetterContents
            total.seenBefore = report.seenBefore
            total.replayedBefore = report.replayedBefore
            if report.complete { return total }
        }
    }
}
