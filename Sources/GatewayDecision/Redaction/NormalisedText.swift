import Foundation
import Synchronization

/// Text as the disclosure checks read it, whatever way it was written, with a map back to the original.
///
/// Each character is folded (Unicode NFKC, case, accents, width), look-alike letters of other scripts become the
/// Latin letter they imitate (UTS #39 confusables for the Latin look-alikes), digits of every script become ASCII
/// digits, format and zero-width characters vanish, and any run of separators (spaces of every kind, dashes,
/// slashes, underscores, bars, dots between words, line breaks) becomes one space. Then spelled-out numbers
/// ("seven seven zero", "double four", "fourteen") become digits, and a token of digits with letters that stand for
/// digits ("O77OO", "0l16") becomes all digits. So "０７７００ ९００-１２３", "seven seven zero zero nine zero zero
/// one two three" and "O7700_9OO_I23" all read "07700 900 123".
/// Besides this plain reading, a text can be read as a writer disguised it (`Reading`): transliterated, its
/// spaced-out letters joined, its digits and symbols read as the letters they stand for. The look-alikes are
/// generated from Unicode's data (`Confusables+Table.swift`, `scripts/generate-confusables.py`).
struct NormalisedText: Equatable {
    /// The normalised text as UTF-16 (what NSRegularExpression reads).
    private(set) var units: [UInt16] = []
    /// For each unit, the original characters (offsets into `Array(original)`) it came from.
    private(set) var origin: [Range<Int>] = []

    /// The normalised text.
    var string: String { String(decoding: units, as: UTF16.self) }

    /// A way of reading besides the plain one, for what a writer disguised.
    enum Reading {
        /// The text as written, folded.
        case plain
        /// A token of digits and o, i or l read as all digits ("O77OO" as "07700").
        case digitLookalikes
        /// Letters of other scripts transliterated ("Манчестер" as "manchester"), letters written one at a time
        /// joined ("L e i c e s t e r", "R.o.a.d", "L.E.2 7.A.B"), and words run together split where a capital
        /// follows a small letter ("ElmRoad", "#LeicesterRoad").
        case disguised
        /// The disguised reading with digits in a word of letters read as the letters they stand for ("r3fuge",
        /// "Pr1mary", "s7 anne's"); apart from it, since a postcode district ("sk8") has the same shape.
        case leet
        /// The same, with the digits' other letters ("hoste1", "Wi6an": 1 as l, 6 as g).
        case leetOther

        var isDisguised: Bool { self == .disguised || self == .leet || self == .leetOther }
        var isLeet: Bool { self == .leet || self == .leetOther }
    }

    init(_ original: String, reading: Reading = .plain) {
        var chars: [(Character, Range<Int>)] = []
        var lastWasSpace = true
        var lastWasLower = false
        // Each original character as read (nothing for an invisible one), and in the disguised reading the
        // spacing of letters written one at a time taken out.
        var cells: [(Int, Character, [Character])] = []
        for (i, written) in original.enumerated() {
            // A joiner or a variation selector makes one character of a symbol or a letter and itself ("$\u{200D}"):
            // it is read as the character it follows.
            var c = written
            if c.unicodeScalars.count > 1, c.unicodeScalars.contains(where: { $0.properties.isDefaultIgnorableCodePoint }) {
                let kept = String(String.UnicodeScalarView(c.unicodeScalars.filter { !$0.properties.isDefaultIgnorableCodePoint }))
                guard let first = kept.first else { continue }
                if kept.count == 1 { c = first }
            }
            // Symbols written for letters ("$afe hou$e", "Bo|ton", "€ccles") are letters in the leet reading.
            if reading.isLeet, let letter = Self.symbolLetters[c] {
                cells.append((i, c, [letter]))
                continue
            }
            let read = reading.isDisguised ? Self.transliterate(c) : Self.fold(c)
            if !read.isEmpty { cells.append((i, c, read)) }  // invisible: "Elm\u{200B}Road" is still "ElmRoad"
        }
        if reading.isDisguised { cells = Self.unspaced(cells) }
        for (i, c, read) in cells {
            // A capital after a small letter starts a word: "ElmRoad", "#LeicesterRoad" are "elm road".
            // (Only in the disguised reading: in the plain one "JoSmith@example.org" stays one local part.)
            if reading.isDisguised, c.isUppercase, lastWasLower, !lastWasSpace {
                chars.append((" ", i..<(i + 1)))
                lastWasSpace = true
            }
            lastWasLower = c.isLowercase
            for folded in read {
                if folded == " " {
                    if !lastWasSpace { chars.append((" ", i..<(i + 1))) }
                    lastWasSpace = true
                } else {
                    chars.append((folded, i..<(i + 1)))
                    lastWasSpace = false
                }
            }
        }
        // A hyphen stays only between two letters or digits; anywhere else it separates.
        var joinedChars: [(Character, Range<Int>)] = []
        for (k, item) in chars.enumerated() {
            if item.0 == "-" {
                let before = k > 0 && (chars[k - 1].0.isLetter || chars[k - 1].0.isNumber)
                let after = k + 1 < chars.count && (chars[k + 1].0.isLetter || chars[k + 1].0.isNumber)
                if !(before && after) {
                    if joinedChars.last?.0 != " " && !joinedChars.isEmpty { joinedChars.append((" ", item.1)) }
                    continue
                }
            }
            if item.0 == " ", joinedChars.last?.0 == " " { continue }
            joinedChars.append(item)
        }
        chars = joinedChars
        if chars.last?.0 == " " { chars.removeLast() }
        // (Digits for letters first, so that "f1ve" is read as the number it spells.)
        let read = Self.readNumbers(
            reading.isLeet ? Self.readLeet(chars, other: reading == .leetOther) : chars,
            digitLookalikes: reading == .digitLookalikes, spelledLetters: reading == .disguised)
        for (c, from) in read {
            for u in String(c).utf16 {
                units.append(u)
                origin.append(from)
            }
        }
    }

