import Foundation

/// What can say where someone is, or that she is supported.
public enum DisclosureKind: String, Sendable, CaseIterable {
    case email, postcode
    /// A phone number, or any run of six or more digits (an account, a door code, a number split to get through).
    case phone = "number"
    case address, place, school
    /// A sentence with a sensitive term (refuge, MARAC, IDVA, safe house...): the whole sentence goes.
    case sensitiveTerm = "sensitive term"

    /// Whether finding it in a name or a job title means the message is refused: names cannot hold digits, an
    /// address or an email, so one found there was put there on purpose. Place and school names can be people's
    /// names ("Mark Preston", "St John"), so only free text is searched for them.
    var refusedInNames: Bool {
        switch self {
        case .email, .postcode, .phone, .address, .sensitiveTerm: return true
        case .place, .school: return false
        }
    }
}

/// Finds, in normalised text (`NormalisedText`), what can say where someone is: email addresses however written,
/// postcodes and postcode districts, phone numbers and long digit runs, street addresses, the area's places, streets
/// and schools (the gazetteer), and sensitive terms with their plurals and compounds. It errs toward finding too
/// much: a false alarm costs a word, a miss can cost a life.
struct DisclosureFinder: @unchecked Sendable {
    // NSRegularExpression is immutable and thread-safe for matching.
    struct Finding: Equatable {
        var kind: DisclosureKind
        /// UTF-16 offsets in the normalised text.
        var range: Range<Int>
        /// Whether it stands as whole words (a term inside a longer word is only searched in free text).
        var wholeWords: Bool
        /// Whether it refuses the message when found in a name (a street named without a number reads as a surname:
        /// "Mark Lane").
        var refusedInNames: Bool = true
    }

    struct Rule {
        let kind: DisclosureKind
        let regex: NSRegularExpression
        /// Skips a match (a street "name" that is an ordinary word, an ambiguous street word in lower case).
        var accept: ((NSTextCheckingResult, [UInt16], (Range<Int>) -> Bool) -> Bool)?
        /// False for what names can hold honestly (see `Finding.refusedInNames`).
        var refusedInNames = true
        /// What every match needs in the text: a rule whose text lacks it is not run (running them is the cost).
        var needs: Needs = []
    }

    /// What a text has, for skipping rules that cannot match it.
    struct Needs: OptionSet {
        let rawValue: UInt8
        static let digit = Needs(rawValue: 1), at = Needs(rawValue: 2), spelledAt = Needs(rawValue: 4)

        /// What `units` (normalised text) has.
        init(of units: [UInt16]) {
            var n: Needs = []
            for (i, u) in units.enumerated() {
                if u >= 0x30 && u <= 0x39 { n.insert(.digit) }
                if u == 0x40 || (u == 0x61 && i > 0 && i + 1 < units.count && units[i + 1] == 0x74 && [0x20, 0x28, 0x5B, 0x7B, 0x3C, 0x2C, 0x3B].contains(units[i - 1])) {
                    n.insert(u == 0x40 ? .at : (units[i - 1] == 0x20 || units[i - 1] == 0x2C || units[i - 1] == 0x3B ? .spelledAt : .at))
                }
            }
            self = n
        }

        init(rawValue: UInt8) { self.rawValue = rawValue }
    }

