import Contracts
import Foundation

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// Random bodies valid against the contract's own schemas, made from the schema files (not from the Swift
/// types): every optional field sometimes there, every enum value in turn, strings of each pattern's form. A
/// pattern or keyword it does not know fails the test loudly, so a schema change cannot make it silently weaker.
struct SchemaInstanceGenerator {
    var rng: SplitMix64
    let documents: [String: JSONValue]
    let urcs = try! Repo.parties.allocator(for: .victim)

    init(seed: UInt64, documents: [String: JSONValue]) {
        rng = SplitMix64(state: seed)
        self.documents = documents
    }

    struct Unknown: Error, CustomStringConvertible { let description: String }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }

    /// A valid instance of `type`'s schema.
    mutating func instance(of type: MessageType) throws -> JSONValue {
        let file = "\(type.rawValue).schema.json"
        return try make(documents[file]!, file: file)
    }

    mutating func make(_ schema: JSONValue, file: String) throws -> JSONValue {
        if let ref = schema["$ref"]?.stringValue {
            let (target, targetFile) = try ViewMaker(documents: documents, withheld: []).resolve(ref, from: file)
            return try make(target, file: targetFile)
        }
        if let const = schema["const"] { return const }
        if let values = schema["enum"]?.arrayValue { return pick(values) }
        if let parts = schema["allOf"]?.arrayValue, schema["properties"] == nil, schema["type"] == nil {
            // A `$ref` wrapped for its description: the one part that is a schema of its own.
            guard let part = parts.first(where: { $0["if"] == nil }) else { throw Unknown(description: "allOf without a schema") }
            return try make(part, file: file)
        }
        let types = (schema["type"].map { $0.arrayValue ?? [$0] } ?? []).compactMap(\.stringValue)
        switch types.first {
        case "object"?: return try object(schema, file: file)
        case "array"?:
            let items = schema["items"] ?? .object([])
            let lo = Int(schema["minItems"]?.doubleValue ?? 0)
            let hi = Int(schema["maxItems"]?.doubleValue ?? Double(max(lo, 3)))
            var out: [JSONValue] = []
            let n = Int.random(in: lo...min(hi, max(lo, 3)), using: &rng)
            var attempts = 0
            while out.count < n, attempts < 50 {
                attempts += 1
                let v = try make(items, file: file)
                if schema["uniqueItems"] == .bool(true), out.contains(v) { continue }
                out.append(v)
            }
            guard out.count >= lo else { throw Unknown(description: "cannot make \(lo) unique items") }
            return .array(out)
        case "string"?: return .string(try string(schema))
        case "integer"?:
            let lo = Int(schema["minimum"]?.doubleValue ?? 0)
            let hi = Int(schema["maximum"]?.doubleValue ?? Double(lo + 50_000))
            return .number(String(Int.random(in: lo...hi, using: &rng)))
        case "boolean"?: return .bool(chance(0.5))
        default: throw Unknown(description: "a schema of type \(types) in \(file)")
        }
    }

    mutating func object(_ schema: JSONValue, file: String) throws -> JSONValue {
        guard case .object(let props)? = schema["properties"] else { throw Unknown(description: "an object without properties in \(file)") }
        var required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        var members: [JSONValue.Member] = []
        for p in props where required.contains(p.key) || chance(0.6) {
            members.append(.init(p.key, try make(p.value, file: file)))
        }
        // Conditions the contract uses: `if: {properties: {k: {const: v}}}, then: {required: [...]}`.
        for part in schema["allOf"]?.arrayValue ?? [] {
            guard let cond = part["if"], let then = part["then"] else { continue }
            guard case .object(let condProps)? = cond["properties"], condProps.count == 1, let want = condProps[0].value["const"] else {
                throw Unknown(description: "a condition of another form in \(file)")
            }
            let key = condProps[0].key
            guard members.first(where: { $0.key == key })?.value == want else { continue }
            for name in (then["required"]?.arrayValue ?? []).compactMap(\.stringValue) where !members.contains(where: { $0.key == name }) {
                guard let sub = props.first(where: { $0.key == name })?.value else { throw Unknown(description: "then requires \(name)") }
                required.insert(name)
                members.append(.init(name, try make(sub, file: file)))
            }
        }
        return .object(members)
    }

    static let words = ["support", "visit", "call", "before", "noon", "family", "safety", "plan", "review", "agreed", "needs", "help"]

    mutating func string(_ schema: JSONValue) throws -> String {
        let lo = Int(schema["minLength"]?.doubleValue ?? 1)
        let hi = Int(schema["maxLength"]?.doubleValue ?? 200)
        guard let pattern = schema["pattern"]?.stringValue.map({ $0.replacingOccurrences(of: "(?!\\n)$", with: "$") }) else {
            if schema["format"]?.stringValue == "date-time" { return Timestamp().rfc3339 }
            var text = ""
            while text.count < lo || (text.count < min(hi, 60) && chance(0.7)) { text += (text.isEmpty ? "" : " ") + pick(Self.words) }
            return String(text.prefix(hi))
        }
        switch pattern {
        case _ where pattern.hasPrefix("^[0-9A-HJKMNP-TV-Z]{4}"): return urcs.allocate().canonical
        case _ where pattern.hasPrefix("^[0-9a-f]{8}-"): return UUID.randomLowercased()
        case "^[a-z][a-z0-9-]{1,31}$": return pick(PartyID.services).rawValue
        case "^[a-z][a-z0-9-]{1,63}$": return pick(PartyID.services.map(\.rawValue) + ["police", "childrens-social-care"])
        case _ where pattern.hasPrefix("^\\d{4}-\\d{2}-\\d{2}T"):
            return Timestamp().adding(seconds: Double(Int.random(in: -86_400...86_400, using: &rng))).rfc3339
        case "^\\d{4}-\\d{2}-\\d{2}$":
            return "20\(Int.random(in: 10...25, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))"
        case "^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$": return pick(["M14 5TQ", "LE2 3AB", "SK4 1AA"])
        case "^\\+?[0-9 ()-]{6,20}$": return pick(["07700 900123", "0161 496 0000", "+44 7700 900456"])
        case "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": return pick(["jo@example.org", "worker@service.example"])
        case "^[a-z]{2,3}(-[A-Z]{2})?$": return pick(["en", "pl", "pa", "pt-BR"])
        case "^[A-Z0-9][A-Z0-9-]{2,40}$": return "MC-\(Int.random(in: 100...999, using: &rng))"
        case "^[A-Z0-9][A-Z0-9-]{0,49}$": return pick(["LOCK", "CHAIN", "ALARM-2"])
        case "^[a-z][a-z-]{1,40}$": return pick(MessageType.allCases).rawValue
        case "^[a-z][a-z0-9-]{1,40}$": return pick(ReasonCode.allCases).rawValue
        case _ where schema["contentMediaType"]?.stringValue == "text/plain":
            let names = ["Jo", "Sam", "Priya", "Zoë", "Łukasz", "Siobhán", "O'Neill", "Smith-Jones", "Nowak", "Ali", "Мария", "Amira Khan"]
            var name = pick(names)
            if chance(0.3) { name += " " + pick(names) }
            return String(name.prefix(hi))
        default:
            throw Unknown(description: "a string of pattern \(pattern)")
        }
    }
}