    /// Texts normalised on their own, joined by a space as if their originals had been joined by line breaks:
    /// each part is a text, the window of its original read (what lies outside is left out), and where that
    /// window starts in the joined original. Reading many arrangements of the same fields normalises each once.
    init(joining parts: [(text: NormalisedText, window: Range<Int>, start: Int, hardBreak: Bool)]) {
        for part in parts {
            var first = units.count
            for (i, u) in part.text.units.enumerated() {
                let o = part.text.origin[i]
                guard o.lowerBound >= part.window.lowerBound, o.upperBound <= part.window.upperBound else { continue }
                if u == 0x20, units.count == first { continue }  // no space at the start of a part
                units.append(u)
                origin.append((o.lowerBound - part.window.lowerBound + part.start)..<(o.upperBound - part.window.lowerBound + part.start))
            }
            while units.count > first, units.last == 0x20 {
                units.removeLast()
                origin.removeLast()
            }
            let joiner = part.start + part.window.count
            if units.count > first {
                // The line break that joins this part to the next.
                units.append(0x20)
                origin.append(joiner..<(joiner + 1))
                first = units.count
            }
            if part.hardBreak {
                // "####" and a line break, as in the original (`DisclosureGuard.hardBreak`).
                for k in 0..<4 {
                    units.append(0x23)
                    origin.append((joiner + 1 + k)..<(joiner + 2 + k))
                }
                units.append(0x20)
                origin.append((joiner + 5)..<(joiner + 6))
                first = units.count
            }
        }
        if units.last == 0x20 {
            units.removeLast()
            origin.removeLast()
        }
    }

    /// The original characters a normalised range `[a, b)` (UTF-16 offsets) came from.
    func originalRange(_ a: Int, _ b: Int) -> Range<Int> {
        guard a < b, a < origin.count else { return 0..<0 }
        let end = min(b, origin.count)
        return origin[a].lowerBound..<origin[(a..<end)].map(\.upperBound).max()!
    }

    // MARK: Characters

