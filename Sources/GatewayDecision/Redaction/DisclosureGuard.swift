import Contracts
import Foundation

/// The last layer of minimisation toward a recipient that must never learn where anyone is: every string of the
/// message that can carry words (its free text, and the names and job titles the contract's types allow) is read
/// normalised and **joined together**, so that an address, a number or a term split across two fields or lines is
/// found as one, and every part of it that would be delivered is removed. Strings the recipient will not receive
/// are read too, as context: half a phone number in a withheld field makes the other half in a delivered one a
/// phone number.
///
/// What is found in delivered free text is replaced by `[removed]` (a sensitive term takes its whole sentence).
/// What is found in a delivered name or job title cannot be cleaned there, and was put there on purpose (those
/// types admit no digits or symbols): the message is refused (`forbidden-content`) rather than delivered.
public struct DisclosureGuard: Sendable {
    /// What replaces each removed part of a text.
    public static let marker = "[removed]"

    let finder: DisclosureFinder
    /// The most characters it reads in one message (`SharingPolicy.maxCheckedTextCharacters`).
    let readLimit: Int

    /// `sensitiveTerms`: words whose sentence is removed; `gazetteer`: the area's places, streets and schools;
    /// `readLimit`: the most characters of text one message may hold for it.
    public init(gazetteer: Gazetteer = .empty, sensitiveTerms: [String] = [], readLimit: Int = 16_384) {
        finder = DisclosureFinder(gazetteer: gazetteer, sensitiveTerms: sensitiveTerms)
        self.readLimit = readLimit
    }

    /// A checked body and the names (never the values) of what was removed.
    public struct Checked: Sendable {
        /// The body with what was found in delivered free text replaced by `[removed]`.
        public var body: JSONValue
        /// Names (never values) of what was removed, for the audit log.
        public var removed: [String]
    }

    /// One string the check reads: where it is, whether it is free text (cleanable) or a name-like field, and
    /// whether the recipient receives it (only context otherwise).
    struct Segment {
        var path: String
        var text: [Character]
        var isFreeText: Bool
        var isDelivered = true
        /// Where its characters start in the joined text.
        var start: Int
    }

