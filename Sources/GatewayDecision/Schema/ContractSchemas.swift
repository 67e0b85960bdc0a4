import Contracts
import Foundation

/// The contract's JSON Schemas, compiled for validating message bodies in the gateway.
///
/// Implements the JSON Schema 2020-12 keywords `contracts/schemas` use (type, properties, required,
/// additionalProperties, enum, const, pattern, minLength, maxLength, minimum, maximum, minItems, maxItems,
/// uniqueItems, items, $ref, $defs, allOf, if/then/else, format date-time and date asserted) and passes the official
/// JSON Schema Test Suite's tests of them (`SchemaTestSuiteTests`, docs/schema-engine.md). An unknown keyword fails
/// loudly at load time, so a schema change cannot silently weaken the gateway. Python's `jsonschema` checks the same
/// files independently in tests.
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
            try Self.checkShape(node, file: file)
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
        bindings = try MessageBindings(
            contentsOf: directory.deletingLastPathComponent().appendingPathComponent("bindings.json"),
            urcPaths: urcs)
    }

    /// What the gateway's field-by-field reading of bodies needs of a contract, beyond valid JSON Schema: every
    /// object lists its properties and allows no others (a property name the schema does not list could carry
    /// anything, and redaction and the text checks work by path), and no schema refers back to itself (the paths
    /// of a recursive schema have no end).
    static func checkShape(_ root: SchemaNode, file: String) throws {
        var path: Set<ObjectIdentifier> = []
        func walk(_ node: SchemaNode) throws {
            guard path.insert(ObjectIdentifier(node)).inserted else {
                throw SchemaLoadError("\(file): a schema refers back to itself (\(node.definition ?? "a $ref")): contracts cannot be recursive")
            }
            defer { path.remove(ObjectIdentifier(node)) }
            if node.additionalSchema != nil || (node.types?.contains("object") == true && node.additionalProperties) {
                throw SchemaLoadError("\(file): an object schema allows properties it does not list: contracts need \"additionalProperties\": false")
            }
            for child in node.children { try walk(child) }
        }
        try walk(root)
    }

    /// Checks a parsed body against its type's schema; the error names a path and a rule, never a value.
    public func validate(_ body: JSONValue, as type: MessageType) throws(SchemaViolation) {
        guard let root = roots[type] else { throw SchemaViolation(path: "", rule: "no schema for \(type.rawValue)") }
        try root.validate(body)
    }
}

/// A schema file the gateway cannot use.
public struct SchemaLoadError: Error, CustomStringConvertible {
    /// Which file, and what in it the gateway cannot use.
    public let description: String
    init(_ d: String) { description = d }
}

/// Where and how a body breaks its schema (no values: the text goes into non-delivery reports).
public struct SchemaViolation: Error, Equatable, CustomStringConvertible {
    /// Where in the body the rule is broken, as a path of keys and indexes (`/subject/urc`); empty for the whole body.
    public let path: String
    /// The rule that is broken, said without the value.
    public let rule: String
    /// `path: rule` (`/` for the whole body), safe for a non-delivery report.
    public var description: String { "\(path.isEmpty ? "/" : path): \(rule)" }
}

/// Resolves `$ref`s and turns schema documents into `SchemaNode`s (JSON Schema 2020-12, the keywords listed in
/// `known`; `SchemaTestSuiteTests` runs the official test suite over it).
struct SchemaCompiler {
    let documents: [String: JSONValue]
    var cache: [String: SchemaNode] = [:]
    /// Keywords that only annotate: read and ignored, as the specification says.
    static let annotations: Set<String> = [
        "$schema", "$comment", "title", "description", "default", "examples",
        "deprecated", "readOnly", "writeOnly",
    ]
    static let known: Set<String> = annotations.union([
        "$id", "$defs", "$ref", "type", "properties",
        "required", "additionalProperties", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "minItems", "maxItems", "uniqueItems", "items", "allOf", "if", "then", "else", "format", "contentMediaType",
    ])

    mutating func compile(_ schema: JSONValue, file: String) throws -> SchemaNode {
        let node = SchemaNode()
        try compile(schema, file: file, into: node, isRoot: true)
        return node
    }

