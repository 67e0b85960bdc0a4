import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayStorage
import Logging
import Messaging

/// The administrator's side of a replay: store who asks and why, publish one request per dead letter to the
/// gateway (as the dead-letter user), then wait for the gateway's decisions and count them.
///
/// Nothing is lost if this stops half-way: a request that was stored but not published is published again by the
/// next replay of that dead letter, and the gateway decides every request once.
public struct DeadLetterReplayer: Sendable {
    /// The gateway's store, holding the dead letters and the replay requests written for them.
    public let store: any GatewayStore
    /// The dead-letter user's connection: the gateway takes replay requests from that broker user only.
    public let configuration: AMQPConnectionConfiguration
    /// The broker names; replay requests go to its `submitExchange`.
    public let topology: ReferralGatewayTopology

    /// A replayer over `store` that publishes as the dead-letter user `configuration` logs in as.
    public init(store: any GatewayStore, configuration: AMQPConnectionConfiguration, topology: ReferralGatewayTopology = .standard) {
        self.store = store
        self.configuration = configuration
        self.topology = topology
    }

    /// Where a bulk replay is: requests published, then decisions made, out of `total`.
    public struct Progress: Sendable {
        /// `publishing`: requests being sent under confirms; `deciding`: waiting for the gateway's decisions.
        public enum Phase: String, Sendable { case publishing, deciding }
        /// Which step the replay is in.
        public var phase: Phase
        /// Requests published (while publishing) or decided (while deciding) so far.
        public var done: Int
        /// How many requests the step has in all.
        public var total: Int
    }

    /// What became of a replay run.
    public struct Report: Sendable {
        /// Dead letters the run was asked to replay.
        public var requested = 0
        /// Seconds spent publishing the requests (with confirms), and until the last decision arrived.
        public var publishSeconds = 0.0, totalSeconds = 0.0
        /// How many dead letters ended each way: `delivered`, `already-delivered`, `not-replayable`, or a reason code.
        public var outcomes: [String: Int] = [:]
        /// Requests the gateway had not decided when the wait ended (they stay queued and are decided when it runs).
        public var undecided = 0
        /// Dead letters decided per second, end to end.
        public var rate: Double { totalSeconds > 0 ? Double(requested - undecided) / totalSeconds : 0 }
    }

    /// Requests stored in one transaction and sent before the next are stored: the gateway starts deciding the first
    /// while the rest are written (storing 10,000 at once kept it idle for a twentieth of a bulk replay).
    static let storedPerPart = 1000

    /// Replays the dead letters `ids`; waits up to `timeout` for the gateway's decisions.
    public func replay(
        _ ids: [Int64], by: String, reason: String, timeout: Duration = .seconds(120),
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Report {
        let start = ContinuousClock.now
        // All checked before any is stored: an unknown or resolved id changes nothing.
        do {
            try await store.read { db in try DeadLetterArchive.checkReplayable(ids, in: db) }
        } catch let error as DeadLetterArchive.ResolutionError {
            throw DeadLetterArchive.ResolutionError(description: error.description + "; nothing was replayed")
        }
        var report = Report(requested: ids.count)
        guard !ids.isEmpty else { return report }

        let publisher = try await AMQPPublisher(configuration: configuration, logger: Logger(label: "refgw.dlq"))
        var requests: [ReplayRequest] = []
        var sending: [(count: Int, confirms: Task<[Result<Void, AMQPError>], Never>)] = []
        var published = 0
        /// Waits for the confirms of what was sent first; throws, saying how far it got, if the broker refused one.
        func confirmed(_ sent: (count: Int, confirms: Task<[Result<Void, AMQPError>], Never>)) async throws {
            for r in await sent.confirms.value {
                if case .failure(let error) = r {
                    await publisher.close()
                    throw DeadLetterArchive.ResolutionError(
                        description: """
                            the broker did not accept replay request \(published + 1) of \(ids.count) (\(error)); \
                            the first \(published) were sent. Run the same replay again when the broker is back: \
                            the rest are sent then, and none is decided twice
                            """)
                }
            }
            published += sent.count
            progress(Progress(phase: .publishing, done: published, total: ids.count))
        }
        for part in ids.chunks(of: Self.storedPerPart) {
            let stored: [ReplayRequest]
            do {
                stored = try await store.write { tx in
                    try DeadLetterArchive.requestReplays(of: Array(part), by: by, reason: reason, in: tx).map {
                        ReplayRequest(requestID: $0.requestID, deadLetterID: $0.deadLetterID)
                    }
                }
            } catch {
                // What was sent stays sent and is decided (a letter resolved by someone else since the check, or
                // the store failing, stops the rest).
                for sent in sending { try await confirmed(sent) }
                await publisher.close()
                guard let resolution = error as? DeadLetterArchive.ResolutionError else { throw error }
                throw DeadLetterArchive.ResolutionError(
                    description: resolution.description
                        + (requests.isEmpty
                            ? "; nothing was replayed"
                            : "; the \(requests.count) replays sent before it will be decided, the rest were not sent"))
            }
            requests += stored
            let messages = stored.chunks(of: ReplayRequest.perMessage).map {
                ReplayRequest.message(Array($0), topology: topology, brokerUser: configuration.user)
            }
            sending.append((stored.count, Task { await publisher.publish(messages) }))
            // One part's confirms outstanding at most while the next is stored.
            if sending.count > 1 { try await confirmed(sending.removeFirst()) }
        }
        for sent in sending { try await confirmed(sent) }
        await publisher.close()
        report.publishSeconds = (ContinuousClock.now - start).seconds

        let deadline = ContinuousClock.now + timeout
        var decided: [String: String] = [:]
        // Still undecided, in the order published. The gateway decides requests in that order, so each poll looks
        // at the oldest a slice at a time, asks first whether a slice's last request is decided (if not, the rest
        // of it most likely is not either), and stops at the first slice not wholly decided: looking up every
        // undecided request every 50 ms cost a bulk replay ~7 % of its CPU, and a whole slice that was not yet
        // decided ~4 %. The last look covers them all, so a request decided out of order (after a redelivery) is
        // still counted.
        var undecided = requests.map(\.requestID)
        while true {
            let last = ContinuousClock.now >= deadline
            let found = try await store.read { [undecided] db in
                var found: [String: String] = [:]
                for part in undecided.chunks(of: idsPerQuery).map(Array.init) {
                    if !last, try DeadLetterArchive.replayOutcomes(of: [part[part.count - 1]], in: db).isEmpty { break }
                    let outcomes = try DeadLetterArchive.replayOutcomes(of: part, in: db)
                    found.merge(outcomes) { first, _ in first }
                    if outcomes.count < part.count && !last { break }
                }
                return found
            }
            decided.merge(found) { first, _ in first }
            undecided.removeAll { found[$0] != nil }
            progress(Progress(phase: .deciding, done: decided.count, total: requests.count))
            if undecided.isEmpty || last { break }
            // A poll that finds nothing new costs one lookup, so polling often only makes the end seen sooner.
            try await Task.sleep(for: .milliseconds(20))
        }
        report.totalSeconds = (ContinuousClock.now - start).seconds
        report.undecided = requests.count - decided.count
        for outcome in decided.values { report.outcomes[outcome, default: 0] += 1 }
        return report
    }
}
