/// A strict JSON parser (RFC 8259) for message bodies.
///
/// Stricter than most on purpose: duplicate keys are refused (two parsers reading different values of the same
/// key is how content gets smuggled past a filter), nesting is limited, strings must be valid UTF-8.
public struct JSONParser {
    /// Why a body is not acceptable JSON; the position is a byte offset, never the content.
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        /// What is wrong, in words; it never quotes the body.
        public let reason: String
        /// Byte offset into the body where parsing stopped.
        public let offset: Int
        /// The offset and the reason: safe to log, as it quotes nothing from the body.
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// The deepest nesting of arrays and objects accepted; deeper bodies are refused rather than risk the stack.
    public static let maximumDepth = 64

    /// Parses one complete JSON document; anything but whitespace after it is an error.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(Error) in
            var p = JSONParser(buffer)
            p.skipWhitespace()
            let v = try p.parseValue(depth: 0)
            p.skipWhitespace()
            guard p.i == buffer.count else { throw Error(reason: "unexpected data after the document", offset: p.i) }
            return v
        }
    }

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    private func fail(_ reason: String) -> Error { Error(reason: reason, offset: i) }

    private mutating func skipWhitespace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fail("nested too deeply") }
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try parseNumber())
        }
    }

    private mutating func literal(_ word: StaticString) throws(Error) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("unexpected end") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("unexpected character") }
        i += n
    }

    private mutating func parseObject(depth: Int) throws(Error) -> JSONValue {
        i += 1
        var members: [JSONValue.Member] = []
        // Most objects have a few keys: comparing with each is cheaper than hashing, until there are many.
        var keys: Set<String>?
        skipWhitespace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try parseString()
            if keys == nil, members.count >= 16 { keys = Set(members.map(\.key)) }
            let duplicate = if keys != nil { !keys!.insert(key).inserted } else { members.contains { $0.key == key } }
            guard !duplicate else { throw fail("duplicate key") }
            skipWhitespace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipWhitespace()
            members.append(.init(key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard i < b.count else { throw fail("unexpected end") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard i < b.count else { throw fail("unexpected end") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func parseString() throws(Error) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        var bits: UInt8 = 0
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") {
            guard b[i] >= 0x20 else { throw fail("control character in a string") }
            bits |= b[i]
            i += 1
        }
        guard i < b.count else { throw fail("unterminated string") }
        if b[i] == UInt8(ascii: "\"") {
            // ASCII is valid UTF-8 as it stands: only other text needs validating.
            let s = bits < 0x80 ? String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) : try utf8(start..<i)
            i += 1
            return s
        }
        var out = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return s
            }
            guard c >= 0x20 else { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { throw fail("unterminated escape") }
            switch b[i] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("unpaired surrogate")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: throw fail("invalid escape")
            }
            i += 1
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(Error) -> UInt32 {
        guard i + 4 < b.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for k in 1...4 {
            let c = b[i + k]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    private func utf8(_ r: Range<Int>) throws(Error) -> String {
        guard let s = String(validating: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) else { throw fail("invalid UTF-8") }
        return s
    }

    private mutating func parseNumber() throws(Error) -> String {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, (48...57).contains(b[i]) else { throw fail("unexpected character") }
        if b[i] == 48 { i += 1 } else { while i < b.count, (48...57).contains(b[i]) { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("bad number") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("bad number") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
    }
}
