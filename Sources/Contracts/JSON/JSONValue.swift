/// A parsed JSON document, kept in document order, with numbers as their exact source text so that what
/// the gateway forwards is what the sender wrote.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's source text, already checked to be valid JSON number syntax.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One name/value pair of an object.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
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
