/// Equality as JSON Schema means it (`enum`, `const`, `uniqueItems`): objects are the same whatever the order of
/// their members, and numbers are the same when their values are (`1`, `1.0` and `1e0` are one number). `==`
/// compares documents as written, which is what the gateway forwards; this compares what they mean.
extension JSONValue {
    /// Whether the two values mean the same JSON.
    public func isSameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b || JSONNumber(a) == JSONNumber(b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isSameJSON(as: $1) }
        case (.object(let a), .object(let b)):
            // Keys are unique in a parsed object (the parser refuses duplicates), so matching counts suffice.
            guard a.count == b.count else { return false }
            return a.allSatisfy { m in b.first { $0.key == m.key }.map { $0.value.isSameJSON(as: m.value) } ?? false }
        default: return false
        }
    }
}

/// A JSON number's value, exactly, from its text: sign, significant digits and a power of ten. Numbers are kept
/// as text so that nothing is rounded on its way through; comparing them must not round either (`Double` would
/// call 9007199254740993 and 9007199254740992 equal).
public struct JSONNumber: Equatable, Sendable {
    /// False for zero, whatever its sign.
    public let negative: Bool
    /// The significant digits (ASCII), no leading or trailing zeros; empty for zero.
    public let digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    public let exponent: Int

    /// Reads text already checked to be a JSON number.
    public init(_ text: String) {
        var digits: [UInt8] = []
        var exponent = 0
        var negative = false
        var inFraction = false
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        var rest = bytes[...]
        while let c = rest.first, c != UInt8(ascii: "e"), c != UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if c == UInt8(ascii: ".") {
                inFraction = true
                continue
            }
            if digits.isEmpty && c == UInt8(ascii: "0") {
                if inFraction { exponent -= 1 }
                continue
            }
            digits.append(c)
            if inFraction { exponent -= 1 }
        }
        if !rest.isEmpty {
            rest = rest.dropFirst()
            var sign = 1
            if rest.first == UInt8(ascii: "-") {
                sign = -1
                rest = rest.dropFirst()
            } else if rest.first == UInt8(ascii: "+") {
                rest = rest.dropFirst()
            }
            // Saturating: an exponent beyond a billion says "enormous" or "tiny" as well as its exact value would.
            var e = 0
            for c in rest { e = min(e * 10 + Int(c - UInt8(ascii: "0")), 1_000_000_000) }
            exponent += sign * e
        }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : exponent
        self.negative = digits.isEmpty ? false : negative
    }

    /// Whether the value is a whole number (JSON Schema: `1.0` is an integer).
    public var isInteger: Bool { exponent >= 0 }

    /// Whether the number's text has no fraction or exponent: an integer, without reading it further.
    public static func isPlainInteger(_ text: String) -> Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// Whether `text` is a whole number.
    public static func isInteger(_ text: String) -> Bool { isPlainInteger(text) || JSONNumber(text).isInteger }
}
