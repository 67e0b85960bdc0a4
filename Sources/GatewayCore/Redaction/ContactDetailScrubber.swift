import Foundation

/// Finds UK postcodes, phone numbers and email addresses in free text, in the varied ways people write them,
/// and replaces each with `[removed]`. It errs toward removing too much: a false alarm costs a word, a miss
/// can cost a life.
public struct ContactDetailScrubber: Sendable {
    /// What kind of detail was found.
    public enum Kind: String, Sendable, CaseIterable {
        case email, postcode, phone
        /// A sentence with a sensitive term (refuge, school, MARAC...).
        case sensitiveTerm = "sensitive term"
    }

    public static let replacement = "[removed]"

    // NSRegularExpression is immutable and thread-safe for matching.
    private struct Rule: @unchecked Sendable {
        let kind: Kind
        let regex: NSRegularExpression
    }

    private let rules: [Rule]
    /// Any sensitive term as a whole word or phrase; sentences containing one are removed.
    private let terms: Rule?

    /// `sensitiveTerms`: words or phrases whose whole sentence is removed.
    public init(sensitiveTerms: [String] = []) {
        let at = #"(?:@|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+)"#
        let dot = #"(?:\.|\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"#
        let patterns: [(Kind, String)] = [
            // Emails first, so their digits are not taken for a phone number: x@y.z, x (at) y (dot) z, x at y dot z.
            (.email, #"[\p{L}\p{N}._%+-]+"# + at + #"[\p{L}\p{N}-]+(?:"# + dot + #"[\p{L}\p{N}-]+)+"#),
            // UK postcodes, any case, with or without the space: SW1A 1AA, le2 3ab, M1 1AE, GIR 0AA.
            (.postcode, #"\b(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}|GIR\s*0AA)\b"#),
            // Phone numbers: 9 or more digits, with spaces, dots, dashes or brackets, optionally +44 or 0044.
            (.phone, #"(?:\+|\b00)?\(?\d(?:[\s().-]*\d){8,}\b"#),
        ]
        rules = patterns.map { Rule(kind: $0.0, regex: try! NSRegularExpression(pattern: $0.1, options: [.caseInsensitive])) }
        if sensitiveTerms.isEmpty {
            terms = nil
        } else {
            let alternatives = sensitiveTerms.map { NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: " ", with: #"\s+"#) }
            terms = Rule(kind: .sensitiveTerm, regex: try! NSRegularExpression(
                pattern: #"\b(?:"# + alternatives.joined(separator: "|") + #")\b"#, options: [.caseInsensitive]))
        }
    }

    /// Replaces each sentence (up to . ! ? or a line break) that mentions a term. One pass over the text:
    /// a pattern that finds the sentence around a term retries from every position and grows with the
    /// square of the sentence's length.
    private func removeSentences(_ text: String, matching rule: Rule) -> String? {
        var out = ""
        var sentence = ""
        var changed = false
        func flush(_ terminator: Character?) {
            if rule.regex.firstMatch(in: sentence, range: NSRange(sentence.startIndex..., in: sentence)) != nil {
                out += Self.replacement
                if terminator == "\n" { out.append("\n") }
                changed = true
            } else {
                out += sentence
                if let terminator { out.append(terminator) }
            }
            sentence = ""
        }
        for ch in text {
            if ch == "." || ch == "!" || ch == "?" {
                sentence.append(ch)
                flush(nil)
            } else if ch == "\n" {
                flush("\n")
            } else {
                sentence.append(ch)
            }
        }
        if !sentence.isEmpty { flush(nil) }
        return changed ? out : nil
    }

    /// The text with every detail replaced, and the kinds found (empty when the text was clean).
    public func scrub(_ text: String) -> (String, [Kind]) {
        var current = text
        var kinds: [Kind] = []
        for rule in rules {
            let range = NSRange(current.startIndex..., in: current)
            guard rule.regex.firstMatch(in: current, range: range) != nil else { continue }
            current = rule.regex.stringByReplacingMatches(in: current, range: range, withTemplate: Self.replacement)
            kinds.append(rule.kind)
        }
        if let terms, let cleaned = removeSentences(current, matching: terms) {
            current = cleaned
            kinds.append(.sensitiveTerm)
        }
        return (current, kinds)
    }

    /// Whether the text holds any detail.
    public func containsContactDetails(_ text: String) -> Bool { !scrub(text).1.isEmpty }
}
