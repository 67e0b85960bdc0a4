/// A unique reference code: the identifier that follows one person across every service.
///
/// Twelve Crockford base32 symbols written `IIRR-RRRR-RRRC`: a two-symbol issuer code (which service allocated
/// it, from `config/parties.json`), nine random symbols, and a check symbol computed over GF(32) that catches
/// every single wrong symbol and every swap of two symbols (contracts/urc.md). It carries no personal data.
public struct URC: CanonicalStringCodable, Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// Crockford's base32 alphabet: no I, L, O or U, so it survives being read over the phone.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let symbolCount = 12

    /// Canonical form, e.g. `10BH-P5N4-0BAA`.
    public let canonical: String

    /// Parses a URC as people type it: any case, hyphens or spaces anywhere, O for 0, I or L for 1.
    public init(parsing text: String) throws(URCError) {
        var values: [UInt8] = []
        values.reserveCapacity(Self.symbolCount)
        for ch in text {
            if ch == "-" || ch == " " { continue }
            guard let v = Self.value(of: ch) else { throw .invalidSymbol(ch) }
            values.append(v)
        }
        guard values.count == Self.symbolCount else { throw .wrongLength(values.count) }
        guard Self.syndrome(values) == 0 else { throw .checkSymbolMismatch }
        canonical = Self.format(values)
    }

    /// A URC from text as people type it; nil when it is not one (`init(parsing:)` says why).
    public init?(_ description: String) {
        guard let u = try? URC(parsing: description) else { return nil }
        self = u
    }

    /// Builds a URC from an issuer code and nine random symbol values, adding the check symbol.
    init(issuer: [UInt8], random: [UInt8]) {
        precondition(issuer.count == 2 && random.count == 9 && (issuer + random).allSatisfy { $0 < 32 })
        let data = issuer + random
        canonical = Self.format(data + [Self.checkValue(for: data)])
    }

    /// The canonical form.
    public var description: String { canonical }

    /// The two-symbol code of the service that allocated this URC.
    public var issuer: String { String(canonical.prefix(2)) }

    // MARK: Check symbol over GF(32) = GF(2)[x] / (x^5 + x^2 + 1)

    /// Σ d_j · α^(11-j) over all twelve symbols; zero for a valid URC.
    static func syndrome(_ values: [UInt8]) -> UInt8 {
        var s: UInt8 = 0
        for (j, v) in values.enumerated() { s ^= GF32.multiply(v, GF32.alphaPower(11 - j)) }
        return s
    }

    /// The check value that makes the syndrome zero (its own weight is α^0 = 1).
    static func checkValue(for data: [UInt8]) -> UInt8 {
        var s: UInt8 = 0
        for (j, v) in data.enumerated() { s ^= GF32.multiply(v, GF32.alphaPower(11 - j)) }
        return s
    }

    static func value(of ch: Character) -> UInt8? {
        switch ch.uppercased() {
        case "O": return 0
        case "I", "L": return 1
        case let u:
            guard u.count == 1, let i = alphabet.firstIndex(of: Character(u)) else { return nil }
            return UInt8(i)
        }
    }

    static func format(_ values: [UInt8]) -> String {
        var s = ""
        for (i, v) in values.enumerated() {
            if i == 4 || i == 8 { s.append("-") }
            s.append(alphabet[Int(v)])
        }
        return s
    }
}

/// Why a text is not a URC; each says how to correct it.
public enum URCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A character that is not a URC symbol (O, I and L are read as 0 and 1; U never is one).
    case invalidSymbol(Character)
    /// Not twelve symbols once hyphens and spaces are dropped (how many there are).
    case wrongLength(Int)
    /// The check symbol does not match: a symbol was mistyped or two were swapped.
    case checkSymbolMismatch

    /// What is wrong and how to correct it, in one line a caseworker can act on.
    public var description: String {
        switch self {
        case .invalidSymbol(let c):
            return "'\(c)' cannot appear in a URC (symbols are 0-9 and A-Z without I, L, O, U)"
        case .wrongLength(let n):
            return "a URC has 12 symbols, this has \(n)"
        case .checkSymbolMismatch:
            return "this URC's check symbol does not match: a symbol was mistyped or two were swapped; read it back to the person again"
        }
    }
}

/// Arithmetic in GF(32) with the primitive polynomial x^5 + x^2 + 1.
enum GF32 {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var p: UInt8 = 0
        for _ in 0..<5 {
            if b & 1 != 0 { p ^= a }
            b >>= 1
            a <<= 1
            if a & 0x20 != 0 { a ^= 0x25 }
        }
        return p
    }

    /// α^k for α = x (the value 2), k in 0..<31.
    static let powers: [UInt8] = {
        var p: [UInt8] = [1]
        for _ in 1..<31 { p.append(multiply(p.last!, 2)) }
        return p
    }()

    static func alphaPower(_ k: Int) -> UInt8 { powers[k % 31] }
}

extension URC {
    /// Decodes a URC from its JSON string, as leniently as `init(parsing:)` reads typed input.
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    /// Encodes the URC as its canonical string.
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }

    /// Parses as `init(parsing:)` does: lenient about case, hyphens, spaces and O, I, L; strict about the check symbol.
    public init(canonicalString text: String) throws {
        self = try URC(parsing: text)
    }

    /// The canonical form, as messages carry it.
    public var canonicalString: String { canonical }
}

extension URC {
    /// The reserved URC that names nobody: the subject of a report or entry about a message whose subject could not be read.
    public static let noSubject = try! URC(parsing: "0000-0000-0000")
}
