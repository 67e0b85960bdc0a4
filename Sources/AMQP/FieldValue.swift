/// A value in an AMQP field table: message headers and queue or exchange arguments.
public enum AMQPFieldValue: Sendable, Hashable, CustomStringConvertible {
    /// A boolean (AMQP type `t`).
    case bool(Bool)
    /// A signed integer: sent as a 64-bit `l`; an integer of any width is read into it (an unsigned 64-bit one clamped).
    case int(Int64)
    /// A floating-point number: sent as a 64-bit `d`; a 32-bit `f` is read into it too.
    case double(Double)
    /// A long string (`S`), UTF-8: what every envelope header must be.
    case string(String)
    /// Raw bytes (`x`), for values that are not text.
    case bytes([UInt8])
    /// Seconds since 1970 (AMQP timestamps have second resolution).
    case timestamp(UInt64)
    /// A field array (`A`), such as RabbitMQ's `x-death` list.
    case array([AMQPFieldValue])
    /// A nested field table (`F`), such as one `x-death` entry.
    case table(AMQPFieldTable)
    /// No value (`V`).
    case void

    /// The text of a long string; nil for every other kind (nothing is converted).
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    /// The number of an integer, or a timestamp's seconds since 1970; nil for every other kind.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .timestamp(let t): return Int64(clamping: t)
        default: return nil
        }
    }
    /// The table, when this is one (such as an `x-death` entry); nil otherwise.
    public var tableValue: AMQPFieldTable? {
        if case .table(let t) = self { return t }
        return nil
    }
    /// The items, when this is an array (such as the `x-death` header); nil otherwise.
    public var arrayValue: [AMQPFieldValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The AMQP field type's name, for errors that say what was sent instead of what was expected.
    public var kindName: String {
        switch self {
        case .bool: return "a boolean (t)"
        case .int: return "an integer"
        case .double: return "a floating-point number"
        case .string: return "a long string (S)"
        case .bytes: return "a byte array (x)"
        case .timestamp: return "a timestamp (T)"
        case .array: return "an array (A)"
        case .table: return "a table (F)"
        case .void: return "void (V)"
        }
    }

    /// A readable rendering for logs and errors: strings quoted, bytes only counted, table keys sorted.
    public var description: String {
        switch self {
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string(let s): return "\"\(s)\""
        case .bytes(let b): return "<\(b.count) bytes>"
        case .timestamp(let t): return "@\(t)"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .void: return "void"
        }
    }
}

/// An AMQP field table keyed by name.
public typealias AMQPFieldTable = [String: AMQPFieldValue]

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    /// A long string from a string literal, as in `["x-queue-type": "quorum"]`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A 64-bit integer from an integer literal, as in `["x-delivery-limit": 5]`.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A boolean from a literal `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
