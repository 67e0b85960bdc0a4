import Contracts
import Foundation

/// The contract's JSON Schemas, compiled for validating message bodies in the gateway.
///
/// Implements the keywords `contracts/schemas` use (type, properties, required, additionalProperties,
/// enum, const, pattern, minLength, maxLength, minimum, maximum, minItems, maxItems, uniqueItems, items, $ref,
/// allOf, if/then, format date-time/date/email). An unknown keyword fails loudly at load time, so a schema
/// change cannot silently weaken the gateway. Python's `jsonschema` checks the same files independently in tests.
public final class ContractSchemas: Sendable {
    private let roots: [MessageType: SchemaNode]
    /// The schema files as read, by file name (what recipients' views are made from).
    let documents: [String: JSONValue]
    /// Per message type, the paths of constrained strings that still carry words (names, job titles:
    /// `contentMediaType: text/plain`), which the perpetrator service's text checks read with the free text.
    public let wordPaths: [MessageType: PathSet]
    /// Per message type, the longest each string field may be, by dotted path (what a cleaned text must keep to).
    public let lengthLimits: [MessageType: [String: Int]]
    /// Per message type, the paths of free-text strings (no pattern, enum or format): where contact details
    /// could hide, and what the scrubber reads.
    public let freeTextPaths: [MessageType: PathSet]
    /// Per message type, every place its schema allows a URC (arrays transparent).
    public let urcPaths: [MessageType: Set<[String]>]
    /// How each type's body is bound to its envelope (`contracts/bindings.json`, beside the schemas' directory).
    public let bindings: MessageBindings

    /// The definition every URC in a body uses.
    static let urcDefinition = "common.schema.json#/$defs/urc"

    /// Loads every `<type>.schema.json` (and the files they reference) from `directory`, and the bindings from
    /// `bindings.json` in the directory above it.
    public init(directory: URL) throws {
        var documents: [String: JSONValue] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".schema.json") {
            documents[file] = try JSONParser.parse(Data(contentsOf: directory.appendingPathComponent(file)))
        }
        var compiler = SchemaCompiler(documents: documents)
        var roots: [MessageType: SchemaNode] = [:]
        var free: [MessageType: PathSet] = [:]
        var urcs: [MessageType: Set<[String]>] = [:]
        var words: [MessageType: PathSet] = [:]
        var limits: [MessageType: [String: Int]] = [:]
        for type in MessageType.allCases {
            let file = "\(type.rawValue).schema.json"
            guard let doc = documents[file] else { throw SchemaLoadError("no schema \(file) in \(directory.path)") }
            let node = try compiler.compile(doc, file: file)
            roots[type] = node
            var paths = PathSet()
            node.collectFreeText(prefix: [], into: &paths)
            free[type] = paths
            var urcPlaces = Set<[String]>()
            node.collectPaths(prefix: [], into: &urcPlaces) { $0.isDefinition(Self.urcDefinition) }
            urcs[type] = urcPlaces
            var wordPlaces = Set<[String]>()
            node.collectPaths(prefix: [], into: &wordPlaces) { $0.carriesWords }
            words[type] = PathSet(wordPlaces.map { $0.joined(separator: ".") })
            var typeLimits: [String: Int] = [:]
            node.collectLengthLimits(prefix: [], into: &typeLimits)
            limits[type] = typeLimits
        }
        self.lengthLimits = limits
        self.documents = documents
        self.wordPaths = words
        self.roots = roots
        self.freeTextPaths = free
        self.urcPaths = urcs
        bindings = try MessageBindings(contentsOf: directory.deletingLastPathComponent().appendingPathComponent("bindings.json"),
                                       urcPaths: urcs)
    }

    /// Checks a parsed body against its type's schema; the error names a path and a rule, never a value.
    public func validate(_ body: JSONValue, as type: MessageType) throws(SchemaViolation) {
        guard let root = roots[type] else { throw SchemaViolation(path: "", rule: "no schema for \(type.rawValue)") }
        try root.validate(body)
    }
}

