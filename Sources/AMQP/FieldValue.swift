/// A value in an AMQP field table: message headers and queue or exchange arguments.
public enum AMQPFieldValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// Seconds since 1970 (AMQP timestamps have second resolution).
    case timestamp(UInt64)
    case array([AMQPFieldValue])
    case table(AMQPFieldTable)
    case void

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .timestamp(let t): return Int64(clamping: t)
        default: return nil
        }
    }
    public var tableValue: AMQPFieldTable? {
        if case .table(let t) = self { return t }
        return nil
    }
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
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
