import Foundation

/// A schema's `pattern`, compiled once.
///
/// The contract's patterns are anchored and simple (character classes, counted repeats, one optional group),
/// so they run on a small backtracking matcher: NSRegularExpression cost more than everything else in
/// validating a referral. Any pattern outside that subset uses NSRegularExpression, and a differential test
/// checks both agree on every contract pattern.
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented thread-safe for matching.
    private let regex: NSRegularExpression
    private let simple: SimplePattern?

    init(_ pattern: String) throws {
        // ECMA-262's `$` (what JSON Schema means) matches only at the end; ICU's also before a final line break,
        // which would let "Jo\n" pass a name's pattern. `\z` is the end and nothing else.
        var strict = pattern
        if strict.hasSuffix("(?!\\n)$") { strict = String(strict.dropLast("(?!\\n)$".count)) + "$" }
        if strict.hasSuffix("$"), !strict.hasSuffix("\\$") { strict = String(strict.dropLast()) + "\\z" }
        regex = try NSRegularExpression(pattern: Self.ecmaClasses(strict))
        simple = SimplePattern(pattern)
    }

    /// ECMA-262's white space and line terminators: what `\s` means in a JSON Schema pattern.
    static let ecmaWhitespace: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680,
        0x2000...0x200A, 0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ]

    /// The pattern with `\d`, `\w`, `\s` and their negations spelt out as ECMA-262 means them (ASCII digits, ASCII
    /// word characters, ECMA's white space): ICU's match any script's digits and letters, so `^\d{4}$` would
    /// pass "٢٠٢٦" where every other validator of the contract refuses it. A set inside a set is ICU's union.
    static func ecmaClasses(_ pattern: String) -> String {
        let space = ecmaWhitespace.map { r in
            r.lowerBound == r.upperBound
                ? String(format: "\\x{%X}", r.lowerBound)
                : String(format: "\\x{%X}-\\x{%X}", r.lowerBound, r.upperBound)
        }.joined()
        let spelt: [Character: String] = [
            "d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
            "s": "[\(space)]", "S": "[^\(space)]",
        ]
        var out = ""
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            guard c == "\\", let next = chars.next() else {
                out.append(c)
                continue
            }
            if let class_ = spelt[next] {
                out += class_
            } else {
                out.append(c)
                out.append(next)
            }
        }
        return out
    }

    /// Whether the pattern runs on the fast matcher.
    var isSimple: Bool { simple != nil }

    func matches(_ s: String) -> Bool {
        if let simple { return simple.matches(s) }
        return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// The NSRegularExpression answer, for checking the fast matcher against it.
    func matchesWithRegex(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}

/// An anchored pattern of character classes, literals, counted repeats and groups (no alternation).
struct SimplePattern: Sendable {
    /// A set of characters: an ASCII bitmap, ranges of other scalars, and how to treat non-ASCII white space.
    struct CharSet: Sendable {
        var ascii = [Bool](repeating: false, count: 128)
        /// Non-ASCII members (a name's letters of other scripts), as written in the class.
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false
        /// `\s` was in the class: ECMA-262's non-ASCII white space belongs to it.
        var whitespace = false

        /// Whether the scalar with this value is in the set.
        func contains(_ value: UInt32) -> Bool {
            let inSet: Bool
            if value < 128 {
                inSet = ascii[Int(value)]
            } else {
                inSet =
                    ranges.contains { $0.contains(value) }
                    || (whitespace && Pattern.ecmaWhitespace.contains { $0.contains(value) })
            }
            return inSet != negated
        }

        /// Adds the scalars `lo...hi`.
        mutating func add(_ lo: UInt32, _ hi: UInt32) {
            if lo < 128 { for k in Int(lo)...Int(min(hi, 127)) { ascii[k] = true } }
            if hi >= 128 { ranges.append(max(lo, 128)...hi) }
        }
    }

    indirect enum Atom: Sendable {
        case set(CharSet)
        case group([Item])
    }

    struct Item: Sendable {
        var atom: Atom
        var min: Int
        var max: Int
    }

    let items: [Item]

    /// nil when the pattern uses anything outside the subset (then NSRegularExpression is used).
    init?(_ pattern: String) {
        // `(?!\n)$` is how the contract writes "the end, and no line break before it" for validators whose `$`
        // also matches before a final line break (Python's, ICU's); this matcher's end is strict already.
        let strictEnd = "(?!\\n)$"
        let p = Array((pattern.hasSuffix(strictEnd) ? String(pattern.dropLast(strictEnd.count)) + "$" : pattern).unicodeScalars)
        guard p.first == "^", p.last == "$", p.count >= 2 else { return nil }
        var i = 1
        guard let items = Self.parseSequence(p, &i, end: p.count - 1), i == p.count - 1 else { return nil }
        self.items = items
    }

    private static func parseSequence(_ p: [Unicode.Scalar], _ i: inout Int, end: Int) -> [Item]? {
        var items: [Item] = []
        while i < end {
            let c = p[i]
            var atom: Atom
            switch c {
            case ")": return items
            case "(":
                i += 1
                guard let inner = parseSequence(p, &i, end: end), i < end, p[i] == ")" else { return nil }
                i += 1
                atom = .group(inner)
            case "[":
                guard let set = parseClass(p, &i) else { return nil }
                atom = .set(set)
            case "\\":
                guard i + 1 < end, let set = escape(p[i + 1]) else { return nil }
                i += 2
                atom = .set(set)
            case "|", "*", "+", "?", "{", ".", "^", "$":
                return nil
            default:
                var set = CharSet()
                guard c.value < 128 else { return nil }
                set.ascii[Int(c.value)] = true
                i += 1
                atom = .set(set)
            }
            var (lo, hi) = (1, 1)
            if i < end {
                switch p[i] {
                case "?":
                    (lo, hi) = (0, 1)
                    i += 1
                case "+":
                    (lo, hi) = (1, Int.max)
                    i += 1
                case "*":
                    (lo, hi) = (0, Int.max)
                    i += 1
                case "{":
                    guard let close = p[i...].firstIndex(of: "}") else { return nil }
                    let parts = String(String.UnicodeScalarView(p[(i + 1)..<close])).split(separator: ",", omittingEmptySubsequences: false)
                    guard let a = Int(parts[0]) else { return nil }
                    lo = a
                    hi = parts.count == 1 ? a : (parts[1].isEmpty ? Int.max : (Int(parts[1]) ?? -1))
                    guard hi >= lo else { return nil }
                    i = close + 1
                default: break
                }
            }
            items.append(Item(atom: atom, min: lo, max: hi))
        }
        return items
    }

    private static func escape(_ c: Unicode.Scalar) -> CharSet? {
        var set = CharSet()
        switch c {
        case "d": for d in 48...57 { set.ascii[d] = true }
        case "s":
            for w in [9, 10, 11, 12, 13, 32] { set.ascii[w] = true }
            set.whitespace = true
        case ".", "+", "(", ")", "-", "\\", "[", "]", "?", "*", "{", "}", "/", "^", "$", "|", "@": set.ascii[Int(c.value)] = true
        default: return nil
        }
        return set
    }

    private static func parseClass(_ p: [Unicode.Scalar], _ i: inout Int) -> CharSet? {
        var set = CharSet()
        i += 1
        if i < p.count, p[i] == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while i < p.count {
            let c = p[i]
            if c == "]" && !first {
                i += 1
                return set
            }
            first = false
            if c == "\\" {
                guard i + 1 < p.count, let e = escape(p[i + 1]) else { return nil }
                for k in 0..<128 where e.ascii[k] { set.ascii[k] = true }
                set.whitespace = set.whitespace || e.whitespace
                i += 2
                continue
            }
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]", p[i + 2] != "\\" {
                let hi = p[i + 2]
                guard hi.value >= c.value else { return nil }
                set.add(c.value, hi.value)
                i += 3
            } else {
                set.add(c.value, c.value)
                i += 1
            }
        }
        return nil
    }

    func matches(_ s: String) -> Bool {
        // Most values are ASCII: match their UTF-8 bytes in place rather than copying out their scalars.
        let ascii = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            bytes.contains { $0 >= 0x80 } ? nil : Self.match(items, 0, bytes, 0, anchoredEnd: true) != nil
        }
        if let matched = ascii ?? nil { return matched }
        return Self.match(items, 0, s.unicodeScalars.map(\.value), 0, anchoredEnd: true) != nil
    }

    /// The end position of a match of `items[k...]` from `pos`, trying longer repeats first.
    private static func match<C: RandomAccessCollection>(_ items: [Item], _ k: Int, _ u: C, _ pos: Int, anchoredEnd: Bool) -> Int?
    where C.Index == Int, C.Element: FixedWidthInteger {
        guard k < items.count else { return !anchoredEnd || pos == u.count ? pos : nil }
        let item = items[k]
        switch item.atom {
        case .set(let set):
            // One character a repeat: the candidate ends are consecutive, nothing to remember.
            var n = 0
            while n < item.max, pos + n < u.count, set.contains(UInt32(u[pos + n])) { n += 1 }
            while n >= item.min {
                if let end = match(items, k + 1, u, pos + n, anchoredEnd: anchoredEnd) { return end }
                n -= 1
            }
            return nil
        case .group(let inner):
            var ends = [pos]
            var p = pos
            while ends.count - 1 < item.max {
                guard let next = match(inner, 0, u, p, anchoredEnd: false), next != p else { break }
                p = next
                ends.append(p)
            }
            var n = ends.count - 1
            while n >= item.min {
                if let end = match(items, k + 1, u, ends[n], anchoredEnd: anchoredEnd) { return end }
                n -= 1
            }
            return nil
        }
    }
}
