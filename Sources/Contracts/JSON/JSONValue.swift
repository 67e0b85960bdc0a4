/// A parsed JSON document, kept in document order, with numbers as their exact source text so that what
/// the gateway forwards is what the sender wrote.
public enum JSONValue: Equatable, Sendable {
    /// The literal `null` (present, unlike a missing member).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// The number's source text, already checked to be valid JSON number syntax.
    case number(String)
    /// A string, unescaped (valid Unicode).
    case string(String)
    /// An array, elements in document order.
    case array([JSONValue])
    /// An object, members in document order (keys unique in a parsed document).
    case object([Member])

    /// One name/value pair of an object.
    public struct Member: Equatable, Sendable {
        /// The member's name, unescaped.
        public var key: String
        /// The value the name maps to; may itself be an object or an array.
        public var value: JSONValue
        /// Pairs a name with its value, for building objects in document order.
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of member `key` of an object; nil when this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, if this is a string; nil otherwise.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    /// The boolean, if this is `true` or `false`; nil otherwise.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    /// The elements, if this is an array; nil otherwise.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    /// The number as a `Double`, rounded (compare exact values with `JSONNumber`); nil if this is not a number.
    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }

    /// Follows a dotted path (`sharing.lawfulBasis.code`).
    public func value(at path: String) -> JSONValue? {
        var v: JSONValue? = self
        for part in path.split(separator: ".") { v = v?[String(part)] }
        return v
    }
}
