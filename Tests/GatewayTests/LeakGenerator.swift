import Contracts
import Foundation

/// Writes what says where someone is the ways a determined writer would, to get it past the gateway toward the
/// perpetrator service: other separators, widths, scripts, invisible characters, look-alike letters, numbers in
/// words, obfuscated emails, addresses and schools without a trigger word, plurals and compounds of sensitive
/// terms, and each split in two so it can go across fields or lines.
struct LeakGenerator {
    /// One planted item: its parts as written (two when split), what kind of thing it is, and the pieces of it
    /// that must never be delivered (distinctive enough that seeing one anywhere means it got through).
    struct Item {
        var parts: [String]
        var kind: String
        var fragments: [String]
        /// Written with letters, spaces and the marks names allow only: it can be put in a name.
        var fitsAName: Bool
        /// A phone number's digits: no five of them in a row may be delivered, in any script.
        var digits: String? = nil
        var written: String { parts.joined(separator: " ") }
    }

    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }) }

    static let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    static let streetNames = ["Quenby", "Wexcombe", "Tarrant", "Ossory", "Brandling", "Yelverton", "Pellew", "Gressingham", "Ulverscroft", "Fenwick"]
    static let domains = ["quellmail", "zorbonet", "plinkpost", "vexmail", "drumbox"]
    static let cyrillic: [Character: Character] = ["a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"]

    /// Digits of another script, or full width.
    func otherDigits(_ s: String, base: UInt32) -> String {
        String(
            String.UnicodeScalarView(
                s.unicodeScalars.map { $0.properties.numericType == .decimal ? Unicode.Scalar(base + UInt32($0.value - 48))! : $0 }))
    }

    mutating func homoglyphs(_ s: String) -> String {
        String(s.map { c in Self.cyrillic[c].map { chance(0.6) ? $0 : c } ?? c })
    }

    /// Splits a written item in two at a separator (or, failing one, in the middle).
    mutating func split(_ s: String) -> [String] {
        let chars = Array(s)
        let cuts = chars.indices.filter { $0 > 0 && $0 < chars.count - 1 && (chars[$0] == " " || chars[$0] == "-") }
        let at = cuts.isEmpty ? chars.count / 2 : pick(cuts)
        let a = String(chars[..<at]).trimmingCharacters(in: .whitespaces)
        let b = String(chars[at...]).trimmingCharacters(in: CharacterSet(charactersIn: " -"))
        return a.isEmpty || b.isEmpty ? [s] : [a, b]
    }

    mutating func phone() -> Item {
        let n = pick(["07", "01", "02"]) + digits(9)
        let groups = [String(n.prefix(5)), String(n.dropFirst(5).prefix(3)), String(n.dropFirst(8))]
        let spelled = n.map { c -> String in
            c == "0" && chance(0.5) ? "oh" : Self.numberWords[c.wholeNumberValue!]
        }
        var written: String
        var fitsAName = false
        switch Int.random(in: 0..<14, using: &rng) {
        case 0: written = n
        case 1: written = groups.joined(separator: " ")
        case 2: written = groups.joined(separator: pick(["/", "_", ".", "\u{2013}", "\u{2014}", "\u{2212}", "|"]))
        case 3: written = "+44 " + String(n.dropFirst()).chunked(4).joined(separator: " ")
        case 4: written = "(\(groups[0])) \(groups[1]) \(groups[2])"
        case 5: written = otherDigits(groups.joined(separator: " "), base: 0xFF10)  // full width
        case 6: written = otherDigits(n, base: 0x0660)  // Arabic-Indic
        case 7: written = otherDigits(groups.joined(separator: "-"), base: 0x0966)  // Devanagari
        case 8: written = n.map(String.init).joined(separator: pick(["\u{200B}", "\u{200C}", "\u{2060}", "\u{00AD}"]))
        case 9: written = String(n.map { c in c == "0" ? (chance(0.5) ? "O" : "o") : c == "1" ? "l" : c })
        case 10, 11:
            written = spelled.joined(separator: pick([" ", "-", ", "]))
            fitsAName = !written.contains(",")
        case 12: written = n.chunked(2).joined(separator: " ")
        default:
            written = spelled.map { $0.capitalized }.joined(separator: " ")
            fitsAName = true
        }
        return Item(parts: chance(0.4) ? split(written) : [written], kind: "phone", fragments: Self.tokens(written), fitsAName: fitsAName, digits: n)
    }

    mutating func email() -> Item {
        let local = pick(["jo", "sam", "mum", "jane", "kb"]) + (chance(0.5) ? digits(2) : "")
        let domain = pick(Self.domains)
        let tld = pick(["com", "org", "co.uk", "net"])
        var written: String
        var fitsAName = false
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: written = "\(local)@\(domain).\(tld)"
        case 1: written = "\(local) (at) \(domain) (dot) \(tld.replacingOccurrences(of: ".", with: " (dot) "))"
        case 2: written = "\(local)[at]\(domain)[dot]\(tld.replacingOccurrences(of: ".", with: "[dot]"))"
        case 3: written = "\(local)@\(domain)[.]\(tld.replacingOccurrences(of: ".", with: "[.]"))"
        case 4: written = "\(local)＠\(domain)．\(tld)"
        case 5: written = "\(local.uppercased())@\(domain.uppercased()).\(tld.uppercased())"
        case 6: written = "\(local)\u{200B}@\u{200B}\(domain).\(tld)"
        case 7: written = "\(local)@\(homoglyphs(domain)).\(tld)"
        default:
            let letters = local.filter(\.isLetter)
            written = "\(letters.capitalized) At \(domain.capitalized) Dot \(tld.replacingOccurrences(of: ".", with: " Dot ").capitalized)"
            fitsAName = true
        }
        let parts =
            chance(0.4) && written.contains("@")
            ? [String(written.prefix { $0 != "@" }), String(written.drop { $0 != "@" })] : (chance(0.4) ? split(written) : [written])
        return Item(parts: parts, kind: "email", fragments: [domain] + (local.count >= 3 ? [local] : []), fitsAName: fitsAName)
    }

    mutating func postcode() -> Item {
        let area = pick(["M", "LE", "SK", "OL", "BL", "WN", "SW", "B"])
        let district = String(Int.random(in: 1...29, using: &rng))
        let inward = digits(1) + String((0..<2).map { _ in pick(Array("ABDEFGHJLNPQRSTUWXYZ")) })
        let outward = area + district
        let written: String
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: written = "\(outward) \(inward)"
        case 1: written = "\(outward)\(inward)".lowercased()
        case 2: written = "\(outward)  \(inward)"
        case 3: written = "\(outward)-\(inward)"
        case 4: written = otherDigits("\(outward) \(inward)", base: 0xFF10)
        case 5: written = "\(outward)\u{200B}\(inward)"
        case 6: written = outward  // the district alone
        default: written = "\(outward) \(inward)".map(String.init).filter { $0 != " " }.joined(separator: " ")
        }
        let parts = chance(0.4) && written.contains(" ") && written != outward ? split(written) : [written]
        return Item(parts: parts, kind: "postcode", fragments: written == outward ? [outward] : [outward, inward], fitsAName: false)
    }

    mutating func address() -> Item {
        let number = Int.random(in: 1...99, using: &rng)
        let street = pick(Self.streetNames)
        let word = pick(["Road", "Rd", "Street", "Lane", "Avenue", "Crescent", "Close", "Way", "Drive", "Court", "Gardens", "Grove"])
        let spelledNumber =
            number < 10
            ? Self.numberWords[number]
            : (number < 20
                ? ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"][number - 10]
                : ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"][number / 10 - 2]
                    + (number % 10 == 0 ? "" : "-" + Self.numberWords[number % 10]))
        var written: String
        var fitsAName = false
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: written = "\(number) \(street) \(word)"
        case 1: written = "\(number) \(street) \(word)".lowercased()
        case 2: written = "Flat \(Int.random(in: 1...9, using: &rng)), \(number)a \(street) \(word)"
        case 3: written = "\(number)/\(street)/\(word)"
        case 4: written = "\(number)_\(street)_\(word)"
        case 5:
            written = "\(spelledNumber.capitalized) \(street) \(word)"
            fitsAName = true
        case 6: written = "\(street) \(word)"
        case 7: written = "\(street) \(word)".uppercased()
        case 8: written = "\(number) \(homoglyphs(street.lowercased())) \(word.lowercased())"
        default: written = "\(number) \(street) \(word), \(pick(["Leicester", "Salford", "Hinckley", "Stockport"]))"
        }
        return Item(parts: chance(0.4) ? split(written) : [written], kind: "address", fragments: [street], fitsAName: fitsAName)
    }

    mutating func school() -> Item {
        let name = pick(Self.streetNames)
        let written = pick([
            "St \(name)'s", "St. \(name)'s", "saint \(name.lowercased())s", "St Anne's", "\(name) Primary", "\(name) Academy",
            "\(name) Infant School", "\(name) nursery",
        ])
        let fragment = written.contains(name) || written.contains(name.lowercased()) ? name : "Anne"
        return Item(parts: chance(0.3) ? split(written) : [written], kind: "school", fragments: [fragment], fitsAName: false)
    }

    mutating func place() -> Item {
        let place = pick(["Salford", "Hinckley", "Moss Side", "Loughborough", "Market Harborough", "Stockport", "Wythenshawe", "Oadby"])
        let written: String
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: written = place
        case 1: written = place.uppercased()
        case 2: written = place.lowercased()
        case 3: written = homoglyphs(place.lowercased())
        default: written = String(place.prefix(3)) + "\u{200B}" + String(place.dropFirst(3))
        }
        let parts = place.contains(" ") && chance(0.5) ? split(written) : [written]
        return Item(parts: parts, kind: "place", fragments: place.split(separator: " ").map(String.init).filter { $0.count >= 4 }, fitsAName: false)
    }

    mutating func term() -> Item {
        let written = pick([
            "refuge", "Refuges", "safehouse", "safe-house", "Safe House", "IDVA", "idvas", "M.A.R.A.C.", "MARAC meeting",
            "women's refuge", "womensrefuge", "shelter", "hostel", "refu-ge", "her new address",
        ])
        let fitsAName = written.allSatisfy { $0.isLetter || $0 == " " }
        return Item(
            parts: chance(0.3) && written.contains(" ") ? split(written) : [written], kind: "term",
            fragments: [written.filter(\.isLetter).lowercased()], fitsAName: fitsAName)
    }

    mutating func item() -> Item {
        let item: Item
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: item = phone()
        case 1: item = email()
        case 2: item = postcode()
        case 3: item = address()
        case 4: item = school()
        case 5: item = place()
        default: item = term()
        }
        return chance(0.3) ? disguised(item) : item
    }

    static let smallCapitals: [Character: Character] = [
        "a": "ᴀ", "b": "ʙ", "c": "ᴄ", "d": "ᴅ", "e": "ᴇ", "f": "ꜰ", "g": "ɢ", "h": "ʜ", "i": "ɪ", "j": "ᴊ", "k": "ᴋ", "l": "ʟ", "m": "ᴍ",
        "n": "ɴ", "o": "ᴏ", "p": "ᴘ", "r": "ʀ", "s": "ꜱ", "t": "ᴛ", "u": "ᴜ", "v": "ᴠ", "w": "ᴡ", "y": "ʏ", "z": "ᴢ",
    ]
    static let lisu: [Character: Character] = [
        "a": "ꓮ", "b": "ꓐ", "c": "ꓚ", "d": "ꓓ", "e": "ꓰ", "f": "ꓝ", "g": "ꓖ", "h": "ꓧ", "i": "ꓲ", "j": "ꓙ", "k": "ꓗ", "l": "ꓡ", "m": "ꓟ",
        "n": "ꓠ", "o": "ꓳ", "p": "ꓑ", "r": "ꓣ", "s": "ꓢ", "t": "ꓔ", "u": "ꓴ", "v": "ꓦ", "w": "ꓪ", "x": "ꓫ", "y": "ꓬ", "z": "ꓜ",
    ]
    static let leet: [Character: Character] = ["a": "4", "e": "3", "o": "0", "i": "1", "s": "5", "t": "7"]

    /// An item written once more to get past a filter, each way one character at a time (so that its fragments,
    /// written the same way, are what must not be seen): letters spaced or dotted apart, blank fillers between
    /// them, small capitals, Lisu look-alikes, regional-indicator letters, digits for some letters (not in numbers),
    /// or words run together in camel case.
    mutating func disguised(_ item: Item) -> Item {
        let way = Int.random(in: 0..<8, using: &rng)
        func write(_ s: String) -> String {
            switch way {
            case 0: return s.map(String.init).joined(separator: " ")
            case 1: return s.map(String.init).joined(separator: ".")
            case 2: return s.map(String.init).joined(separator: "\u{3164}")
            case 3: return String(s.lowercased().map { Self.smallCapitals[$0] ?? $0 })
            case 4: return String(s.lowercased().map { Self.lisu[$0] ?? $0 })
            case 5:
                return String(
                    String.UnicodeScalarView(
                        s.lowercased().unicodeScalars.map { $0.value >= 0x61 && $0.value <= 0x7A ? Unicode.Scalar($0.value - 0x61 + 0x1F1E6)! : $0 }))
            case 6:
                // Digits for letters only in words that stay mostly letters ("Qu3nby"), never in a number.
                return s.split(separator: " ", omittingEmptySubsequences: false).map { word in
                    word.contains(where: \.isNumber)
                        ? String(word) : String(word.lowercased().enumerated().map { k, c in k % 3 == 1 ? (Self.leet[c] ?? c) : c })
                }.joined(separator: " ")
            default: return s.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined()
            }
        }
        var out = item
        out.parts = item.parts.map(write)
        // Camel case glues the words: each fragment is still a run of the text; the others are written alike.
        out.fragments = way == 7 ? item.fragments : item.fragments.map(write)
        out.fitsAName = item.fitsAName && [0, 3, 4].contains(way)
        return out
    }

    static let filler = [
        "He wants to change how he behaves", "Attends the group on Tuesdays", "Has started the course",
        "Motivated and asking for help", "Works nights at a warehouse", "Prefers a male worker",
    ]

    /// The pieces of a written item that identify it: each token with two or more digits (any script), each
    /// number word, each word longer than three letters.
    static func tokens(_ written: String) -> [String] {
        written.components(separatedBy: CharacterSet.alphanumerics.inverted).filter { t in
            let digitCount = t.unicodeScalars.filter { $0.properties.numericType == .decimal }.count
            return digitCount >= 3 || numberWords.contains(t.lowercased()) && t.count >= 4
        }
    }
}

extension String {
    func chunked(_ n: Int) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty {
            out.append(String(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        return out
    }
}
