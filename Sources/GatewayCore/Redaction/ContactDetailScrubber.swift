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
        /// False only when the text lacks what every match needs: the pattern is not run then (it is the slow part).
        var mayMatch: @Sendable (String.UTF8View) -> Bool = { _ in true }
    }

    private let rules: [Rule]
    /// Any sensitive term as a whole word or phrase; sentences containing one are removed.
    private let terms: Rule?

    /// `sensitiveTerms`: words or phrases whose whole sentence is removed.
    public init(sensitiveTerms: [String] = []) {
        let at = #"(?:@|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+)"#
        let dot = #"(?:\.|\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"#
        let isASCIIDigit: @Sendable (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        // Each pattern with what every one of its matches needs: the text is searched only when it has that.
        let patterns: [(Kind, String, @Sendable (String.UTF8View) -> Bool)] = [
            // Emails first, so their digits are not taken for a phone number: x@y.z, x (at) y (dot) z, x at y dot z.
            // A local part is only tried from the start of a run of its characters (or where the last match ended):
            // tried from every character, each word cost the square of its length (300 µs for 1 KB of notes).
            // The matches are the same: a local part found inside a run also matches from the run's start.
            // Local part and labels are possessive: the character after each (@, a dot, a space, a bracket) is never
            // one of theirs, so giving characters back could not help a match and only cost time.
            (.email, #"(?:\G|(?<![\p{L}\p{N}._%+-]))[\p{L}\p{N}._%+-]++"# + at + #"[\p{L}\p{N}-]++(?:"# + dot + #"[\p{L}\p{N}-]++)+"#,
             Self.mayHoldEmail),
            // UK postcodes, any case, with or without the space: SW1A 1AA, le2 3ab, M1 1AE, GIR 0AA.
            (.postcode, #"\b(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}|GIR\s*0AA)\b"#, { $0.contains(where: isASCIIDigit) }),
            // Phone numbers: 9 or more digits, with spaces, dots, dashes or brackets, optionally +44 or 0044.
            // `\d` is any script's digit: a non-ASCII byte may be one.
            (.phone, #"(?:\+|\b00)?\(?\d(?:[\s().-]*\d){8,}\b"#, { $0.contains { isASCIIDigit($0) || $0 >= 0x80 } }),
        ]
        rules = patterns.map { kind, pattern, needs in
            Rule(kind: kind, regex: try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]), mayMatch: needs)
        }
        if sensitiveTerms.isEmpty {
            terms = nil
        } else {
            let alternatives = sensitiveTerms.map { NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: " ", with: #"\s+"#) }
            terms = Rule(kind: .sensitiveTerm, regex: try! NSRegularExpression(
                pattern: #"\b(?:"# + alternatives.joined(separator: "|") + #")\b"#, options: [.caseInsensitive]))
        }
    }

    /// Replaces each sentence (up to . ! ? or a line break) that mentions a term. The terms are searched once over
    /// the whole text, then the sentences holding a match are dropped: searching sentence by sentence bridged each one
    /// to an `NSString` and ran the pattern again, ~20 times for a referral's notes. A match that crosses a sentence
    /// boundary (a term written across a line break) removes both sentences.
    private func removeSentences(_ text: String, matching rule: Rule) -> String? {
        let utf16 = Array(text.utf16)
        let matches = rule.regex.matches(in: text, range: NSRange(location: 0, length: utf16.count))
        guard !matches.isEmpty else { return nil }
        var out: [UInt16] = []
        out.reserveCapacity(utf16.count)
        let replacement = Array(Self.replacement.utf16)
        var next = 0, start = 0
        /// Appends the sentence `start..<end` (without its terminator), or `[removed]` when a match touches it.
        func flush(_ end: Int) {
            while next < matches.count && NSMaxRange(matches[next].range) <= start { next += 1 }
            if next < matches.count && matches[next].range.location < end { out += replacement } else { out += utf16[start..<end] }
        }
        for (i, unit) in utf16.enumerated() {
            switch unit {
            case 0x2E, 0x21, 0x3F:  // . ! ? end a sentence and stay with it (or go with it)
                flush(i + 1)
                start = i + 1
            case 0x0A:  // a line break ends a sentence and always stays
                flush(i)
                out.append(0x0A)
                start = i + 1
            default:
                break
            }
        }
        if start < utf16.count { flush(utf16.count) }
        return String(decoding: out, as: UTF16.self)
    }

    /// Whether the text may hold an email address: it has `@`, or an `at` (any case) that does not follow an ASCII
    /// letter or digit (the written-out forms put a space or a bracket before it; a non-ASCII character may be a
    /// space of another kind, and the start of the text counts too).
    static func mayHoldEmail(_ text: String.UTF8View) -> Bool {
        func isLetterOrDigit(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        var beforeA: UInt8 = 0x20, previous: UInt8 = 0x20
        for b in text {
            if b == 0x40 { return true }
            if b | 0x20 == 0x74, previous | 0x20 == 0x61, !isLetterOrDigit(beforeA) { return true }
            beforeA = previous
            previous = b
        }
        return false
    }

    /// The text with every detail replaced, and the kinds found (empty when the text was clean).
    public func scrub(_ text: String) -> (String, [Kind]) {
        var current = text
        var kinds: [Kind] = []
        for rule in rules where rule.mayMatch(current.utf8) {
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
