import Foundation
import Yams

/// When `refgw status` says something needs attention, from `config/operations.yaml`.
public struct StatusThresholds: Sendable, Equatable {
    /// Seconds the gateway's oldest outbox message may wait.
    public var outboxOldestSeconds: Int
    /// Days before a key's expiry from which it is reported.
    public var keyExpiryDays: Int
    /// Messages in one queue from which it is reported.
    public var queueDepth: Int
    /// Kept dead letters from which they are reported (1: any).
    public var deadLettersWaiting: Int

    /// Thresholds as given.
    public init(outboxOldestSeconds: Int = 300, keyExpiryDays: Int = 30, queueDepth: Int = 10_000, deadLettersWaiting: Int = 1) {
        self.outboxOldestSeconds = outboxOldestSeconds
        self.keyExpiryDays = keyExpiryDays
        self.queueDepth = queueDepth
        self.deadLettersWaiting = deadLettersWaiting
    }

    private struct File: Decodable {
        struct Attention: Decodable {
            var outboxOldestSeconds: Int
            var keyExpiryDays: Int
            var queueDepth: Int
            var deadLettersWaiting: Int
        }
        var version: Int
        var attention: Attention
    }

    /// The thresholds in the YAML file at `url`; each must be above zero.
    public init(contentsOf url: URL) throws(StatusThresholdsError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw StatusThresholdsError("cannot read \(url.path); pass --operations FILE (see config/operations.yaml)")
        }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
            throw StatusThresholdsError("\(url.path) is not version-1 operations settings (\(error)); compare it with config/operations.yaml")
        }
        guard file.version == 1 else { throw StatusThresholdsError("\(url.path) has version \(file.version); this build reads version 1") }
        let a = file.attention
        for (name, value) in [
            ("outboxOldestSeconds", a.outboxOldestSeconds), ("keyExpiryDays", a.keyExpiryDays), ("queueDepth", a.queueDepth),
            ("deadLettersWaiting", a.deadLettersWaiting),
        ] where value < 1 {
            throw StatusThresholdsError("\(url.path): attention.\(name) is \(value); give a whole number of at least 1")
        }
        self.init(
            outboxOldestSeconds: a.outboxOldestSeconds, keyExpiryDays: a.keyExpiryDays, queueDepth: a.queueDepth,
            deadLettersWaiting: a.deadLettersWaiting)
    }
}

/// `config/operations.yaml` could not be used.
public struct StatusThresholdsError: Error, CustomStringConvertible {
    /// The problem in one line, with what to do.
    public let description: String
    init(_ d: String) { description = d }
}