    let rules: [Rule]
    /// Searched in free text with every space removed, so "safe house", "safehouse" and "refu ge" are found.
    private let squashed: NSRegularExpression?
    private let squashedEmail: NSRegularExpression
    /// Each term's letters (a plural's stem): a text whose letters hold none of them has no term to look for.
    private var termCores: [[UInt16]] = []
    private let squashedPostcode = try! NSRegularExpression(pattern: #"[a-z]{1,2}[0-9][a-z0-9]?[0-9][a-z]{2}"#)

    static let topLevelDomains = ["com", "org", "net", "uk", "co", "gov", "ac", "nhs", "info", "io", "me", "biz", "eu", "ie", "int", "edu", "police", "sch"]
    /// Words before a street word that make it an ordinary phrase, not a street ("the road", "her place").
    static let ordinaryWords: Set<String> = [
        "the", "a", "an", "this", "that", "these", "those", "her", "his", "their", "our", "my", "your", "its",
        "same", "other", "next", "main", "busy", "quiet", "long", "whole", "any", "every", "each", "no", "one", "on",
        "in", "at", "to", "by", "of", "off", "down", "up", "along", "across", "near", "from", "and", "or", "but",
        "is", "was", "be", "out", "over", "under", "round", "around", "past", "into", "onto", "via", "some", "are",
        "were", "am", "been", "being", "has", "have", "had", "do", "does", "did", "not", "very", "so", "too",
        "quite", "really", "fairly", "pretty", "more", "most", "less", "far", "stay", "stays", "stayed", "keep",
        "keeps", "kept", "get", "gets", "got", "come", "came", "go", "goes", "went", "take", "took", "taken", "give",
        "gave", "first", "last", "second", "safe", "new", "old", "good", "bad", "right", "wrong", "hard", "easy",
        "half", "either", "neither", "another", "such", "what", "which", "who", "him", "he", "she", "they", "them",
        "we", "us", "you", "i", "me", "car", "food", "point", "dead", "week", "weekend", "short", "front", "back",
        "light", "dark", "bright", "pale", "high", "low", "better", "best", "worse", "worst", "all", "both", "end",
        "way", "place", "mum's", "dad's", "mums", "dads", "own", "common", "public", "national", "theme", "nature",
        "play", "walk", "dog", "long-term", "short-term", "river", "open", "close", "closer", "nearer", "ever",
        "never", "always", "often", "sometimes", "just", "only", "also", "still", "again", "then", "than", "when",
        "where", "while", "if", "because", "as", "with", "without", "for", "about", "after", "before"]

    init(gazetteer: Gazetteer, sensitiveTerms: [String]) {
        func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }
        func alternatives(_ words: [String]) -> String {
            words.map { NormalisedText($0).string }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
                .map { NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: "\\-", with: " ").replacingOccurrences(of: "-", with: " ")
                    .replacingOccurrences(of: " ", with: "[ ,-]{0,2}")
                    .replacingOccurrences(of: "'", with: "['’]?").replacingOccurrences(of: "’", with: "['’]?") }
                .joined(separator: "|")
        }
        var rules: [Rule] = []
        let at = #"(?:@|\(at\)|\[at\]|\{at\}|<at>|\(@\)|\[@\])"#
        let dot = #"(?:\.|\(dot\)|\[dot\]|\{dot\}|<dot>|\[\.\]|\(\.\)|\{\.\}|(?<= )dot(?= ))"#
        // x@y.z, x (at) y [dot] z, x[@]y.z; then x at y dot z, only when it ends in a real domain.
        let label = #"[a-z0-9-]++"#
        // The local part may be cut off by punctuation, or left out: "@domain.org" alone still says where to write.
        rules.append(Rule(kind: .email, regex: regex(#"(?:[a-z0-9._%+-]++[ ,;:]{0,2})?"# + at + " ?" + label + #"(?: ?"# + dot + " ?" + label + #")+"#), needs: .at))
        let spelledDot = #"(?:[ ,;]{1,3}dot[ ,;]{1,3}|"# + dot + ")"
        rules.append(Rule(kind: .email, regex: regex(#"(?<![a-z0-9])[a-z0-9._%+-]+[ ,;]{1,3}at[ ,;]{1,3}"# + label + #"(?:"# + spelledDot + label + #")*?"#
                                                      + spelledDot + #"(?:"# + Self.topLevelDomains.joined(separator: "|") + #")(?![a-z])"#), needs: .spelledAt))
        // Postcodes, written together, spaced out, or as the district alone ("M14", "LE5").
        rules.append(Rule(kind: .postcode, regex: regex(#"(?<![a-z0-9])[a-z]{1,2}[0-9][a-z0-9]?[ ,;:.-]{0,2}[0-9] ?[a-z] ?[a-z](?![a-z0-9])"#), needs: .digit))
        rules.append(Rule(kind: .postcode, regex: regex(#"(?<![a-z0-9])[a-z](?: [a-z])? [0-9](?: [a-z0-9])? [0-9] [a-z] [a-z](?![a-z0-9])"#), needs: .digit))
        if !gazetteer.postcodeAreas.isEmpty {
            let areas = gazetteer.postcodeAreas.map { $0.lowercased() }.sorted { $0.count > $1.count }.joined(separator: "|")
            rules.append(Rule(kind: .postcode, regex: regex(#"(?<![a-z0-9])(?:"# + areas + #") ?[0-9][0-9a-z]?(?![a-z0-9])"#), needs: .digit))
        }
        // Six or more digits, whatever lies between them (at most two characters at a time).
        rules.append(Rule(kind: .phone, regex: regex(#"(?:\+ ?)?[0-9](?:[^a-z0-9]{0,3}[0-9]){5,}"#), needs: .digit))
        let streetWords = gazetteer.streetWords.isEmpty ? "" : alternatives(gazetteer.streetWords)
        let ambiguous = gazetteer.ambiguousStreetWords.isEmpty ? "" : alternatives(gazetteer.ambiguousStreetWords)
        let anyStreetWord = [streetWords, ambiguous].filter { !$0.isEmpty }.joined(separator: "|")
        if !anyStreetWord.isEmpty {
            // A house or flat number, up to four words, a street word: "14 Elm Road", "flat 2, 14a mill lane".
            rules.append(Rule(kind: .address, regex: regex(#"(?<![a-z0-9])(?:(?:flat|apartment|apt|unit|house|no|number) ?)?[0-9]{1,4}[a-z]?(?:[ ,.]+[0-9]{1,4}[a-z]?)?[ ,.]+(?:[a-z'’]+[ ,.]+){0,3}?[a-z'’]+[ ,.]+(?:"#
                                                            + anyStreetWord + #")(?![a-z])\.?"#), needs: .digit))
        }
        if !streetWords.isEmpty {
            // A name and a street word that is nothing else: "elm road", "Mill Lane" (not "the road").
            rules.append(Rule(kind: .address, regex: regex(#"(?<![a-z'’])([a-z'’]{2,})[ ,]{1,2}(?:"# + streetWords + #")(?![a-z])\.?"#),
                              accept: { m, units, _ in !Self.ordinaryWords.contains(Self.text(units, m.range(at: 1))) },
                              refusedInNames: false))
        }
        if !ambiguous.isEmpty {
            // A street word that is also an ordinary word counts after any word that is not an ordinary one ("elm
            // close", not "stay close"), and always when both are written with capitals ("The Close" aside).
            rules.append(Rule(kind: .address, regex: regex(#"(?<![a-z'’])([a-z'’]{2,})[ ,]{1,2}(?:"# + ambiguous + #")(?![a-z])"#),
                              accept: { m, units, capitalised in
                                  let before = Self.text(units, m.range(at: 1))
                                  return !Self.ordinaryWords.contains(before)
                                      || (before != "the" && capitalised(m.range.location..<NSMaxRange(m.range)))
                              }, refusedInNames: false))
        }
        for (kind, list) in [(DisclosureKind.place, gazetteer.places), (.address, gazetteer.streets), (.school, gazetteer.schools)] where !list.isEmpty {
            rules.append(Rule(kind: kind, regex: regex(#"(?<![a-z])(?:"# + alternatives(list) + #")(?![a-z])"#), refusedInNames: false))
        }
        // Saints' names are schools and churches: "St Mary's", "saint annes".
        rules.append(Rule(kind: .school, regex: regex(#"(?<![a-z0-9])(?:st|saint)\.?[ ,]{1,2}[a-z]+(?:['’]?s)?(?![a-z])"#), refusedInNames: false))
        // A school named by what it is: "Quenby Primary", "Hill Academy", "St Mark's CE Infant School".
        rules.append(Rule(kind: .school, regex: regex(#"(?<![a-z])[a-z'’]{2,}[ ,]{1,2}(?:(?:c of e|ce|rc|church of england|catholic|community|junior and infant|infant and junior) )?(?:primary|infants?|juniors?|academy|college|nursery|school|high school|grammar|pre[ -]?school|sixth form|secondary)(?![a-z])"#),
                          refusedInNames: false))
        if !sensitiveTerms.isEmpty {
            let terms = sensitiveTerms.map { Self.termPattern(NormalisedText($0).string) }.joined(separator: "|")
            rules.append(Rule(kind: .sensitiveTerm, regex: regex("(?:" + terms + ")")))
            let glued = sensitiveTerms.map { NormalisedText($0).string.filter { $0.isLetter || $0.isNumber } }.filter { $0.count >= 4 }
            termCores = sensitiveTerms.map { t in
                let letters = NormalisedText(t).string.filter { $0.isLetter || $0.isNumber }
                return Array((letters.hasSuffix("y") ? String(letters.dropLast()) : letters).utf16)
            }
            squashed = glued.isEmpty ? nil : regex("(?:" + glued.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|") + ")")
        } else {
            squashed = nil
        }
        // From the at-sign on: with its spaces gone a text is one long "local part", and a pattern that begins with
        // one is tried from every character to the end (quadratic). The local part is found by looking back.
        squashedEmail = regex(at + #"[a-z0-9-]++(?:"# + dot + #"[a-z0-9-]++)+"#)
        self.rules = rules
    }

    /// A sensitive term as a pattern: words may be written together or apart ("safe house", "safehouse"), the
    /// last with a plural ("refuges", "academies"), and a one-word term inside a longer word ("womensrefuge").
    static func termPattern(_ term: String) -> String {
        let words = term.split(separator: " ").map { NSRegularExpression.escapedPattern(for: String($0)) }
        guard let last = words.last else { return "(?!)" }
        let plural = last.hasSuffix("y") ? String(last.dropLast()) + "(?:y|ies)" : last + "(?:s|es)?"
        if words.count == 1 {
            // Any word it begins ("schooling", "idvas"), and for a long one any word it ends ("womensrefuge").
            let start = last.count >= 6 ? "" : "(?<![a-z])"
            return start + (last.hasSuffix("y") ? String(last.dropLast()) + "(?:y|ies)" : last) + "[a-z]*"
        }
        return "(?<![a-z])" + (words.dropLast() + [plural]).joined(separator: "[ -]?") + "(?![a-z])"
    }

    static func text(_ units: [UInt16], _ r: NSRange) -> String {
        String(decoding: units[r.location..<NSMaxRange(r)], as: UTF16.self)
    }

    /// Everything found in `text`; `capitalised` says whether the original words of a normalised range start
    /// with capitals (for street words that are also ordinary words). `onlyNumbers`: the text with letters read as
    /// the digits they stand for, searched for numbers only (a postcode's "IO5" must stay letters for its own rule).
    func find(in text: NormalisedText, onlyNumbers: Bool = false, capitalised: (Range<Int>) -> Bool) -> [Finding] {
        let string = text.string
        let units = text.units
        let whole = NSRange(location: 0, length: units.count)
        var out: [Finding] = []
        let has = Needs(of: units)
        let letters = units.filter { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
        let mayHoldTerm = termCores.contains { core in Self.contains(letters, core) }
        for rule in rules where (!onlyNumbers || rule.kind == .phone) && has.isSuperset(of: rule.needs) {
            if rule.kind == .sensitiveTerm, !mayHoldTerm { continue }
            for m in rule.regex.matches(in: string, range: whole) {
                if let accept = rule.accept, !accept(m, units, capitalised) { continue }
                let r = m.range.location..<NSMaxRange(m.range)
                out.append(Finding(kind: rule.kind, range: r, wholeWords: Self.standsAlone(r, in: units),
                                   refusedInNames: rule.refusedInNames && rule.kind.refusedInNames))
            }
        }
        return out
    }

    /// Sensitive terms in free text with everything but letters and digits removed (offsets in `units`).
    func findSquashedTerms(_ units: [UInt16]) -> [Finding] {
        guard let squashed else { return [] }
        let string = String(decoding: units, as: UTF16.self)
        return squashed.matches(in: string, range: NSRange(location: 0, length: units.count)).map {
            Finding(kind: .sensitiveTerm, range: $0.range.location..<NSMaxRange($0.range), wholeWords: false)
        }
    }

    /// Postcodes in free text with everything but letters and digits removed ("M 2 4, 8 A U", "BL2" / "13SL").
    func findSquashedPostcodes(_ units: [UInt16]) -> [Finding] {
        let string = String(decoding: units, as: UTF16.self)
        return squashedPostcode.matches(in: string, range: NSRange(location: 0, length: units.count)).map {
            Finding(kind: .postcode, range: $0.range.location..<NSMaxRange($0.range), wholeWords: false, refusedInNames: false)
        }
    }

    /// Email addresses in free text with its spaces removed (offsets in `units`).
    func findSquashedEmails(_ units: [UInt16]) -> [Finding] {
        let string = String(decoding: units, as: UTF16.self)
        guard units.contains(0x40) || units.contains(0x28) || units.contains(0x5B) || units.contains(0x7B) || units.contains(0x3C) else { return [] }
        return squashedEmail.matches(in: string, range: NSRange(location: 0, length: units.count)).map {
            var start = $0.range.location
            while start > 0, Self.isLocalPartUnit(units[start - 1]), $0.range.location - start < 64 { start -= 1 }
            return Finding(kind: .email, range: start..<NSMaxRange($0.range), wholeWords: false)
        }
    }

    /// Whether a UTF-16 unit can be part of an email's local part.
    static func isLocalPartUnit(_ u: UInt16) -> Bool {
        (u >= 0x61 && u <= 0x7A) || (u >= 0x30 && u <= 0x39) || u == 0x2E || u == 0x5F || u == 0x25 || u == 0x2B || u == 0x2D
    }

    /// Whether `haystack` holds `needle` as a run.
    static func contains(_ haystack: [UInt16], _ needle: [UInt16]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// Whether a range starts and ends at word boundaries.
    static func standsAlone(_ r: Range<Int>, in units: [UInt16]) -> Bool {
        func isWordUnit(_ u: UInt16) -> Bool { (u >= 0x61 && u <= 0x7A) || (u >= 0x30 && u <= 0x39) || u >= 0x80 }
        let before = r.lowerBound == 0 || !isWordUnit(units[r.lowerBound - 1])
        let after = r.upperBound >= units.count || !isWordUnit(units[r.upperBound])
        return before && after
    }
}