/// A schema file the gateway cannot use.
public struct SchemaLoadError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// Where and how a body breaks its schema (no values: the text goes into non-delivery reports).
public struct SchemaViolation: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let rule: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(rule)" }
}

/// Resolves `$ref`s and turns schema documents into `SchemaNode`s.
struct SchemaCompiler {
    let documents: [String: JSONValue]
    var cache: [String: SchemaNode] = [:]
    static let known: Set<String> = ["$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties",
        "required", "additionalProperties", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "minItems", "maxItems", "uniqueItems", "items", "allOf", "if", "then", "format", "contentMediaType", "$comment"]

    mutating func compile(_ schema: JSONValue, file: String) throws -> SchemaNode {
        guard case .object(let members) = schema else { throw SchemaLoadError("\(file): a schema must be an object") }
        for m in members where !Self.known.contains(m.key) {
            throw SchemaLoadError("\(file): keyword '\(m.key)' is not supported by the gateway's validator")
        }
        let node = SchemaNode()
        if let ref = schema["$ref"]?.stringValue {
            node.allOf.append(try resolve(ref, from: file))
        }
        if let t = schema["type"] {
            node.types = Set((t.arrayValue ?? [t]).compactMap(\.stringValue))
        }
        if case .object(let props)? = schema["properties"] {
            for p in props { node.properties[p.key] = try compile(p.value, file: file) }
        }
        node.required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if schema["additionalProperties"] == .bool(false) { node.additionalProperties = false }
        node.enumValues = schema["enum"]?.arrayValue
        node.constValue = schema["const"]
        if let p = schema["pattern"]?.stringValue { node.pattern = try Pattern(p) }
        node.minLength = schema["minLength"]?.doubleValue.map { Int($0) }
        node.maxLength = schema["maxLength"]?.doubleValue.map { Int($0) }
        node.minimum = schema["minimum"]?.doubleValue
        node.maximum = schema["maximum"]?.doubleValue
        node.minItems = schema["minItems"]?.doubleValue.map { Int($0) }
        node.maxItems = schema["maxItems"]?.doubleValue.map { Int($0) }
        node.uniqueItems = schema["uniqueItems"] == .bool(true)
        if let items = schema["items"] { node.items = try compile(items, file: file) }
        for sub in schema["allOf"]?.arrayValue ?? [] {
            if let cond = sub["if"], let then = sub["then"] {
                node.conditionals.append((try compile(cond, file: file), try compile(then, file: file)))
            } else {
                node.allOf.append(try compile(sub, file: file))
            }
        }
        if let cond = schema["if"], let then = schema["then"] {
            node.conditionals.append((try compile(cond, file: file), try compile(then, file: file)))
        }
        node.format = schema["format"]?.stringValue
        if let media = schema["contentMediaType"]?.stringValue {
            guard media == "text/plain" else { throw SchemaLoadError("\(file): contentMediaType '\(media)' is not supported (only text/plain)") }
            node.carriesWords = true
        }
        return node
    }

    /// `common.schema.json#/$defs/urc` or `#/$defs/x` to a compiled node.
    mutating func resolve(_ ref: String, from file: String) throws -> SchemaNode {
        let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let refFile = parts[0].isEmpty ? file : String(parts[0])
        let key = "\(refFile)#\(parts.count > 1 ? parts[1] : "")"
        if let cached = cache[key] { return cached }
        guard var target = documents[refFile] else { throw SchemaLoadError("\(file): $ref to unknown file '\(refFile)'") }
        if parts.count > 1 {
            for step in parts[1].split(separator: "/") {
                guard let next = target[String(step)] else { throw SchemaLoadError("\(file): $ref '\(ref)' does not resolve") }
                target = next
            }
        }
        let node = try compile(target, file: refFile)
        node.definition = key
        cache[key] = node
        return node
    }
}

