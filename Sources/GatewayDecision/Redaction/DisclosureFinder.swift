import Foundation

/// What can say where someone is, or that she is supported.
public enum DisclosureKind: String, Sendable, CaseIterable {
    /// An email address (also written out, as in "jo at gmail"), or a postcode.
    case email, postcode
    /// A phone number, or any run of six or more digits (an account, a door code, a number split to get through).
    case phone = "number"
    /// A street address, a place in the area's gazetteer, or a school.
    case address, place, school
    /// A sentence with a sensitive term (refuge, MARAC, IDVA, safe house...): the whole sentence goes.
    case sensitiveTerm = "sensitive term"
    /// Text shown in another order than it is written (right-to-left overrides): what it says cannot be checked.
    case concealed = "concealed text"

    /// Whether finding it in a name or a job title means the message is refused: names cannot hold digits, an
    /// address or an email, so one found there was put there on purpose. Place and school names can be people's
    /// names ("Mark Preston", "St John"), so only free text is searched for them.
    var refusedInNames: Bool {
        switch self {
        case .email, .postcode, .phone, .address, .sensitiveTerm, .concealed: return true
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
        /// (A rule with one is searched for overlapping matches: its pattern is read inside a look-ahead, whose
        /// first group is the match and second the pattern's own first group, the word before the street word.)
        var accept: ((_ whole: NSRange, _ first: NSRange, [UInt16], (Range<Int>) -> Bool) -> Bool)?
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
                if u == 0x40 { n.insert(.at) }
                // "%40", "&#64;", "&commat;", and a quoted "'at'".
                if (u == 0x25 || u == 0x26) && i + 2 < units.count { n.insert(.at) }
                if Self.quotes.contains(u), i + 2 < units.count, units[i + 1] == 0x61, units[i + 2] == 0x74 { n.insert(.at) }
                // "at" or "a" after an opening bracket ("(at)", "{a}"); "at" or "arroba" after a space ("jo at").
                if u == 0x61, i > 0, i + 1 < units.count {
                    if Self.opening.contains(units[i - 1]) { n.insert(.at) }
                    if units[i + 1] == 0x74 || units[i + 1] == 0x72, [0x20, 0x2C, 0x3B].contains(units[i - 1]) { n.insert(.spelledAt) }
                }
            }
            self = n
        }

        init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Quotation marks, which can hold an "at" too.
        static let quotes: Set<UInt16> = [0x22, 0x27, 0x2018, 0x2019, 0x201C, 0x201D]