    /// One original character as zero or more normalised ones (" " for a separator).
    static func fold(_ c: Character) -> [Character] {
        // Most text is ASCII: folded here without Foundation's (slower) Unicode machinery.
        if let a = c.asciiValue {
            switch a {
            case 0x41...0x5A: return [Character(UnicodeScalar(a + 0x20))]
            case 0x61...0x7A, 0x30...0x39: return [c]
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20: return [" "]
            case 0x2D: return ["-"]  // a hyphen joins words ("mail-box"); between other characters it is a space
            case _ where separators.contains(UInt32(a)): return [" "]
            case 0x00..<0x20, 0x7F: return []
            default: return [c]
            }
        }
        var out: [Character] = []
        var mapped = Array(String(c).precomposedStringWithCompatibilityMapping.unicodeScalars)
        // One character whose compatibility form adds punctuation to a letter or a digit ("⒨" is "(m)", "🄢" is
        // "(S)", "⒈" is "1.", "ŀ" is "l·"): only the letter or digit is what it says.
        if c.unicodeScalars.count == 1, mapped.count > 1, mapped.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            mapped = mapped.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        }
        for scalar in mapped {
            let p = scalar.properties
            // Combining letters are letters, not accents: "Bͦlton" is "bolton".
            if p.generalCategory == .nonspacingMark, let latin = Confusables.latin[scalar.value] {
                out.append(contentsOf: latin)
                continue
            }
            // Fillers that look like nothing (U+3164, U+115F, U+FFA0...) vanish like zero-width characters.
            if p.isDefaultIgnorableCodePoint { continue }
            if let stop = Confusables.stops[scalar.value] {
                out.append(stop)
                continue
            }
            if p.isWhitespace || separators.contains(scalar.value) || p.generalCategory == .dashPunctuation
                || p.generalCategory == .lineSeparator || p.generalCategory == .paragraphSeparator
            {
                out.append(" ")
                continue
            }
            switch p.generalCategory {
            case .format, .control, .privateUse, .unassigned, .surrogate, .nonspacingMark, .enclosingMark, .spacingMark:
                continue  // invisible, or an accent: "jo\u{200B}@" is "jo@", "é" is "e"
            default:
                break
            }
            // Any character that is a whole number up to twenty is that number: "٣", "❶", "➀", "〇", "二".
            if p.numericType != nil, let v = p.numericValue, v >= 0, v <= 20, v == v.rounded(), !p.isAlphabetic || !Self.isLatinLetter(scalar) {
                out.append(contentsOf: String(Int(v)))
                continue
            }
            if let latin = Confusables.latin[scalar.value] {
                out.append(contentsOf: latin)
                continue
            }
            // Case and accents folded: "É" is "e", "ß" is "ss".
            let folded = String(scalar).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
            for f in folded.unicodeScalars {
                if let latin = Confusables.latin[f.value] {
                    out.append(contentsOf: latin)
                } else if !f.properties.isWhitespace {
                    out.append(Character(f))
                }
            }
        }
        return out
    }

    /// Characters that only separate what is around them (besides white space and dashes).
    static let separators: Set<UInt32> = [
        0x2F, 0x5C, 0x5F, 0x7C, 0x7E, 0x2A, 0x3D, 0x5E, 0x60,  // / \ _ | ~ * = ^ `
        0xB7, 0x2022, 0x2219, 0x2044, 0x2215, 0x2027, 0x30FB,  // middle dots, bullets, fraction and division slashes
        0x2800, 0x2423,  // the blank braille pattern, the visible space
    ]

    /// Whether a scalar is one of the letters of the Latin alphabet (Roman numerals such as "Ⅻ" are letters too).
    static func isLatinLetter(_ s: Unicode.Scalar) -> Bool {
        (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value) || (0x2160...0x2188).contains(s.value)
    }

    /// Symbols that leetspeak writes for letters.
    static let symbolLetters: [Character: Character] = [
        "$": "s", "§": "s", "|": "l", "!": "i", "¡": "i", "€": "e", "£": "e", "©": "c", "¢": "c", "ß": "b", "฿": "b",
        "†": "t", "+": "t", "¥": "y", "∀": "a", "@": "a", "&": "e", "%": "x", "®": "r", "√": "v",
    ]

    /// One original character for the disguised reading: a letter of another script transliterated into Latin
    /// ("м" as "m", not the "m"-like letter it resembles), anything else folded as usual.
    static func transliterate(_ c: Character) -> [Character] {
        if c.unicodeScalars.count == 1, let other = Confusables.alternate[c.unicodeScalars.first!.value] { return [other] }
        guard !c.isASCII, c.isLetter else { return fold(c) }
        if let known = transliterated.withLock({ $0[c] }) { return known }
        // (ICU makes a transliterator for every call: one a letter, remembered, not one a letter each time.)
        let read: [Character]
        if let latin = String(c).applyingTransform(.toLatin, reverse: false), latin != String(c) {
            read = latin.flatMap { fold($0) }
        } else {
            read = fold(c)
        }
        transliterated.withLock { cache in
            if cache.count >= 8_192 { cache.removeAll(keepingCapacity: true) }
            cache[c] = read
        }
        return read
    }

    /// Letters of other scripts as `transliterate` read them.
    static let transliterated = Mutex<[Character: [Character]]>([:])

    // MARK: Numbers written in words, and digits written as letters

    static let units_: [String: String] = [
        "zero": "0", "nought": "0", "naught": "0", "nil": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
        "six": "6", "seven": "7", "eight": "8", "nine": "9",
    ]
    static let teens: [String: String] = [
        "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
        "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
    ]
    static let tens: [String: Int] = [
        "twenty": 2, "thirty": 3, "forty": 4, "fourty": 4, "fifty": 5, "sixty": 6, "seventy": 7, "eighty": 8, "ninety": 9,
    ]
    static let repeats: [String: Int] = ["double": 2, "treble": 3, "triple": 3]
    /// Words that are digits only among other numbers: multipliers, ordinals, and the number words of the languages
    /// most spoken in the area besides English (German, French, Spanish, Italian, Portuguese, Polish, Welsh).
    static let amongNumbers: [String: String] = {
        var m: [String: String] = [
            "hundred": "00", "thousand": "000", "million": "000000", "dozen": "12", "zeroth": "0",
            "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
            "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "nil": "0",
        ]
        let languages = [
            "null eins zwei drei vier funf fuenf sechs sieben acht neun", "zero un deux trois quatre cinq six sept huit neuf",
            "cero uno dos tres cuatro cinco seis siete ocho nueve", "zero uno due tre quattro cinque sei sette otto nove",
            "zero um dois tres quatro cinco seis sete oito nove", "zero jeden dwa trzy cztery piec szesc siedem osiem dziewiec",
            "dim un dau tri pedwar pump chwech saith wyth naw",
            // romanised as the area's South Asian communities write them (Hindi/Urdu/Punjabi, Gujarati, Bengali)
            "shunya ek do teen char panch chhe saat aath nau", "sifar ik do tin chaar paanch chhah sat ath no",
            "shoonya ekk be tran chaar paanch chha saath aath nav", "shunno ek dui tin char pach chhoy shat aat noy",
        ]
        // The same languages' number words in their own scripts, as the disguised reading transliterates them
        // letter by letter (Devanagari, Gujarati, Gurmukhi, Bengali, Urdu, Korean).
        let scripts = [
            "शून्य एक दो तीन चार पाँच छह सात आठ नौ", "શૂન્ય એક બે ત્રણ ચાર પાંચ છ સાત આઠ નવ", "ਸਿਫ਼ਰ ਇੱਕ ਦੋ ਤਿੰਨ ਚਾਰ ਪੰਜ ਛੇ ਸੱਤ ਅੱਠ ਨੌਂ",
            "শূন্য এক দুই তিন চার পাঁচ ছয় সাত আট নয়", "صفر ایک دو تین چار پانچ چھ سات آٹھ نو", "영 일 이 삼 사 오 육 칠 팔 구",
        ]
        for words in scripts {
            for (digit, word) in words.split(separator: " ").enumerated() {
                let read = String(word.flatMap { transliterate($0) }.filter { $0.isLetter })
                if read.count >= 2, m[read] == nil, units_[read] == nil { m[read] = String(digit) }
            }
        }
        for words in languages {
            let list = words.split(separator: " ").map(String.init)
            // "funf" and "fuenf" are both five.
            var digit = 0
            for w in list {
                if w == "fuenf" {
                    m[w] = "5"
                    continue
                }
                if m[w] == nil, units_[w] == nil { m[w] = String(digit) }
                digit += 1
            }
        }
        return m
    }()
    /// The spelling alphabet, letters spelled out among numbers and each other ("Mike two zero, four Alpha Bravo").
    static let phoneticLetters: [String: String] = [
        "alpha": "a", "alfa": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e", "foxtrot": "f", "golf": "g",
        "hotel": "h", "india": "i", "juliet": "j", "juliett": "j", "kilo": "k", "lima": "l", "mike": "m", "november": "n",
        "oscar": "o", "papa": "p", "quebec": "q", "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u", "victor": "v",
        "whiskey": "w", "whisky": "w", "xray": "x", "yankee": "y", "zulu": "z",
        // and the letters' own names ("em fourteen, four pee ar")
        "ay": "a", "bee": "b", "cee": "c", "see": "c", "dee": "d", "ee": "e", "ef": "f", "eff": "f", "gee": "g", "aitch": "h",
        "haitch": "h", "eye": "i", "jay": "j", "kay": "k", "el": "l", "ell": "l", "em": "m", "en": "n", "pee": "p", "cue": "q",
        "queue": "q", "ar": "r", "ess": "s", "tee": "t", "you": "u", "vee": "v", "ex": "x", "why": "y", "zed": "z", "zee": "z",
    ]
    /// The first two letters of every number word (for turning words down at once).
    static let numberWordStarts: Set<String> = Set((Array(units_.keys) + Array(teens.keys) + Array(tens.keys) + ["oh"]).map { String($0.prefix(2)) })

    /// Words become digits where they spell numbers; tokens of digits and digit-like letters become digits.
    static func readNumbers(_ chars: [(Character, Range<Int>)], digitLookalikes: Bool, spelledLetters: Bool = false) -> [(Character, Range<Int>)] {
        // Split into tokens (runs of letters and digits) and the rest, keeping where each came from.
        var tokens: [[(Character, Range<Int>)]] = []
        var current: [(Character, Range<Int>)] = []
        var isWord: [Bool] = []
        for item in chars {
            let wordy = item.0.isLetter || item.0.isNumber
            if let last = current.last, (last.0.isLetter || last.0.isNumber) != wordy {
                tokens.append(current)
                isWord.append(last.0.isLetter || last.0.isNumber)
                current = []
            }
            current.append(item)
        }
        if let last = current.last {
            tokens.append(current)
            isWord.append(last.0.isLetter || last.0.isNumber)
        }

        func text(_ t: [(Character, Range<Int>)]) -> String { String(t.map(\.0)) }
        func span(_ t: [(Character, Range<Int>)]) -> Range<Int> { t.first!.1.lowerBound..<t.last!.1.upperBound }
        func digits(_ s: String, from t: [(Character, Range<Int>)]) -> [(Character, Range<Int>)] { s.map { ($0, span(t)) } }
        func isNumberWord(_ i: Int) -> Bool {
            guard i >= 0, i < tokens.count, isWord[i] else { return false }
            let w = text(tokens[i])
            return units_[w] != nil || teens[w] != nil || tens[w] != nil || w.allSatisfy(\.isNumber) || amongNumbers[w] != nil
                || (spelledLetters && phoneticLetters[w] != nil)
        }
        func isAmongNumbers(_ i: Int) -> Bool { isNumberWord(previous(i) ?? -1) || isNumberWord(next(i) ?? -1) }
        // A gap between two words of one number: a space, a hyphen, a comma or the like ("seven, seven").
        func isGap(_ k: Int) -> Bool {
            let t = text(tokens[k])
            return !isWord[k] && t.count <= 3 && t.allSatisfy { " -,;.".contains($0) }
        }
        // The word token after `i`, if only a gap lies between.
        func next(_ i: Int) -> Int? {
            if i + 2 < tokens.count, isGap(i + 1), isWord[i + 2] { return i + 2 }
            return nil
        }
        func previous(_ i: Int) -> Int? {
            if i >= 2, isGap(i - 1), isWord[i - 2] { return i - 2 }
            return nil
        }

        var out: [(Character, Range<Int>)] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            guard isWord[i] else {
                out += t
                i += 1
                continue
            }
            let w = text(t)
            if let d = units_[w] ?? teens[w] {
                out += digits(d, from: t)
                i += 1
                continue
            }
            if let tensDigit = tens[w] {
                // "twenty one" (or "twenty-one": the dash is a space by now) is 21; "twenty" alone is 20.
                if let n = next(i), let u = units_[text(tokens[n])], u != "0" {
                    out += digits("\(tensDigit)\(u)", from: t + tokens[i + 1] + tokens[n])
                    i = n + 1
                    continue
                }
                out += digits("\(tensDigit)0", from: t)
                i += 1
                continue
            }
            if let times = repeats[w], let n = next(i), let u = units_[text(tokens[n])] ?? (text(tokens[n]) == "oh" ? "0" : nil) {
                out += digits(String(repeating: u, count: times), from: t + tokens[i + 1] + tokens[n])
                i = n + 1
                continue
            }
            // "oh" is a zero only among other numbers ("oh seven seven"), never in "oh no".
            if w == "oh" || w == "o", isNumberWord(previous(i) ?? -1) || isNumberWord(next(i) ?? -1) {
                out += digits("0", from: t)
                i += 1
                continue
            }
            if w.count >= 5, let d = runTogether(w) {
                out += digits(d, from: t)
                i += 1
                continue
            }
            // Words that are numbers only beside other numbers: "seven thousand four hundred", "first, seventh",
            // "sieben sieben null"; and, in the disguised reading, letters spelled "Mike two zero, four Alpha Bravo".
            if let d = amongNumbers[w], isAmongNumbers(i) {
                out += digits(d, from: t)
                i += 1
                continue
            }
            if spelledLetters, let l = phoneticLetters[w], isAmongNumbers(i) {
                out += digits(l, from: t)
                i += 1
                continue
            }
            out += digitLookalikes ? digitLike(t) : t
            i += 1
        }
        return out
    }

    /// A word that is two or more number words run together ("seventwo", "ohonenine"), as its digits.
    static func runTogether(_ w: String) -> String? {
        let chars = Array(w)
        // Most words begin no number word: turned down on their first two letters.
        guard chars.count >= 4, numberWordStarts.contains(String(chars[0..<2])) else { return nil }
        // best[k]: the digits of chars[..<k] read as number words, if it can be.
        var best: [String?] = Array(repeating: nil, count: chars.count + 1)
        var count = Array(repeating: 0, count: chars.count + 1)
        best[0] = ""
        for k in 0..<chars.count where best[k] != nil && chars.count - k >= 2 {
            for length in 2...min(9, chars.count - k) {
                let part = String(chars[k..<(k + length)])
                guard let d = units_[part] ?? teens[part] ?? (part == "oh" ? "0" : tens[part].map { "\($0)0" }) else { continue }
                if best[k + length] == nil {
                    best[k + length] = best[k]! + d
                    count[k + length] = count[k] + 1
                }
            }
        }
        guard let digits = best[chars.count], count[chars.count] >= 2 else { return nil }
        return digits
    }

    /// Tokens of letters with a few digits in them ("r3fuge", "Pr1mary", "h0stel", "s4fe") with the digits read as
    /// the letters they stand for: a token of at least two characters with as many letters as digits or more ("s7").
    static func readLeet(_ chars: [(Character, Range<Int>)], other: Bool = false) -> [(Character, Range<Int>)] {
        let letterFor: [Character: Character] =
            other
            ? ["0": "o", "1": "l", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g"]
            : ["0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "b", "7": "t", "8": "b", "9": "g"]
        var out = chars
        var start = 0
        func finish(_ end: Int) {
            let token = chars[start..<end]
            let digits = token.filter { $0.0.isASCII && $0.0.isNumber }.count
            let letters = token.filter { $0.0.isLetter }.count
            guard token.count >= 2, digits > 0, letters >= 1, letters >= digits else { return }
            for k in start..<end { if let l = letterFor[chars[k].0] { out[k].0 = l } }
        }
        for (k, item) in chars.enumerated() where !(item.0.isLetter || item.0.isNumber) {
            finish(k)
            start = k + 1
        }
        finish(chars.count)
        return out
    }

    /// Letters and digits written one at a time ("L e i c e s t e r", "R.o.a.d", "S.K.8", "0 7 7", "j.o.@.e.x"):
    /// the single separator between two characters standing alone is taken out, so they read as the word they
    /// spell. Where the words were kept apart, they stay apart: by a wider gap ("M.u.m. .A.t" is "mum at",
    /// "l...c.o.m" is "l.com"), by another separator than the letters' own ("O.S.S.O.R.Y C.O.U.R.T"), or by a
    /// line break.
    static func unspaced(_ input: [(Int, Character, [Character])]) -> [(Int, Character, [Character])] {
        var cells = input
        func isAlnum(_ k: Int) -> Bool {
            k >= 0 && k < cells.count && cells[k].2.allSatisfy { $0.isLetter || $0.isNumber }
        }
        // Anything that is not a letter or a digit can space letters out ("M+a+n", "M❤a❤n", "L.E.2").
        func isSeparator(_ k: Int) -> Bool {
            k >= 0 && k < cells.count && cells[k].2.count == 1 && !isAlnum(k) && !cells[k].1.isNewline
        }
        // A letter or digit standing alone between separators.
        func standsAlone(_ k: Int) -> Bool {
            guard k >= 0, k < cells.count, cells[k].2.count == 1, isAlnum(k) else { return false }
            return !isAlnum(k - 1) && !isAlnum(k + 1)
        }
        // Whether the separator at `k` (one character between two standing alone) is the spacing of one word.
        func isSpacing(_ k: Int) -> Bool {
            guard isSeparator(k), standsAlone(k - 1), standsAlone(k + 1) else { return false }
            let beside = [k - 2, k + 2].filter { isSeparator($0) && standsAlone($0 - 1) && standsAlone($0 + 1) }
            return beside.isEmpty || beside.contains { cells[$0].2 == cells[k].2 }
        }
        // Each run of letters written one at a time: with more than a third of them capitals ("b O l T o N") its
        // capitals say nothing of where words begin (they do in "B r a n d l i n g C r e s c e n t").
        let spacing = Set(cells.indices.filter(isSpacing))
        var start = 0
        while start < cells.count {
            guard standsAlone(start), spacing.contains(start + 1) else {
                start += 1
                continue
            }
            var run = [start]
            while let last = run.last, spacing.contains(last + 1) { run.append(last + 2) }
            let letters = run.filter { cells[$0].1.isLetter }
            if letters.filter({ cells[$0].1.isUppercase }).count * 3 > letters.count {
                for i in run { cells[i].1 = Character(cells[i].1.lowercased()) }
            }
            start = run.last! + 1
        }
        var out: [(Int, Character, [Character])] = []
        var k = 0
        while k < cells.count {
            guard isSeparator(k) else {
                out.append(cells[k])
                k += 1
                continue
            }
            if spacing.contains(k) {
                k += 1
                continue
            }  // "L e i", "R.o.a": the spacing goes
            // One sign inside a word ("Bol'ton", "Stock.port", "Manch:ester", "Old+ham") is read as not there.
            if isAlnum(k - 1), isAlnum(k + 1), !standsAlone(k - 1), !standsAlone(k + 1), cells[k].2 != [" "], cells[k].2 != ["-"] {
                k += 1
                continue
            }
            var end = k
            while end < cells.count, isSeparator(end) { end += 1 }
            let run = cells[k..<end]
            if run.count > 1, standsAlone(k - 1), standsAlone(end) {
                // A wide gap: a sign between two spacings is kept ("j.o.@.e.x", "s.a.m.[.a.t.]", "l...c" a dot), a
                // space or the spacing itself is where a word ended.
                let middle = run[run.startIndex + run.count / 2]
                let spacing = run[run.startIndex].2
                let kept = run.count == 3 && (middle.2 != spacing || middle.2 == ["."]) && middle.2 != [" "]
                out.append((middle.0, middle.1, kept ? middle.2 : [" "]))
            } else {
                out += run
            }
            k = end
        }
        return out
    }

    /// A token of digits and letters that stand for them ("O77OO", "0l16", "9OO1"): all digits, when at least two
    /// of its characters are real digits and every other is one of o, i, l (for 0, 1, 1).
    static func digitLike(_ t: [(Character, Range<Int>)]) -> [(Character, Range<Int>)] {
        let realDigits = t.filter { $0.0.isASCII && $0.0.isNumber }.count
        guard realDigits >= 2, realDigits < t.count, t.allSatisfy({ ($0.0.isASCII && $0.0.isNumber) || "oil".contains($0.0) }) else { return t }
        return t.map { c in
            switch c.0 {
            case "o": return ("0", c.1)
            case "i", "l": return ("1", c.1)
            default: return c
            }
        }
    }
}

/// Letters of other scripts (and Latin variants) that look like a Latin letter or a digit, by what they imitate
/// (after case folding): the Latin part of Unicode's confusables (UTS #39) that a determined writer reaches for.
enum Confusables {
    static let latin: [UInt32: [Character]] = {
        var m: [UInt32: [Character]] = [:]
        let pairs: [(String, String)] = [
            // Cyrillic
            ("а", "a"), ("в", "b"), ("е", "e"), ("ё", "e"), ("з", "3"), ("б", "6"), ("к", "k"), ("м", "m"), ("н", "h"),
            ("о", "o"), ("р", "p"), ("с", "c"), ("т", "t"), ("у", "y"), ("х", "x"), ("ч", "4"), ("ѕ", "s"), ("і", "i"),
            ("ї", "i"), ("ј", "j"), ("ԁ", "d"), ("ԛ", "q"), ("ԝ", "w"), ("ӏ", "l"), ("һ", "h"), ("ɡ", "g"), ("ц", "u"),
            ("п", "n"), ("г", "r"), ("ь", "b"), ("ѡ", "w"), ("ү", "y"), ("ҫ", "c"), ("ӡ", "3"),
            // Greek
            ("α", "a"), ("β", "b"), ("γ", "y"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"),
            ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"), ("ϲ", "c"), ("ϳ", "j"), ("ς", "c"), ("μ", "u"),
            ("ϐ", "b"), ("ϑ", "9"),
            // Latin variants and IPA that pass for plain letters
            ("ı", "i"), ("ȷ", "j"), ("ɑ", "a"), ("ɩ", "i"), ("ɪ", "i"), ("ʟ", "l"), ("ǀ", "l"), ("ɵ", "o"), ("ø", "o"),
            ("ð", "d"), ("đ", "d"), ("ħ", "h"), ("ł", "l"), ("ŀ", "l"), ("ɛ", "e"), ("ɔ", "c"), ("ʋ", "u"), ("ʀ", "r"),
            ("ʙ", "b"), ("ʜ", "h"), ("ɴ", "n"), ("ᴏ", "o"), ("ᴄ", "c"), ("ᴜ", "u"), ("ᴠ", "v"), ("ᴡ", "w"), ("ᴢ", "z"),
            ("ꜱ", "s"), ("ʒ", "3"), ("ȝ", "3"), ("ƽ", "5"), ("ȣ", "8"), ("ƨ", "2"),
            // Signs that stand for letters in an address written to get past a filter
            ("＠", "@"), ("﹫", "@"), ("ⓐ", "a"),
            // "Faux Cyrillic": letters of other scripts written for the Latin letter they are drawn like, not the
            // one they are (UTS #39 lists look-alikes for spoofing, not styling): "MΛNCHΣSTΣR", "ЯEFUGE", "RΦAD".
            ("И", "n"), ("и", "n"), ("Й", "n"), ("й", "n"), ("П", "n"), ("Π", "n"), ("π", "n"), ("Я", "r"), ("я", "r"),
            ("ᴙ", "r"), ("Λ", "a"), ("λ", "a"), ("Д", "a"), ("д", "a"), ("Ѧ", "a"), ("∀", "a"), ("Ʌ", "a"), ("Δ", "a"),
            ("Ш", "w"), ("ш", "w"), ("Щ", "w"), ("щ", "w"), ("Ɯ", "w"), ("Σ", "e"), ("Ξ", "e"), ("ξ", "e"), ("Є", "e"),
            ("є", "e"), ("Э", "e"), ("э", "e"), ("∑", "e"), ("∃", "e"), ("Ф", "o"), ("ф", "o"), ("Θ", "o"), ("θ", "o"),
            ("Φ", "o"), ("φ", "o"), ("○", "o"), ("◯", "o"), ("●", "o"), ("⊙", "o"), ("Џ", "u"), ("џ", "u"), ("Ч", "y"),
            ("Ұ", "y"), ("Ψ", "y"), ("ψ", "y"), ("Ъ", "b"), ("ъ", "b"), ("฿", "b"), ("Ђ", "h"), ("ђ", "h"), ("Ћ", "h"),
            ("ћ", "h"), ("Ҭ", "t"), ("ҭ", "t"), ("Қ", "k"), ("қ", "k"), ("Ϲ", "c"), ("Ж", "x"), ("ж", "x"), ("Ц", "u"),
            ("Ѵ", "v"), ("ѵ", "v"), ("Ѻ", "o"), ("ѻ", "o"), ("Ѳ", "o"), ("ѳ", "o"), ("Ɛ", "e"), ("Ǝ", "e"), ("ǝ", "e"),
            ("Ɔ", "c"), ("ℓ", "l"), ("Ł", "l"), ("Ø", "o"), ("ø", "o"), ("Ð", "d"), ("Ħ", "h"),
        ]
        for entry in generated.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = entry.split(separator: ":")
            if parts.count == 2, let scalar = UInt32(parts[0], radix: 16), let first = parts[1].first { m[scalar] = [first] }
        }
        for (from, to) in pairs { m[from.unicodeScalars.first!.value] = Array(to) }
        return m
    }()

    /// The other letter a character passes for, where it passes for both "l" and "I" ("ꓲ" in "ꓢꓲꓓꓰ"): read so in
    /// the disguised reading.
    static let alternate: [UInt32: Character] = {
        var m: [UInt32: Character] = [:]
        for entry in generated.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = entry.split(separator: ":")
            if parts.count == 2, parts[1].count == 2, let scalar = UInt32(parts[0], radix: 16) { m[scalar] = parts[1].last! }
        }
        return m
    }()

    /// Full stops of other scripts and sizes, which an address can be written with: "example。org".
    static let stops: [UInt32: Character] = [
        0x3002: ".", 0xFF61: ".", 0xFE12: ".", 0xFE52: ".", 0x06D4: ".", 0x0701: ".", 0x0702: ".", 0x2024: ".",
        0xA60E: ".", 0xA4F8: ".", 0x10A50: ".", 0x1D16D: ".", 0x2E3C: ".", 0x0589: ".", 0x1362: ".", 0x166E: ".",
        0x1803: ".", 0xA4FF: ".", 0xA6F3: ".", 0x2E33: ".", 0x05C3: ".",
    ]
}
