import Contracts

/// Where the validator is in a document: a stack of keys and indexes, rendered only for an error message
/// (building a path string for every field visited cost more than the checks). A value passed `inout`: as a
/// class, every push and pop paid a run-time exclusivity check and reference counting.
struct ValidationTrail {
    enum Step {
        case key(String)
        case index(Int)
    }
    var steps: [Step] = []
    var rendered: String {
        steps.map { step -> String in
            switch step {
            case .key(let k): return "/" + k
            case .index(let i): return "/\(i)"
            }
        }.joined()
    }
}

/// JSON types as bits, so a type check is one AND.
struct JSONTypes: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = JSONTypes(rawValue: 1), boolean = JSONTypes(rawValue: 2), number = JSONTypes(rawValue: 4)
    static let integer = JSONTypes(rawValue: 8), string = JSONTypes(rawValue: 16), array = JSONTypes(rawValue: 32)
    static let object = JSONTypes(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "number": self = .number
        case "integer": self = .integer
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    static func of(_ v: JSONValue) -> JSONTypes {
        switch v {
        case .null: return .null
        case .bool: return .boolean
        // A whole number is an integer however it is written (`1.0`, `1e2`), as JSON Schema says.
        case .number(let n): return JSONNumber.isInteger(n) ? [.number, .integer] : .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }
}

/// One compiled schema: built once at load time, then only read (hence `@unchecked Sendable`).
final class SchemaNode: @unchecked Sendable {
    var types: Set<String>? { didSet { typeMask = types.map { JSONTypes($0.compactMap(JSONTypes.init(name:))) } } }
    private var typeMask: JSONTypes?
    var properties: [String: SchemaNode] = [:]
    var required: [String] = []
    /// False: no property beyond `properties` (`additionalProperties: false`).
    var additionalProperties = true
    /// `additionalProperties` as a schema: what every property beyond `properties` must satisfy.
    var additionalSchema: SchemaNode?
    /// The `false` schema: nothing is valid.
    var rejectsEverything = false
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var pattern: Pattern?
    var minLength: Int?, maxLength: Int?
    var minimum: Double?, maximum: Double?
    var minItems: Int?, maxItems: Int?
    var uniqueItems = false
    var items: SchemaNode?
    var allOf: [SchemaNode] = []
    /// `if` with its `then` and `else` (either may be absent).
    var conditionals: [(condition: SchemaNode, then: SchemaNode?, else: SchemaNode?)] = []
    var format: String?
    /// `contentMediaType: text/plain`: a constrained string that still carries words (a name, a job title).
    var carriesWords = false
    /// The `file#/pointer` this node was compiled from through a `$ref` (e.g. `common.schema.json#/$defs/urc`).
    var definition: String?

    func validate(_ v: JSONValue) throws(SchemaViolation) {
        var trail = ValidationTrail()
        try validate(v, trail: &trail)
    }

    func validate(_ v: JSONValue, trail: inout ValidationTrail) throws(SchemaViolation) {
        func fail(_ rule: String) -> SchemaViolation { SchemaViolation(path: trail.rendered, rule: rule) }
        if rejectsEverything { throw fail("not allowed here") }
        if let typeMask, typeMask.isDisjoint(with: JSONTypes.of(v)) {
            throw fail("must be \((types ?? []).sorted().joined(separator: " or "))")
        }
        if let enumValues, !enumValues.contains(where: { $0 == v || $0.isSameJSON(as: v) }) { throw fail("not one of the allowed values") }
        if let constValue, constValue != v, !constValue.isSameJSON(as: v) { throw fail("not the required value") }
        switch v {
        case .string(let s):
            // Counting scalars walks the string; its UTF-8 length (1 to 4 bytes a scalar) usually settles it.
            if minLength != nil || maxLength != nil, !Self.lengthSurelyWithin(utf8Count: s.utf8.count, minLength, maxLength) {
                let n = s.unicodeScalars.count
                if let minLength, n < minLength { throw fail("shorter than \(minLength) characters") }
                if let maxLength, n > maxLength { throw fail("longer than \(maxLength) characters") }
            }
            if let pattern, !pattern.matches(s) { throw fail("does not have the required form") }
            if let format, !SchemaFormat.accepts(s, format: format) { throw fail("not a valid \(format)") }
        case .number(let text):
            if minimum != nil || maximum != nil {
                guard let d = Double(text) else { throw fail("not a number") }
                if let minimum, d < minimum { throw fail("less than \(minimum)") }
                if let maximum, d > maximum { throw fail("more than \(maximum)") }
            }
        case .array(let a):
            if let minItems, a.count < minItems { throw fail("fewer than \(minItems) items") }
            if let maxItems, a.count > maxItems { throw fail("more than \(maxItems) items") }
            if uniqueItems {
                for i in a.indices { for j in a.indices where j > i && a[i].isSameJSON(as: a[j]) { throw fail("items are not unique") } }
            }
            if let items {
                for (i, item) in a.enumerated() {
                    trail.steps.append(.index(i))
                    try items.validate(item, trail: &trail)
                    trail.steps.removeLast()
                }
            }
        case .object(let members):
            for r in required where !members.contains(where: { $0.key == r }) {
                throw fail("missing required property '\(r)'")
            }
            for m in members {
                if let p = properties[m.key] {
                    trail.steps.append(.key(m.key))
                    try p.validate(m.value, trail: &trail)
                    trail.steps.removeLast()
                } else if let additionalSchema {
                    trail.steps.append(.key(m.key))
                    try additionalSchema.validate(m.value, trail: &trail)
                    trail.steps.removeLast()
                } else if !additionalProperties {
                    // Property names of a broken message could themselves be personal data: name only plain ones.
                    let plain = m.key.utf8.count <= 40 && m.key.allSatisfy { $0.isASCII && $0.isLetter }
                    throw fail(plain ? "property '\(m.key)' is not allowed" : "an unexpected property is not allowed")
                }
            }
        default: break
        }
        for s in allOf { try s.validate(v, trail: &trail) }
        for c in conditionals {
            if (try? c.condition.validate(v)) != nil { try c.then?.validate(v, trail: &trail) } else { try c.else?.validate(v, trail: &trail) }
        }
    }

    /// Whether a string of `utf8Count` bytes has between `min` and `max` scalars whatever its characters.
    static func lengthSurelyWithin(utf8Count n: Int, _ min: Int?, _ max: Int?) -> Bool {
        (max.map { n <= $0 } ?? true) && (min.map { (n + 3) / 4 >= $0 } ?? true)
    }

    /// Whether strings here are constrained (pattern, enum, const or format) rather than free text.
    private var constrainsStrings: Bool {
        pattern != nil || enumValues != nil || constValue != nil || format != nil || allOf.contains { $0.constrainsStrings }
    }

    /// Whether a string can be valid here: no type, or a type that includes string, here and in everything `allOf`
    /// adds (a schema without a type accepts any string, so its strings are free text).
    private var acceptsStrings: Bool {
        !rejectsEverything && (types?.contains("string") ?? true) && allOf.allSatisfy { $0.acceptsStrings }
    }

    /// The schemas inside this one (properties, items, `allOf`, conditionals), for walking the compiled tree.
    var children: [SchemaNode] {
        Array(properties.values) + [items, additionalSchema].compactMap { $0 } + allOf
            + conditionals.flatMap { [$0.condition, $0.then, $0.else].compactMap { $0 } }
    }

    /// Whether this node is, or includes through `allOf`, the definition `key`.
    func isDefinition(_ key: String) -> Bool {
        definition == key || allOf.contains { $0.isDefinition(key) }
    }

    /// Adds the paths (arrays transparent) of every node below this one that `matches`.
    func collectPaths(prefix: [String], into set: inout Set<[String]>, where matches: (SchemaNode) -> Bool) {
        if matches(self) { set.insert(prefix) }
        for (k, p) in properties { p.collectPaths(prefix: prefix + [k], into: &set, where: matches) }
        items?.collectPaths(prefix: prefix, into: &set, where: matches)
        for s in allOf { s.collectPaths(prefix: prefix, into: &set, where: matches) }
        for c in conditionals {
            c.then?.collectPaths(prefix: prefix, into: &set, where: matches)
            c.else?.collectPaths(prefix: prefix, into: &set, where: matches)
        }
    }

    /// Adds the longest length allowed of each string field below this node, by dotted path.
    func collectLengthLimits(prefix: [String], into limits: inout [String: Int]) {
        if acceptsStrings, let maxLength {
            limits[prefix.joined(separator: "."), default: maxLength] = min(limits[prefix.joined(separator: ".")] ?? maxLength, maxLength)
        }
        for (k, p) in properties { p.collectLengthLimits(prefix: prefix + [k], into: &limits) }
        items?.collectLengthLimits(prefix: prefix, into: &limits)
        for s in allOf { s.collectLengthLimits(prefix: prefix, into: &limits) }
    }

    /// Adds the paths (arrays are transparent) of free-text string fields below this node.
    func collectFreeText(prefix: [String], into set: inout PathSet) {
        if acceptsStrings && !constrainsStrings { set.insert(prefix) }
        for (k, p) in properties { p.collectFreeText(prefix: prefix + [k], into: &set) }
        items?.collectFreeText(prefix: prefix, into: &set)
        for s in allOf { s.collectFreeText(prefix: prefix, into: &set) }
    }
}