    /// Checks a body's strings at `freeText` (cleaned) and `words` (names, job titles: refused if they hold a
    /// disclosure) together. `delivered` says which paths the recipient receives (the others are context, never
    /// changed); `recipient` names who the refusal protects.
    public func check(
        _ body: JSONValue, freeText: PathSet, words: PathSet, limits: [String: Int] = [:],
        delivered: (String) -> Bool = { _ in true }, recipient: PartyID
    ) throws(Refusal) -> Checked {
        var segments: [Segment] = []
        var offset = 0
        Self.collect(body, freeText: freeText, words: words, path: "") { path, text, isFree in
            let chars = Array(text)
            segments.append(Segment(path: path, text: chars, isFreeText: isFree, isDelivered: delivered(path), start: offset))
            offset += chars.count + 1  // the line break that joins it to the next
        }
        guard !segments.isEmpty else { return Checked(body: body, removed: []) }
        // Reading costs more than the text's length (each string in several readings, beside the others): a
        // message holding more than the check may read is refused before it is read (a referral naming thousands
        // of children once held the check up for seconds).
        let characters = segments.reduce(0) { $0 + $1.text.count }
        guard characters <= readLimit else {
            throw Refusal(
                .oversized,
                "its text is \(characters) characters; toward \(recipient) the gateway reads at most \(readLimit) in one message: send the referral with less text (long notes, fewer people)"
            )
        }
        // Each string is also read beside each delivered one: their number is bounded too.
        guard segments.count <= readLimit / 16 else {
            throw Refusal(
                .oversized,
                "it holds \(segments.count) strings; toward \(recipient) the gateway reads at most \(readLimit / 16) in one message: send the referral with fewer people or items"
            )
        }
        let removals = try removals(in: segments, recipient: recipient)
        guard !removals.isEmpty else { return Checked(body: body, removed: []) }

        var notes: [String] = []
        var cleaned: [Int: String] = [:]
        for (index, found) in removals {
            let segment = segments[index]
            var text = Self.replace(found.map(\.range), in: segment.text)
            // The marker can be longer than what it replaces: the text stays within its field's length.
            if let limit = limits[segment.path], text.unicodeScalars.count > limit {
                text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit - 1))) + "…"
            }
            cleaned[index] = text
            for kind in DisclosureKind.allCases where found.contains(where: { $0.kind == kind }) {
                let note = "\(segment.path) (\(kind.rawValue) removed from text)"
                if !notes.contains(note) { notes.append(note) }
            }
        }
        var next = 0
        let out = Self.rewrite(body, freeText: freeText, words: words) { text in
            defer { next += 1 }
            return cleaned[next] ?? text
        }
        return Checked(body: out, removed: notes)
    }

    /// One text on its own, as free text: the cleaned text and the kinds found (for tests and the masked view).
    public func scrub(_ text: String) -> (String, [DisclosureKind]) {
        let segment = Segment(path: "text", text: Array(text), isFreeText: true, start: 0)
        guard let found = (try? removals(in: [segment], recipient: .gateway))?[0] else { return (text, []) }
        let kinds = DisclosureKind.allCases.filter { k in found.contains { $0.kind == k } }
        return (Self.replace(found.map(\.range), in: segment.text), kinds)
    }

    /// A part of one segment to remove.
    struct Removal {
        var kind: DisclosureKind
        var range: Range<Int>
    }

    /// A finding, cut into its parts in each segment.
    struct Found {
        var kind: DisclosureKind
        var pieces: [(segment: Int, range: Range<Int>)]
        /// Refuses the message when a name holds its first or last part.
        var refusedInNames: Bool
        /// Found with the text's spaces and punctuation gone: it counts in a name only when it also reaches free text.
        var squashed = false
        /// Where the part that makes it what it is begins (an email's at-sign: a local part alone in a name is
        /// only a name), as a segment and an offset in it.
        var core: (segment: Int, offset: Int)? = nil
    }

    /// What to remove from each delivered free-text segment (by index); throws when a delivered name-like segment
    /// holds a disclosure.
    ///
    /// The segments are read all joined in document order, and, since a writer chooses the order of the fields,
    /// also two at a time in either order (a number begun in the family name and ended in the free text).
    func removals(in segments: [Segment], recipient: PartyID) throws(Refusal) -> [Int: [Removal]] {
        let whole = [segments.indices.map { ($0, 0..<segments[$0].text.count) }]
        // Two at a time, only where they meet: the end of one and the start of the other (what lies wholly in one is
        // found by the first reading; nothing the check finds is longer than `Self.reach`). Every delivered field
        // beside every other delivered field and every field of free text it does not follow in the document.
        var pairs: [[(Int, Range<Int>)]] = []
        for i in segments.indices {
            for j in segments.indices
            where i != j && j != i + 1 && (segments[i].isDelivered || segments[j].isDelivered)
                && (segments[i].isDelivered || segments[i].isFreeText) && (segments[j].isDelivered || segments[j].isFreeText)
            {
                let a = segments[i].text.count
                let b = segments[j].text.count
                pairs.append([(i, max(0, a - Self.reach)..<a), (j, 0..<min(b, Self.reach))])
            }
        }
        // Each field normalised once (and once more reading letters as digits, where it has digits).
        let plain = segments.map { NormalisedText(String($0.text)) }
        // Some characters read as many ("ﷺ" is eighteen letters, "…" three dots): the bound holds for what is read.
        let readLength = plain.reduce(0) { $0 + $1.units.count }
        guard readLength <= 2 * readLimit else {
            throw Refusal(
                .oversized,
                "its text reads as \(readLength) characters; toward \(recipient) the gateway reads at most \(2 * readLimit) in one message: send the referral with less text"
            )
        }
        let digits = segments.indices.map { i in
            plain[i].units.contains(where: Self.isDigit) ? NormalisedText(String(segments[i].text), reading: .digitLookalikes) : plain[i]
        }
        let disguised = segments.map { NormalisedText(String($0.text), reading: .disguised) }
        // (Only where digits or symbols could stand for letters.)
        let mayBeLeet = segments.indices.map { i in
            disguised[i].units.contains(where: Self.isDigit)
                || segments[i].text.contains { c in c.unicodeScalars.contains { NormalisedText.symbolLetters[Character($0)] != nil } }
        }
        let leet = segments.indices.map { mayBeLeet[$0] ? NormalisedText(String(segments[$0].text), reading: .leet) : disguised[$0] }
        let leetOther = segments.indices.map { mayBeLeet[$0] ? NormalisedText(String(segments[$0].text), reading: .leetOther) : disguised[$0] }
        // The name fields of one person in every order (as a recipient may show them: "Re" "Fu" "Ge").
        for group in Self.nameGroups(segments) {
            for order in Self.permutations(group) where order != group {
                pairs.append(order.map { ($0, 0..<segments[$0].text.count) })
            }
        }
        var found = read(whole, of: segments, plain: plain, digits: digits, disguised: [disguised, leet, leetOther])
        if !pairs.isEmpty { found += read(pairs, of: segments, plain: plain, digits: digits, disguised: [disguised, leet, leetOther]) }
        found += concealed(in: segments)
        found += numbersOverBudget(in: segments, readings: [digits, disguised, leet, leetOther])
        // Names hold no numbers: three digits in the delivered names of one message, however written ("Oh Seven
        // Seven", "Jo Nine"), are a number put there on purpose.
        let digitsInNames = segments.indices.filter { segments[$0].isDelivered && !segments[$0].isFreeText }
            .reduce(0) { sum, i in sum + [digits[i], disguised[i]].map { $0.units.filter(Self.isDigit).count }.max()! }
        // (The field named is the first whose plain reading holds a digit, already read above.)
        if digitsInNames >= 3,
            let first = segments.indices.first(where: {
                segments[$0].isDelivered && !segments[$0].isFreeText && plain[$0].units.contains(where: Self.isDigit)
            }).map({ segments[$0] })
                ?? segments.first(where: { $0.isDelivered && !$0.isFreeText })
        {
            throw Refusal(
                .forbiddenContent,
                "numbers were found in names (\(first.path)), fields that cannot be cleaned: \(recipient) may never receive one, so the message is not delivered; write names and titles as they are"
            )
        }

        var out: [Int: [Removal]] = [:]
        // What names may hold honestly on its own ("Mark Lane", "Preston"): together, a street and a place or a
        // second street in the names of one message is an address written where it cannot be cleaned.
        var inNamesAlone: [(kind: DisclosureKind, pieces: [(segment: Int, range: Range<Int>)])] = []
        for f in found {
            let delivered = f.pieces.filter { segments[$0.segment].isDelivered }
            let inNames = delivered.filter { !segments[$0.segment].isFreeText }
            if !inNames.isEmpty, !f.pieces.isEmpty {
                // A name that only holds an email's local part holds no address.
                let coreIndex = f.core.flatMap { core in f.pieces.firstIndex { $0.segment == core.segment && $0.range.contains(core.offset) } }
                let beforeCore = { (p: (segment: Int, range: Range<Int>)) -> Bool in
                    guard let coreIndex, let k = f.pieces.firstIndex(where: { $0.segment == p.segment && $0.range == p.range }) else { return false }
                    return k < coreIndex
                }
                // An email's local part or a label of its domain in a name is a name; the "at" or a "dot" is not.
                // So is a domain ("Gmail.com", "Fb.me"): no one's name ends in a top-level domain.
                let holdsItsSigns = { (p: (segment: Int, range: Range<Int>)) -> Bool in
                    let text = NormalisedText(String(segments[p.segment].text[p.range])).string
                    let words = text.split(separator: " ")
                    if words.contains("at") || words.contains("dot") || words.contains("arroba") || text.contains("@") { return true }
                    return words.contains { word in
                        guard let dot = word.lastIndex(of: "."), dot != word.startIndex else { return false }
                        return DisclosureFinder.topLevelDomains.contains(String(word[word.index(after: dot)...]))
                    }
                }
                if f.kind == .email, !inNames.contains(where: holdsItsSigns) {
                    for (index, piece) in delivered where segments[index].isFreeText {
                        out[index, default: []].append(Removal(kind: f.kind, range: piece))
                    }
                    continue
                }
                if f.kind == .email, coreIndex != nil, inNames.allSatisfy(beforeCore) {
                    for (index, piece) in delivered where segments[index].isFreeText {
                        out[index, default: []].append(Removal(kind: f.kind, range: piece))
                    }
                    continue
                }
                let first = f.pieces.first!
                let last = f.pieces.last!
                // A term squashed out of names alone refuses only when it is long and made of whole fields ("Re"
                // "Fu" "Ge"): names run together hold short terms by chance ("Ida Vance").
                let wholeFields = f.pieces.allSatisfy { p in
                    let text = segments[p.segment].text
                    return text[..<p.range.lowerBound].allSatisfy { !$0.isLetter } && text[p.range.upperBound...].allSatisfy { !$0.isLetter }
                }
                let termLetters = f.pieces.reduce(0) { $0 + segments[$1.segment].text[$1.range].filter(\.isLetter).count }
                let refuses =
                    f.squashed
                    ? f.pieces.contains { segments[$0.segment].isFreeText && segments[$0.segment].isDelivered }
                        || (f.kind == .sensitiveTerm && inNames.count == f.pieces.count && f.pieces.count >= 2 && wholeFields && termLetters >= 6)
                    : f.refusedInNames
                        && (f.kind == .sensitiveTerm || inNames.contains { $0.segment == first.segment && $0.range == first.range }
                            || inNames.contains { $0.segment == last.segment && $0.range == last.range })
                if refuses {
                    let segment = segments[inNames[0].segment]
                    throw Refusal(
                        .forbiddenContent,
                        "a \(f.kind.rawValue) was found in \(segment.path), a field that cannot be cleaned: \(recipient) may never receive one, so the message is not delivered; write names and titles as they are"
                    )
                }
                if [DisclosureKind.address, .place, .school].contains(f.kind), inNames.count == f.pieces.count {
                    inNamesAlone.append((f.kind, inNames))
                }
            }
            for (index, piece) in delivered where segments[index].isFreeText {
                let removal = f.kind == .sensitiveTerm ? Self.sentence(around: piece, in: segments[index].text) : piece
                out[index, default: []].append(Removal(kind: f.kind, range: removal))
            }
        }
        let streets = inNamesAlone.filter { $0.kind == .address }
        for street in streets {
            let apart = inNamesAlone.contains { other in
                !other.pieces.contains { p in street.pieces.contains { $0.segment == p.segment && $0.range.overlaps(p.range) } }
            }
            if apart {
                let segment = segments[street.pieces[0].segment]
                throw Refusal(
                    .forbiddenContent,
                    "a street and a place were found in names (\(segment.path)), fields that cannot be cleaned: \(recipient) may never receive an address, so the message is not delivered; write names and titles as they are"
                )
            }
        }
        return out
    }

    /// How far an item the check finds can reach: the part of each field two fields are read together by.
    static let reach = 64
    /// What keeps two groups of a reading apart: four characters no rule lets an item run through (a digit run
    /// allows three between its digits; every other rule, spaces and a little punctuation).
    static let hardBreak = "####\n"

    /// Everything found in `groups` of parts of segments (a segment and a window of it): the parts of a group
    /// joined by line breaks, groups apart by a break nothing the check finds can cross, all read at once (one
    /// search for every arrangement). Pieces are given in the segments' own offsets.
    func read(
        _ groups: [[(Int, Range<Int>)]], of all: [Segment], plain: [NormalisedText], digits: [NormalisedText],
        disguised readings: [[NormalisedText]]
    ) -> [Found] {
        var joined: [Character] = []
        var segments: [Segment] = []
        var order: [(Int, Range<Int>)] = []
        var group: [Int] = []
        var parts: [(text: NormalisedText, window: Range<Int>, start: Int, hardBreak: Bool)] = []
        var digitParts: [(text: NormalisedText, window: Range<Int>, start: Int, hardBreak: Bool)] = []
        var disguisedParts: [[(text: NormalisedText, window: Range<Int>, start: Int, hardBreak: Bool)]] = readings.map { _ in [] }
        for (g, members) in groups.enumerated() {
            for (k, (i, window)) in members.enumerated() {
                var s = all[i]
                s.text = Array(all[i].text[window])
                s.start = joined.count
                let last = k == members.count - 1
                parts.append((plain[i], window, s.start, last))
                digitParts.append((digits[i], window, s.start, last))
                for r in readings.indices { disguisedParts[r].append((readings[r][i], window, s.start, last)) }
                segments.append(s)
                order.append((i, window))
                group.append(g)
                joined += s.text
                joined.append("\n")
                if last { joined += Array(Self.hardBreak) }
            }
        }
        func pieces(_ r: Range<Int>) -> [(segment: Int, range: Range<Int>)] {
            self.pieces(of: r, in: segments).map { k, local in
                let window = order[k].1
                return (order[k].0, (local.lowerBound + window.lowerBound)..<(local.upperBound + window.lowerBound))
            }
        }
        let normalised = NormalisedText(joining: parts)
        func capitalised(_ r: Range<Int>, in text: NormalisedText) -> Bool {
            let original = text.originalRange(r.lowerBound, r.upperBound)
            let words = String(joined[original.clamped(to: 0..<joined.count)]).split { !$0.isLetter }
            return words.count >= 2 && words.allSatisfy { $0.first?.isUppercase == true }
        }
        var found: [Found] = finder.find(in: normalised, capitalised: { capitalised($0, in: normalised) }).map { f in
            var core: (segment: Int, offset: Int)?
            if f.kind == .email {
                // The at-sign, or the "at" between spaces, in the normalised text; then where it came from.
                let units = normalised.units
                if let at = f.range.first(where: {
                    units[$0] == 0x40 || (DisclosureFinder.Needs.opening.contains(units[$0]) && $0 + 1 < units.count && units[$0 + 1] == 0x61)
                })
                    ?? f.range.first(where: {
                        $0 > 0 && $0 + 2 < units.count && units[$0 - 1] == 0x20 && units[$0] == 0x61 && units[$0 + 1] == 0x74 && units[$0 + 2] == 0x20
                    })
                {
                    let original = normalised.originalRange(at, at + 1)
                    core = pieces(original).first.map { ($0.segment, $0.range.lowerBound) }
                }
            }
            return Found(
                kind: f.kind, pieces: pieces(normalised.originalRange(f.range.lowerBound, f.range.upperBound)),
                refusedInNames: f.refusedInNames && (f.wholeWords || f.kind == .sensitiveTerm), core: core)
        }
        // Digits written as letters ("O77OO 9OO123") are numbers too.
        // (Only where there are digits: a token is read as digits only with two real ones in it.)
        let digitsRead = order.contains(where: { digits[$0.0] != plain[$0.0] }) ? NormalisedText(joining: digitParts) : normalised
        if digitsRead.units != normalised.units {
            found += finder.find(in: digitsRead, onlyNumbers: true, capitalised: { _ in false }).map {
                Found(
                    kind: $0.kind, pieces: pieces(digitsRead.originalRange($0.range.lowerBound, $0.range.upperBound)),
                    refusedInNames: $0.refusedInNames && $0.wholeWords)
            }
        }
        // Places written in pieces ("Stock port", "Old ham"), in the plain reading and the disguised ones.
        for f in finder.findPlacesInPieces(normalised.units) {
            found.append(Found(kind: f.kind, pieces: pieces(normalised.originalRange(f.range.lowerBound, f.range.upperBound)), refusedInNames: false))
        }
        // Disguised writing read for what it spells: "L e i c e s t e r", "r3fuge", "ElmRoad", "Манчестер".
        for (r, disguised) in readings.enumerated() where order.contains(where: { disguised[$0.0] != plain[$0.0] }) {
            let disguisedRead = NormalisedText(joining: disguisedParts[r])
            if disguisedRead.units != normalised.units {
                found +=
                    (finder.find(in: disguisedRead, capitalised: { capitalised($0, in: disguisedRead) })
                    + finder.findPlacesInPieces(disguisedRead.units)).map {
                        Found(
                            kind: $0.kind, pieces: pieces(disguisedRead.originalRange($0.range.lowerBound, $0.range.upperBound)),
                            refusedInNames: $0.refusedInNames && ($0.wholeWords || $0.kind == .sensitiveTerm))
                    }
            }
        }
        // Again with what lies between letters gone: "safe house", "refu\nge", "M.A.R.A.C." for the terms (free text
        // and delivered names); with only the spaces of free text gone, "jo @ exa mple . org" for emails.
        func squash(names: Bool, keeping keep: (UInt16) -> Bool) -> (units: [UInt16], at: [Int]) {
            var units: [UInt16] = []
            var at: [Int] = []
            var lastGroup = -1
            for (i, u) in normalised.units.enumerated() where keep(u) {
                guard let s = segmentIndex(of: normalised.origin[i].lowerBound, in: segments),
                    segments[s].isFreeText || (names && segments[s].isDelivered)
                else { continue }
                if group[s] != lastGroup, lastGroup >= 0 {
                    // Groups stay apart with their spaces gone too.
                    units.append(0x23)
                    at.append(i)
                }
                lastGroup = group[s]
                units.append(u)
                at.append(i)
            }
            return (units, at)
        }
        let letters = squash(names: true) { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 >= 0x80 }
        for f in finder.findSquashedTerms(letters.units) where !f.range.isEmpty {
            found.append(
                Found(
                    kind: f.kind, pieces: pieces(normalised.originalRange(letters.at[f.range.lowerBound], letters.at[f.range.upperBound - 1] + 1)),
                    refusedInNames: true, squashed: true))
        }
        let alphanumerics = squash(names: false) { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
        func isWordUnit(_ i: Int) -> Bool {
            i >= 0 && i < normalised.units.count
                && ((normalised.units[i] >= 0x61 && normalised.units[i] <= 0x7A) || (normalised.units[i] >= 0x30 && normalised.units[i] <= 0x39))
        }
        // Whole words only: "M 2 4, 8 A U" is a postcode, "of 20 sessions" holds none.
        for f in finder.findSquashedPostcodes(alphanumerics.units)
        where !f.range.isEmpty
            && !isWordUnit(alphanumerics.at[f.range.lowerBound] - 1) && !isWordUnit(alphanumerics.at[f.range.upperBound - 1] + 1)
        {
            found.append(
                Found(
                    kind: f.kind,
                    pieces: pieces(
                        normalised.originalRange(
                            alphanumerics.at[f.range.lowerBound],
                            alphanumerics.at[f.range.upperBound - 1] + 1)),
                    refusedInNames: false))
        }
        let unspaced = squash(names: false) { $0 != 0x20 && $0 != 0x2C && $0 != 0x3B }
        for f in finder.findSquashedEmails(unspaced.units) where !f.range.isEmpty {
            // Without spaces a local part runs back into the words before it: it starts at the last word before the @.
            var a = unspaced.at[f.range.lowerBound]
            let b = unspaced.at[f.range.upperBound - 1] + 1
            if let at = (a..<b).first(where: { normalised.units[$0] == 0x40 || DisclosureFinder.Needs.opening.contains(normalised.units[$0]) }) {
                var i = at
                while i > a, normalised.units[i - 1] == 0x20 { i -= 1 }
                while i > a, DisclosureFinder.isLocalPartUnit(normalised.units[i - 1]) { i -= 1 }
                a = i
            }
            found.append(Found(kind: f.kind, pieces: pieces(normalised.originalRange(a, b)), refusedInNames: false))
        }
        return found
    }

    /// Text whose order on screen is not its order in the message (a right-to-left override or isolate turns
    /// "daoR mlE 41" into "14 Elm Road" as it is shown): from each such control to the end of its run, or of the
    /// field. Nothing the check reads is as the reader will see it, so none of it is delivered.
    func concealed(in segments: [Segment]) -> [Found] {
        var out: [Found] = []
        for (index, segment) in segments.enumerated() where segment.isDelivered {
            var k = 0
            while k < segment.text.count {
                guard segment.text[k].unicodeScalars.contains(where: { Self.reordering.contains($0.value) }) else {
                    k += 1
                    continue
                }
                var end = k + 1
                while end < segment.text.count, !segment.text[end].unicodeScalars.contains(where: { $0.value == 0x202C || $0.value == 0x2069 }),
                    segment.text[end] != "\n"
                { end += 1 }
                end = min(end + 1, segment.text.count)
                out.append(Found(kind: .concealed, pieces: [(index, k..<end)], refusedInNames: true))
                k = end
            }
        }
        return out
    }

    /// The controls that change the order text is shown in (embeddings, overrides, isolates).
    static let reordering: Set<UInt32> = [0x202A, 0x202B, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068]

    /// Numbers toward this recipient are kept only while they are too few to spell anything: when the delivered
    /// free text of the message holds `digitBudget` digits or more in all (however they are written or spread: "07700
    /// and 90012 and 3", one per line, in words with pauses), every number in it is removed; and a number of
    /// three digits or more is removed wherever it stands (part of a phone number, a house on a long road, a code).
    func numbersOverBudget(in segments: [Segment], readings: [[NormalisedText]]) -> [Found] {
        var numbers: [(segment: Int, range: Range<Int>, count: Int)] = []
        for (index, segment) in segments.enumerated() where segment.isFreeText && segment.isDelivered {
            // What a number of an earlier reading covers: the same number in another reading counts once.
            var covered = [Bool](repeating: false, count: segment.text.count + 1)
            for reading in readings.map({ $0[index] }) {
                let units = reading.units
                var k = 0
                while k < units.count {
                    guard Self.isDigit(units[k]) else {
                        k += 1
                        continue
                    }
                    var end = k
                    while end < units.count, Self.isDigit(units[end]) { end += 1 }
                    let original = reading.originalRange(k, end).clamped(to: 0..<segment.text.count)
                    if !original.contains(where: { covered[$0] }) {
                        numbers.append((index, original, end - k))
                        for o in original { covered[o] = true }
                    }
                    k = end
                }
            }
        }
        let total = numbers.reduce(0) { $0 + $1.count }
        return numbers.filter { total >= Self.digitBudget || $0.count >= 3 }
            .map { Found(kind: .phone, pieces: [($0.segment, $0.range)], refusedInNames: false) }
    }

    /// The delivered name-like fields of each person (siblings under one parent path), three or four of them.
    static func nameGroups(_ segments: [Segment]) -> [[Int]] {
        var byParent: [String: [Int]] = [:]
        for (i, s) in segments.enumerated() where s.isDelivered && !s.isFreeText {
            let parent = s.path.split(separator: ".").dropLast().joined(separator: ".")
            byParent[parent, default: []].append(i)
        }
        return byParent.values.filter { (3...4).contains($0.count) }.map { $0.sorted() }
    }

    /// Every order of a few items.
    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[Int]] in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(rest).map { [first] + $0 }
        }
    }

    /// Whether a unit of normalised text is a digit (every script's digits are ASCII ones by then).
    static func isDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }

    /// How many digits the delivered free text of one message may hold in all before every number in it goes.
    static let digitBudget = 5

    /// The segment a joined offset lies in.
    func segmentIndex(of offset: Int, in segments: [Segment]) -> Int? {
        var lo = 0
        var hi = segments.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if offset < segments[mid].start {
                hi = mid - 1
            } else if offset >= segments[mid].start + segments[mid].text.count + 1 {
                lo = mid + 1
            } else {
                return mid
            }
        }
        return nil
    }

    /// A joined range cut into its parts in each segment (local offsets), the joining line breaks left out.
    func pieces(of range: Range<Int>, in segments: [Segment]) -> [(Int, Range<Int>)] {
        guard let first = segmentIndex(of: range.lowerBound, in: segments) else { return [] }
        var out: [(Int, Range<Int>)] = []
        var i = first
        while i < segments.count, segments[i].start < range.upperBound {
            let s = segments[i]
            let local = max(range.lowerBound, s.start) - s.start..<min(range.upperBound, s.start + s.text.count) - s.start
            if !local.isEmpty { out.append((i, local)) }
            i += 1
        }
        return out
    }

    /// The sentence around a part of a text: back to the last . ! ? or line break, on through the next.
    static func sentence(around r: Range<Int>, in text: [Character]) -> Range<Int> {
        var start = r.lowerBound
        while start > 0, !".!?\n".contains(text[start - 1]) { start -= 1 }
        var end = r.upperBound
        while end < text.count, !"\n".contains(text[end]) {
            end += 1
            if ".!?".contains(text[end - 1]) { break }
        }
        return start..<end
    }

    /// The text with every range (merged where they touch) replaced by the marker.
    static func replace(_ ranges: [Range<Int>], in text: [Character]) -> String {
        var merged: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        var out = ""
        var at = 0
        for r in merged {
            out += String(text[at..<r.lowerBound]) + marker
            at = r.upperBound
        }
        return out + String(text[at...])
    }

    /// Calls `visit` with each string at `freeText` or `words`, in document order (arrays transparent).
    static func collect(
        _ v: JSONValue, freeText: PathSet?, words: PathSet?, path: String,
        visit: (String, String, Bool) -> Void
    ) {
        switch v {
        case .object(let members):
            for m in members {
                let f = freeText?.children[m.key]
                let w = words?.children[m.key]
                guard f != nil || w != nil else { continue }
                collect(m.value, freeText: f, words: w, path: path.isEmpty ? m.key : "\(path).\(m.key)", visit: visit)
            }
        case .array(let items):
            for item in items { collect(item, freeText: freeText, words: words, path: path, visit: visit) }
        case .string(let s):
            if freeText?.terminal == true { visit(path, s, true) } else if words?.terminal == true { visit(path, s, false) }
        default:
            break
        }
    }

    /// The body with each string `collect` visits replaced by `replacement(string)`, in the same order.
    static func rewrite(_ v: JSONValue, freeText: PathSet?, words: PathSet?, replacement: (String) -> String) -> JSONValue {
        switch v {
        case .object(let members):
            return .object(
                members.map { m in
                    let f = freeText?.children[m.key]
                    let w = words?.children[m.key]
                    guard f != nil || w != nil else { return m }
                    return .init(m.key, rewrite(m.value, freeText: f, words: w, replacement: replacement))
                })
        case .array(let items):
            return .array(items.map { rewrite($0, freeText: freeText, words: words, replacement: replacement) })
        case .string(let s):
            if freeText?.terminal == true || words?.terminal == true { return .string(replacement(s)) }
            return v
        default:
            return v
        }
    }
}