        /// What can open a bracketed at-sign: ( [ { < « ‹.
        static let opening: Set<UInt16> = [0x28, 0x5B, 0x7B, 0x3C, 0xAB, 0x2039]
    }

    let rules: [Rule]
    /// The gazetteer's places found misspelt too (normalised, one word of seven letters or more: a shorter one is a
    /// letter away from too many ordinary words, "Lester" from "letter").
    private var misspellable: [[UInt16]] = []
    /// How many of each letter each of them has.
    private var misspellableLetters: [[Int8]] = []
    /// The gazetteer's places and streets of six letters or more, as their letters alone: found when written in
    /// two or three pieces ("Stock port", "Old ham", "Manch ester", "Stock-port").
    private(set) var gluedPlaces: Set<String> = []
    /// Searched in free text with every space removed, so "safe house", "safehouse" and "refu ge" are found.
    private let squashedEmail: NSRegularExpression
    /// A sensitive term: its letters (a plural's stem), its pattern, and its letters as one word (searched in text
    /// with every space removed, so "safe house", "safehouse" and "refu ge" are found).
    struct Term {
        var core: [UInt16]
        var pattern: NSRegularExpression
        var glued: NSRegularExpression?
    }
    private var terms: [Term] = []
    private let squashedPostcode = try! NSRegularExpression(pattern: #"[a-z]{1,2}[0-9][a-z0-9]?[0-9][a-z]{2}"#)

    static let topLevelDomains = [
        "com", "org", "net", "uk", "co", "gov", "ac", "nhs", "info", "io", "me", "biz", "eu", "ie", "int", "edu", "police", "sch",
        "page", "art", "blog", "studio", "store", "link", "life", "club", "social", "space", "website", "today",
        "news", "media", "video", "photo", "photos", "music", "love", "family", "help", "ee", "ly", "gg", "to",
        "online", "xyz", "site", "app", "dev", "email", "mail", "live", "shop", "tech", "scot", "wales", "cymru", "london",
        "us", "de", "fr", "es", "it", "pl", "ro", "in", "pk", "ng", "au", "ca", "nz", "tv", "cc", "ly", "ai", "name", "pro", "world",
    ]
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
        "where", "while", "if", "because", "as", "with", "without", "for", "about", "after", "before", "will",
        "would", "can", "could", "should", "shall", "may", "might", "must", "won't", "can't", "cannot", "let",
        "lets", "let's", "i'll", "he'll", "she'll", "we'll", "they'll", "you'll", "to", "not", "nor", "yet",
    ]

    init(gazetteer: Gazetteer, sensitiveTerms: [String]) {
        func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }
        // Every match, overlapping ones too ("at Mill" turned down must not hide "Mill Way"): see `Rule.accept`.
        func overlapping(_ p: String) -> NSRegularExpression { regex("(?=(" + p + "))") }
        func alternatives(_ words: [String]) -> String {
            words.map { NormalisedText($0).string }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
                .map {
                    NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: "\\-", with: " ").replacingOccurrences(of: "-", with: " ")
                        .replacingOccurrences(of: " ", with: "[ ,-]{0,2}")
                        .replacingOccurrences(of: "'", with: "['’]?").replacingOccurrences(of: "’", with: "['’]?")
                }
                .joined(separator: "|")
        }
        var rules: [Rule] = []
        // The at-sign however written: "@", "(at)", "[@]", "{a}", "«at»", "at sign", "arroba".
        let open = #"[(\[{<«‹]"#
        let close = #"[)\]}>»›]"#
        // (Also the at-sign as the web writes it: "%40", "&#64;", "&commat;"; and "at" in quotes.)
        let at = "(?:@|" + open + " ?(?:at|@|a) ?" + close + #"|%40|&#0*64;?|&#x0*40;?|&commat;?|['"‘’“”]at['"‘’“”])"#
        // (and in the languages of the area's families: arobase, arroba, chiocciola, Klammeraffe, małpa)
        let spelledAtWord = #"(?:at ?sign|at ?symbol|arroba|arobase|chiocciola|klammeraffe|malpa)"#
        // A dot however written: ".", "(dot)", "[.]", " dot ", and in a spelled address " full stop ", " point ".
        let dot = "(?:\\.|" + open + " ?(?:dot|\\.|d) ?" + close + #"|(?<= )dot(?= ))"#
        let label = #"[a-z0-9-]++"#
        // A local part, at most 64 characters (RFC 5321) and never given back: every pattern stays linear in the
        // text's length ("a.a.a.a…" thousands long once took the check minutes).
        // ("%" is left out: "jane.smith%40gmail.com" has its at-sign written as "%40".)
        let local64 = #"[a-z0-9._+-]{1,64}+"#
        // x@y.z, x (at) y [dot] z, x[@]y.z, and a handle alone ("@jo_smith"): the local part may be cut off by
        // punctuation, or left out, and the domain may stop at its name ("jo@gmail").
        rules.append(
            Rule(
                kind: .email, regex: regex(#"(?:"# + local64 + #"[ ,;:]{0,2})?"# + at + " ?" + label + #"(?: ?"# + dot + " ?" + label + #")*"#),
                needs: .at))
        rules.append(
            Rule(
                kind: .email,
                regex: regex(#"(?:"# + local64 + #"[ ,;:]{0,3})?"# + spelledAtWord + "[ ,;:]{0,3}" + label + #"(?: ?"# + dot + " ?" + label + #")*"#))
        )
        // Spelled out, x at y dot z: any last label after "dot" or "."; after "full stop", "point" or "period" only
        // a real domain; and "at" a mail provider of the gazetteer with no domain at all ("jo at gmail").
        let dotWords = "(?:dot|punto|punkt|ponto|kropka)"
        // (Spaces around a bracketed dot, never around a bare full stop: "at home. Then" is a sentence.)
        let bracketedDot = open + " ?(?:dot|\\.|d) ?" + close
        let spelledDot = #"(?:[ ,;]{1,3}"# + dotWords + #"[ ,;]{1,3}|[ ,;]{0,3}"# + bracketedDot + #"[ ,;]{0,3}|\.)"#
        let spelledStop = #"[ ,;]{1,3}(?:dot|full stop|point|period|punto|punkt|ponto|kropka)[ ,;]{1,3}"#
        let local = #"(?<![a-z0-9])"# + local64 + #"[ ,;.]{1,3}at[ ,;]{1,3}"#
        // (The local part may be left out, or cut off: ". at example dot org".)
        rules.append(
            Rule(
                kind: .email,
                regex: regex(#"(?<![a-z0-9])(?:"# + local64 + #"[ ,;.]{1,3})?at[ ,;]{1,3}"# + label + #"(?:"# + spelledDot + label + #")+"#),
                needs: .spelledAt))
        rules.append(
            Rule(
                kind: .email,
                regex: regex(
                    local + label + #"(?:"# + spelledStop + label + #")*?"#
                        + spelledStop + #"(?:"# + Self.topLevelDomains.joined(separator: "|") + #")(?![a-z])"#), needs: .spelledAt))
        // A web address, with what follows its domain (a profile: "instagram.com/jane", "wa.me/4477…"): the slash
        // is a space by now, so the word after it goes too.
        // (Any two letters end a domain: every country has one.)
        rules.append(
            Rule(
                kind: .email,
                regex: regex(
                    #"(?<![a-z0-9@.-])(?:(?:https?|ftp) ?: ?)?(?:www\.)?[a-z0-9-]{1,63}+(?:\.[a-z0-9-]{1,63}+){0,8}\.(?:"#
                        + Self.topLevelDomains.joined(separator: "|") + #"|[a-z]{2})(?![a-z0-9])(?: [a-z0-9][a-z0-9.]*)?"#)))
        // The same with its dot spelled, bracketed or spaced ("instagram dot com slash jane", "x[.]com / jane").
        let webDot = #"(?: ?"# + bracketedDot + #" ?| \. |[ ,;]{1,3}"# + dotWords + #"[ ,;]{1,3})"#
        rules.append(
            Rule(
                kind: .email,
                regex: regex(
                    #"(?<![a-z0-9@.-])[a-z0-9-]{1,63}+(?:"# + webDot + #"[a-z0-9-]{1,63}+){0,8}"# + webDot + "(?:"
                        + Self.topLevelDomains.joined(separator: "|") + #")(?![a-z0-9])(?:(?: slash)? [a-z0-9][a-z0-9.]{0,63})?"#)))
        // Places written as codes: what3words ("///filled.count.soap"), plus codes ("9C5VC4X7+XX"), coordinates.
        rules.append(Rule(kind: .address, regex: regex(#"(?<![a-z0-9.])[a-z]{2,24}+\.[a-z]{2,24}+\.[a-z]{2,24}+(?![a-z0-9.])"#)))
        rules.append(Rule(kind: .address, regex: regex(#"(?<![a-z0-9])[2-9cfghjmpqrvwx]{4,8}\+[2-9cfghjmpqrvwx]{0,3}(?![a-z0-9])"#), needs: .digit))
        rules.append(
            Rule(
                kind: .address,
                regex: regex(
                    #"(?<![0-9])-?[0-9]{1,3}\.[0-9]+ ?(?:°|deg(?:rees)?)? ?[nsew]?(?:[ ,;]+-?[0-9]{1,3}\.[0-9]+ ?(?:°|deg(?:rees)?)? ?[nsew]?)?(?![a-z0-9])"#
                ), needs: .digit))
        if !gazetteer.socialPlatforms.isEmpty {
            // A handle named by its platform ("on Instagram as jane.smith.x", "snapchat: jane_x"): the platform and
            // the words after it that can be a handle go.
            rules.append(
                Rule(
                    kind: .email,
                    regex: regex(
                        #"(?<![a-z])(?:"# + alternatives(gazetteer.socialPlatforms)
                            + #")(?![a-z])(?:[ ,:;]{1,3}(?:as|is|at|name|handle|username|user|account|called|id|on)){0,2}[ ,:;@]{1,3}[a-z0-9._-]{2,40}+"#
                    )))
        }
        if !gazetteer.mailProviders.isEmpty {
            // A local part and a provider's domain without any at ("jane.smith gmail.com"), or the domain alone.
            rules.append(
                Rule(
                    kind: .email,
                    regex: regex(
                        #"(?<![^ ,;:])(?:"# + local64 + #"[ ,;:]{1,3})?(?:"#
                            + alternatives(gazetteer.mailProviders) + #") ?(?:\.|dot) ?[a-z]{2,}(?: ?(?:\.|dot) ?[a-z]{2,})*(?![a-z])"#)))
            rules.append(
                Rule(
                    kind: .email,
                    regex: regex(
                        #"(?<![a-z0-9])(?:"# + local64 + #"[ ,;]{1,3})?(?:at|"# + spelledAtWord + #")[ ,;]{1,3}(?:"#
                            + alternatives(gazetteer.mailProviders) + #")(?![a-z])"#), needs: .spelledAt))
        }
        // Postcodes, written together, spaced out, or as the district alone ("M14", "LE5").
        rules.append(
            Rule(kind: .postcode, regex: regex(#"(?<![a-z0-9])[a-z]{1,2}[0-9][a-z0-9]?[ ,;:.-]{0,2}[0-9] ?[a-z] ?[a-z](?![a-z0-9])"#), needs: .digit))
        rules.append(
            Rule(
                kind: .postcode,
                regex: regex(
                    #"(?<![a-z0-9])[a-z](?:[ ,]{1,2}[a-z])?[ ,]{1,2}[0-9](?:[ ,]{1,2}[a-z0-9])?[ ,]{1,2}[0-9][ ,]{1,2}[a-z][ ,]{1,2}[a-z](?![a-z0-9])"#
                ), needs: .digit))
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
            rules.append(
                Rule(
                    kind: .address,
                    regex: regex(
                        #"(?<![a-z0-9])(?:(?:flat|apartment|apt|unit|house|no|number) ?)?[0-9]{1,4}[a-z]?(?:[ ,.]+[0-9]{1,4}[a-z]?)?[ ,.]+(?:[a-z'’]+[ ,.]+){0,3}?[a-z'’]+[ ,.]+(?:"#
                            + anyStreetWord + #")(?![a-z])\.?"#), needs: .digit))
        }
        if !streetWords.isEmpty {
            // A name and a street word that is nothing else: "elm road", "Mill Lane" (not "the road").
            // With capitals, after an ordinary word too: "High Street", "Back Lane", "Main Road".
            rules.append(
                Rule(
                    kind: .address, regex: overlapping(#"(?<![a-z'’])([a-z'’]{2,})[ ,]{1,2}(?:"# + streetWords + #")(?![a-z])\.?"#),
                    accept: { whole, first, units, capitalised in
                        let before = Self.text(units, first)
                        return !Self.ordinaryWords.contains(before) || (before != "the" && capitalised(whole.location..<NSMaxRange(whole)))
                    }, refusedInNames: false))
        }
        if !ambiguous.isEmpty {
            // A street word that is also an ordinary word counts after any word that is not an ordinary one ("elm
            // close", not "stay close"), and always when both are written with capitals ("The Close" aside).
            // (Someone's house or place is not a street: "his brother's house", "a friend's place".)
            rules.append(
                Rule(
                    kind: .address, regex: overlapping(#"(?<![a-z'’])([a-z'’]{2,})[ ,]{1,2}(?:"# + ambiguous + #")(?![a-z])"#),
                    accept: { whole, first, units, capitalised in
                        let before = Self.text(units, first)
                        let ordinary =
                            Self.ordinaryWords.contains(before) || before.hasSuffix("'s") || before.hasSuffix("’s") || before.hasSuffix("s'")
                        return !ordinary || (before != "the" && capitalised(whole.location..<NSMaxRange(whole)))
                    }, refusedInNames: false))
        }
        for (kind, list) in [(DisclosureKind.place, gazetteer.places), (.address, gazetteer.streets), (.school, gazetteer.schools)]
        where !list.isEmpty {
            // With a plural or a possessive too: "the Salfords", "Oldham's".
            rules.append(Rule(kind: kind, regex: regex(#"(?<![a-z])(?:"# + alternatives(list) + #")(?:['’]?s)?(?![a-z])"#), refusedInNames: false))
        }
        // Long one-word places (seven letters or more) misspelt by a letter (two, for ten letters or more): "Leicestr", "Manchestre".
        misspellable = gazetteer.places.map { NormalisedText($0).string }.filter { $0.count >= 7 && $0.allSatisfy({ $0 >= "a" && $0 <= "z" }) }.map {
            Array($0.utf16)
        }
        gluedPlaces = Set(
            (gazetteer.places + gazetteer.streets).map { NormalisedText($0).string.filter { $0 >= "a" && $0 <= "z" } }.filter { $0.count >= 6 })
        misspellableLetters = misspellable.map { place in
            var letters = [Int8](repeating: 0, count: 26)
            for u in place { letters[Int(u) - 0x61] &+= 1 }
            return letters
        }
        // Saints' names are schools and churches: "St Mary's", "saint annes".
        rules.append(Rule(kind: .school, regex: regex(#"(?<![a-z0-9])(?:st|saint)[ ,.]{1,3}[a-z]+(?:['’]?s)?(?![a-z])"#), refusedInNames: false))
        // A school named by what it is: "Quenby Primary", "Hill Academy", "St Mark's CE Infant School".
        rules.append(
            Rule(
                kind: .school,
                regex: overlapping(
                    #"(?<![a-z])([a-z'’]{2,})[ ,]{1,2}(?:(?:c of e|ce|rc|church of england|catholic|community|junior and infant|infant and junior|methodist|free|prep|preparatory) )?(?:primary|infants?|juniors?|academy|college|university|nursery|school|high school|high|grammar|pre[ -]?school|sixth form|secondary|kindergarten|playgroup|play group|montessori|creche|crèche|prep|preschool|children'?s centre)(?![a-z])"#
                ),
                accept: { whole, first, units, capitalised in
                    !Self.ordinaryWords.contains(Self.text(units, first)) || capitalised(whole.location..<NSMaxRange(whole))
                }, refusedInNames: false))
        // Each term searched on its own, and only in a text whose letters hold its letters (one alternation of every
        // term, tried at every character, was most of the check's time).
        terms = sensitiveTerms.map { t in
            let normalised = NormalisedText(t).string
            let letters = normalised.filter { $0.isLetter || $0.isNumber }
            let core = Array((letters.hasSuffix("y") ? String(letters.dropLast()) : letters).utf16)
            return Term(
                core: core, pattern: regex(Self.termPattern(normalised)),
                glued: letters.count >= 4 ? regex(NSRegularExpression.escapedPattern(for: letters)) : nil)
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
        if !onlyNumbers, !misspellable.isEmpty { out += misspelt(in: units) }
        if !onlyNumbers, !terms.isEmpty {
            let letters = units.filter { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
            let present = Trigrams(letters)
            for term in terms where present.mayContain(term.core) && Self.contains(letters, term.core) {
                for m in term.pattern.matches(in: string, range: whole) {
                    let r = m.range.location..<NSMaxRange(m.range)
                    out.append(Finding(kind: .sensitiveTerm, range: r, wholeWords: Self.standsAlone(r, in: units)))
                }
            }
        }
        for rule in rules where (!onlyNumbers || rule.kind == .phone) && has.isSuperset(of: rule.needs) {
            func add(_ m: NSRange) {
                let r = m.location..<NSMaxRange(m)
                out.append(
                    Finding(
                        kind: rule.kind, range: r, wholeWords: Self.standsAlone(r, in: units),
                        refusedInNames: rule.refusedInNames && rule.kind.refusedInNames))
            }
            guard let accept = rule.accept else {
                for m in rule.regex.matches(in: string, range: whole) { add(m.range) }
                continue
            }
            for m in rule.regex.matches(in: string, range: whole) where accept(m.range(at: 1), m.range(at: 2), units, capitalised) {
                add(m.range(at: 1))
            }
        }
        return out
    }

    /// The gazetteer's long places written with a letter wrong, missing, extra or swapped (two for ten letters or
    /// more): each word of the text near enough in length is measured against each place.
    func misspelt(in units: [UInt16]) -> [Finding] {
        var out: [Finding] = []
        var k = 0
        while k < units.count {
            guard units[k] >= 0x61 && units[k] <= 0x7A else {
                k += 1
                continue
            }
            var end = k
            while end < units.count, units[end] >= 0x61 && units[end] <= 0x7A { end += 1 }
            let word = Array(units[k..<end])
            if word.count >= 6 {
                var letters = [Int8](repeating: 0, count: 26)
                for u in word { letters[Int(u) - 0x61] &+= 1 }
                for (place, placeLetters) in zip(misspellable, misspellableLetters) where abs(place.count - word.count) <= 2 {
                    let allowed = place.count >= 10 ? 2 : 1
                    // The letters one has and the other lacks bound the distance from below (cheap, and most words
                    // are turned down by it).
                    var more = 0
                    var fewer = 0
                    for i in 0..<26 {
                        let d = Int(letters[i]) - Int(placeLetters[i])
                        if d > 0 { more += d } else { fewer -= d }
                    }
                    if max(more, fewer) > allowed { continue }
                    if word != place, Self.editDistance(word, place, atMost: allowed) <= allowed {
                        out.append(Finding(kind: .place, range: k..<end, wholeWords: true, refusedInNames: false))
                        break
                    }
                }
            }
            k = end
        }
        return out
    }

    /// The optimal-string-alignment distance between two words (a swap of neighbours counts one), or more than
    /// `limit` once it is sure to be.
    static func editDistance(_ a: [UInt16], _ b: [UInt16], atMost limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, previous2[j - 2] + 1) }
                current[j] = d
                rowMin = min(rowMin, d)
            }
            if rowMin > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// Sensitive terms in free text with everything but letters and digits removed (offsets in `units`).
    func findSquashedTerms(_ units: [UInt16]) -> [Finding] {
        let present = Trigrams(units)
        var string: String?
        var out: [Finding] = []
        for term in terms where term.glued != nil && present.mayContain(term.core) && Self.contains(units, term.core) {
            let s = string ?? String(decoding: units, as: UTF16.self)
            string = s
            for m in term.glued!.matches(in: s, range: NSRange(location: 0, length: units.count)) {
                out.append(Finding(kind: .sensitiveTerm, range: m.range.location..<NSMaxRange(m.range), wholeWords: false))
            }
        }
        return out
    }

    /// The runs of three characters a text has, for turning down at once the terms it cannot hold.
    struct Trigrams {
        private var seen: Set<UInt64> = []
        init(_ units: [UInt16]) {
            guard units.count >= 3 else { return }
            seen.reserveCapacity(units.count)
            for i in 0...(units.count - 3) { seen.insert(Self.key(units, i)) }
        }
        static func key(_ u: [UInt16], _ i: Int) -> UInt64 { UInt64(u[i]) << 32 | UInt64(u[i + 1]) << 16 | UInt64(u[i + 2]) }
        /// False when `needle` certainly does not occur; true when it may.
        func mayContain(_ needle: [UInt16]) -> Bool {
            guard needle.count >= 3 else { return true }
            for i in 0...(needle.count - 3) where !seen.contains(Self.key(needle, i)) { return false }
            return true
        }
    }

    /// The gazetteer's places written in pieces: a run of two to five words, starting and ending at word
    /// boundaries, whose letters together are a place ("stock port"). Offsets in `units` (normalised text).
    func findPlacesInPieces(_ units: [UInt16]) -> [Finding] {
        guard !gluedPlaces.isEmpty else { return [] }
        func isLetter(_ u: UInt16) -> Bool { u >= 0x61 && u <= 0x7A }
        var starts: [Int] = []
        var k = 0
        while k < units.count {
            if isLetter(units[k]), k == 0 || !isLetter(units[k - 1]) { starts.append(k) }
            k += 1
        }
        var out: [Finding] = []
        for start in starts {
            var letters: [UInt16] = []
            var words = 0
            var i = start
            while i < units.count, words < 5, letters.count <= 24 {
                // One word, then what separates it from the next (a space, a hyphen, a line break: one or two).
                while i < units.count, isLetter(units[i]) {
                    letters.append(units[i])
                    i += 1
                }
                words += 1
                if words >= 2, letters.count >= 6, gluedPlaces.contains(String(decoding: letters, as: UTF16.self)) {
                    out.append(Finding(kind: .place, range: start..<i, wholeWords: true, refusedInNames: false))
                }
                var gap = 0
                while i < units.count, gap < 2, units[i] == 0x20 || units[i] == 0x2D {
                    i += 1
                    gap += 1
                }
                if gap == 0 || i >= units.count || !isLetter(units[i]) { break }
            }
        }
        return out
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
        guard units.contains(where: { $0 == 0x40 || Needs.opening.contains($0) }) else { return [] }
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
