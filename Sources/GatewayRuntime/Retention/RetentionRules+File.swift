import Foundation
import GatewayStorage
import Yams

/// `config/retention.yaml` could not be used; the text says which setting and what to do.
public struct RetentionRulesError: Error, CustomStringConvertible {
    /// The problem in one line.
    public let description: String
}

extension RetentionRules {
    /// The file's shape (version 1).
    private struct File: Decodable {
        struct Keep: Decodable {
            var seenMessageDays: Int
            var replayedDeadLetterContentDays: Int
        }
        struct Purge: Decodable {
            var everyMinutes: Int
            var rowsPerTransaction: Int?
        }
        var version: Int
        var retention: Keep
        var purge: Purge
    }

    /// The rules in the YAML file at `url`, checked: every bound an information-governance officer could get wrong is
    /// refused with the setting named.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RetentionRulesError(description: "cannot read \(url.path): \(error.localizedDescription); pass --retention FILE")
        }
        try self.init(yaml: text, source: url.path)
    }

    /// The rules in `yaml`; `source` names it in errors.
    public init(yaml: String, source: String = "retention rules") throws {
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: yaml) } catch {
            throw RetentionRulesError(description: "\(source): \(Self.oneLine(error)); see config/retention.yaml for the expected shape")
        }
        func fail(_ text: String) -> RetentionRulesError { RetentionRulesError(description: "\(source): \(text)") }
        guard file.version == 1 else { throw fail("version \(file.version) is not supported (expected 1)") }
        // A week at least: a message id forgotten while a copy of it can still arrive would be decided again.
        guard file.retention.seenMessageDays >= 7 else {
            throw fail("retention.seenMessageDays is \(file.retention.seenMessageDays); keep decided message ids at least 7 days")
        }
        guard file.retention.replayedDeadLetterContentDays >= 1 else {
            throw fail(
                "retention.replayedDeadLetterContentDays is \(file.retention.replayedDeadLetterContentDays); keep a replayed letter's content at least 1 day"
            )
        }
        guard (1...10_080).contains(file.purge.everyMinutes) else {
            throw fail("purge.everyMinutes is \(file.purge.everyMinutes); choose from 1 to 10080 (a week)")
        }
        let rows = file.purge.rowsPerTransaction ?? 5000
        guard (100...1_000_000).contains(rows) else {
            throw fail("purge.rowsPerTransaction is \(rows); choose from 100 to 1000000")
        }
        self.init(
            seenMessageDays: file.retention.seenMessageDays, replayedDeadLetterContentDays: file.retention.replayedDeadLetterContentDays,
            intervalSeconds: file.purge.everyMinutes * 60, rowsPerTransaction: rows)
    }

    /// A decoding error in one line, naming the setting: the decoder's own text spans lines and quotes the file.
    private static func oneLine(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "\(path(c.codingPath + [key])) is missing"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "\(path(c.codingPath)) has the wrong kind of value"
        case .dataCorrupted(let c)?:
            return c.codingPath.isEmpty ? "it is not valid YAML" : "\(path(c.codingPath)) does not read"
        default:
            return "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "it does not read"
        }
    }
}