    /// Compiles `schema` into `node` (made beforehand, so that a `$ref` back to a schema being compiled finds it).
    mutating func compile(_ schema: JSONValue, file: String, into node: SchemaNode, isRoot: Bool = false) throws {
        func fail(_ what: String) -> SchemaLoadError { SchemaLoadError("\(file): \(what)") }
        func sub(_ v: JSONValue) throws -> SchemaNode {
            let n = SchemaNode()
            try compile(v, file: file, into: n)
            return n
        }
        /// A keyword's value that must be a non-negative whole number.
        func count(_ key: String) throws -> Int? {
            guard let v = schema[key] else { return nil }
            guard case .number(let text) = v, JSONNumber.isInteger(text), let d = Double(text), d >= 0 else {
                throw fail("'\(key)' must be a non-negative integer")
            }
            return d > Double(Int.max / 2) ? Int.max / 2 : Int(d)
        }
        func number(_ key: String) throws -> Double? {
            guard let v = schema[key] else { return nil }
            guard let d = v.doubleValue else { throw fail("'\(key)' must be a number") }
            return d
        }
        let members: [JSONValue.Member]
        switch schema {
        case .bool(true): return
        case .bool(false):
            node.rejectsEverything = true
            return
        case .object(let m): members = m
        default: throw fail("a schema must be an object or a boolean")
        }
        for m in members where !Self.known.contains(m.key) {
            throw fail("keyword '\(m.key)' is not supported by the gateway's validator")
        }
        // A base URI below the root would change what `#...` means inside it; contracts refer by file name.
        if !isRoot, schema["$id"] != nil { throw fail("keyword '$id' is only supported at a document's root") }
        if let ref = schema["$ref"] {
            guard let ref = ref.stringValue else { throw fail("'$ref' must be a string") }
            node.allOf.append(try resolve(ref, from: file))
        }
        if let t = schema["type"] {
            let names = t.arrayValue ?? [t]
            var types = Set<String>()
            for name in names {
                guard let n = name.stringValue, JSONTypes(name: n) != nil else { throw fail("'type' names no JSON type") }
                types.insert(n)
            }
            node.types = types
        }
        if let props = schema["properties"] {
            guard case .object(let props) = props else { throw fail("'properties' must be an object") }
            for p in props { node.properties[p.key] = try sub(p.value) }
        }
        if let required = schema["required"] {
            guard let names = required.arrayValue?.compactMap(\.stringValue), names.count == required.arrayValue?.count else {
                throw fail("'required' must be an array of strings")
            }
            node.required = names
        }
        switch schema["additionalProperties"] {
        case nil, .bool(true)?: break
        case .bool(false)?: node.additionalProperties = false
        case let extra?: node.additionalSchema = try sub(extra)
        }
        if let values = schema["enum"] {
            guard let list = values.arrayValue else { throw fail("'enum' must be an array") }
            node.enumValues = list
        }
        node.constValue = schema["const"]
        if let p = schema["pattern"] {
            guard let p = p.stringValue else { throw fail("'pattern' must be a string") }
            do { node.pattern = try Pattern(p) } catch { throw fail("pattern '\(p)' is not a regular expression the validator can run") }
        }
        node.minLength = try count("minLength")
        node.maxLength = try count("maxLength")
        node.minimum = try number("minimum")
        node.maximum = try number("maximum")
        node.minItems = try count("minItems")
        node.maxItems = try count("maxItems")
        if let unique = schema["uniqueItems"] {
            guard let b = unique.boolValue else { throw fail("'uniqueItems' must be a boolean") }
            node.uniqueItems = b
        }
        if let items = schema["items"] {
            // 2020-12: `items` is one schema; the list form of earlier drafts is `prefixItems` now.
            if items.arrayValue != nil { throw fail("keyword 'items' as a list (draft 2019) is not supported: use one schema") }
            node.items = try sub(items)
        }
        if let all = schema["allOf"] {
            guard let list = all.arrayValue, !list.isEmpty else { throw fail("'allOf' must be a non-empty array") }
            for s in list { node.allOf.append(try sub(s)) }
        }
        if let cond = schema["if"] {
            node.conditionals.append((try sub(cond), try schema["then"].map(sub), try schema["else"].map(sub)))
        }
        if let f = schema["format"] {
            guard let f = f.stringValue else { throw fail("'format' must be a string") }
            node.format = f
        }
        if let media = schema["contentMediaType"]?.stringValue {
            guard media == "text/plain" else { throw fail("contentMediaType '\(media)' is not supported (only text/plain)") }
            node.carriesWords = true
        }
    }

    /// `common.schema.json#/$defs/urc`, `#/$defs/x` or `#` to a compiled node.
    mutating func resolve(_ ref: String, from file: String) throws -> SchemaNode {
        let (target, refFile, pointer) = try Self.target(of: ref, from: file, in: documents)
        let key = "\(refFile)#\(pointer)"
        if let cached = cache[key] { return cached }
        let node = SchemaNode()
        node.definition = key
        cache[key] = node
        try compile(target, file: refFile, into: node, isRoot: pointer.isEmpty)
        return node
    }

    /// The schema `ref` points at among `documents`, its file, and the pointer (decoded). The pointer is a JSON
    /// Pointer (RFC 6901: `~1` is `/`, `~0` is `~`) inside a URI fragment (percent-encoded).
    static func target(of ref: String, from file: String, in documents: [String: JSONValue]) throws -> (JSONValue, String, String) {
        let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let refFile = parts[0].isEmpty ? file : String(parts[0])
        guard var target = documents[refFile] else {
            throw SchemaLoadError("\(file): $ref to '\(refFile)', which is not one of the schema files")
        }
        guard let pointer = (parts.count > 1 ? String(parts[1]) : "").removingPercentEncoding else {
            throw SchemaLoadError("\(file): $ref '\(ref)' is not a valid URI fragment")
        }
        if !pointer.isEmpty {
            guard pointer.hasPrefix("/") else { throw SchemaLoadError("\(file): $ref '\(ref)' is not a JSON Pointer (anchors are not supported)") }
            for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let step = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                let next: JSONValue?
                if let list = target.arrayValue {
                    next = Int(step).flatMap { list.indices.contains($0) ? list[$0] : nil }
                } else {
                    next = target[step]
                }
                guard let next else { throw SchemaLoadError("\(file): $ref '\(ref)' does not resolve") }
                target = next
            }
        }
        return (target, refFile, pointer)
    }
}
