import Contracts
import Foundation

/// Each recipient's view of each message type it may receive: the type's schema with only the fields the policy
/// lets that recipient have (and without the free text withheld from it), generated from the allow-list.
///
/// The gateway checks every body it is about to sign against its recipient's view and refuses
/// (`redaction-failed`) one that would not be valid, so it never signs a body that breaks the contract. The
/// views are published in `contracts/views/<recipient>/<type>.schema.json` (`refgw policy views` writes them;
/// a test keeps them current): what a receiver validates a delivery against.
public struct RecipientViews: Sendable {
    /// A view's schema, self-contained (every `$ref` inlined), and compiled.
    public struct View: Sendable {
        /// The service that receives bodies checked against this view.
        public var recipient: PartyID
        /// The message type the view is of.
        public var type: MessageType
        /// The view as a self-contained JSON Schema, as published under `contracts/views/`.
        public var schema: JSONValue
        let node: SchemaNode
    }

    private let views: [PartyID: [MessageType: View]]

    /// The view of `type` as `recipient` receives it; nil where the policy shares nothing.
    public func view(of type: MessageType, for recipient: PartyID) -> View? { views[recipient]?[type] }

    /// Every view, by recipient then type.
    public var all: [View] {
        views.keys.sorted { $0.rawValue < $1.rawValue }.flatMap { r in
            views[r]!.keys.sorted { $0.rawValue < $1.rawValue }.map { views[r]![$0]! }
        }
    }

    /// The views of every policy entry, and of what the gateway itself sends (reports and acknowledgements, to
    /// every service: nothing is removed from them).
    public init(policy: SharingPolicy, schemas: ContractSchemas, parties: PartyDirectory) throws {
        var out: [PartyID: [MessageType: View]] = [:]
        var compiler = SchemaCompiler(documents: schemas.documents)
        for rule in policy.allRules {
            let file = "\(rule.type.rawValue).schema.json"
            guard let document = schemas.documents[file] else { throw SchemaLoadError("no schema \(file)") }
            var maker = ViewMaker(
                documents: schemas.documents,
                withheld: rule.freeTextOnly.map { only in
                    schemas.freeTextPaths[rule.type].map { $0.paths.filter { !only.covers($0.joined(separator: ".")) } } ?? []
                } ?? [])
            var schema = try maker.filter(document, file: file, allowed: rule.fields, allowAll: rule.fields.terminal, path: [])
            schema = Self.annotate(schema, type: rule.type, recipient: rule.recipient)
            out[rule.recipient, default: [:]][rule.type] = View(
                recipient: rule.recipient, type: rule.type, schema: schema,
                node: try compiler.compile(schema, file: "views/\(rule.recipient)/\(file)"))
        }
        for type in MessageType.allCases where type.isGatewayOnly {
            let file = "\(type.rawValue).schema.json"
            guard let document = schemas.documents[file] else { throw SchemaLoadError("no schema \(file)") }
            var maker = ViewMaker(documents: schemas.documents, withheld: [])
            let inlined = try maker.filter(document, file: file, allowed: PathSet(), allowAll: true, path: [])
            for party in parties.entries.keys where party != .gateway {
                let schema = Self.annotate(inlined, type: type, recipient: party)
                out[party, default: [:]][type] = View(
                    recipient: party, type: type, schema: schema,
                    node: try compiler.compile(schema, file: "views/\(party)/\(file)"))
            }
        }
        views = out
    }

    /// Checks a body about to be delivered against its recipient's view.
    public func validate(_ body: JSONValue, as type: MessageType, for recipient: PartyID) throws(SchemaViolation) {
        guard let view = views[recipient]?[type] else {
            throw SchemaViolation(path: "", rule: "\(recipient) has no view of \(type.rawValue)")
        }
        try view.node.validate(body)
    }

    /// The view's own identity and title in place of the type's.
    static func annotate(_ schema: JSONValue, type: MessageType, recipient: PartyID) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        let title = members.first { $0.key == "title" }?.value.stringValue ?? type.rawValue
        members.removeAll { ["$schema", "$id", "title", "$comment"].contains($0.key) }
        members.insert(
            contentsOf: [
                .init("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                .init("$id", .string("https://referralgateway.example/contracts/v1/views/\(recipient.rawValue)/\(type.rawValue).schema.json")),
                .init("title", .string("\(title) as \(recipient.rawValue) receives it")),
                .init("$comment", .string("Generated by `refgw policy views` from contracts/schemas and config/sharing-policy.yaml: do not edit.")),
            ], at: 0)
        return .object(members)
    }
}

/// Turns a type's schema into a recipient's view: `$ref`s inlined, properties the allow-list does not name (or
/// withheld free text) dropped, and `required` lists keeping only what is left. `additionalProperties: false`
/// stays, so a view also says what must be absent.
struct ViewMaker {
    let documents: [String: JSONValue]
    /// Free-text paths (arrays transparent) the recipient never receives, whatever the allow-list says.
    let withheld: Set<[String]>

    init(documents: [String: JSONValue], withheld: [[String]]) {
        self.documents = documents
        self.withheld = Set(withheld)
    }

    mutating func filter(_ schema: JSONValue, file: String, allowed: PathSet, allowAll: Bool, path: [String]) throws -> JSONValue {
        guard case .object(let members) = schema else { return schema }
        var out: [JSONValue.Member] = []
        var kept: Set<String>?
        for m in members {
            switch m.key {
            case "$ref":
                guard let ref = m.value.stringValue else { continue }
                let (target, targetFile) = try resolve(ref, from: file)
                let inlined = try filter(target, file: targetFile, allowed: allowed, allowAll: allowAll, path: path)
                out.append(.init("allOf", .array([inlined])))
            case "$defs", "$schema", "$id":
                continue
            case "properties":
                guard case .object(let props) = m.value else { continue }
                var keptProps: [JSONValue.Member] = []
                for p in props {
                    let childPath = path + [p.key]
                    guard !withheld.contains(childPath) else { continue }
                    let child = allowed.children[p.key]
                    let childAll = allowAll || child?.terminal == true
                    guard childAll || child != nil else { continue }
                    // Only parts of this field are allowed: a scalar has none (the redactor removes it too).
                    if !childAll, !(try isStructured(p.value, file: file)) { continue }
                    keptProps.append(.init(p.key, try filter(p.value, file: file, allowed: child ?? PathSet(), allowAll: childAll, path: childPath)))
                }
                kept = Set(keptProps.map(\.key))
                out.append(.init("properties", .object(keptProps)))
            case "items":
                out.append(.init("items", try filter(m.value, file: file, allowed: allowed, allowAll: allowAll, path: path)))
            case "allOf":
                let parts = try (m.value.arrayValue ?? []).map { try filter($0, file: file, allowed: allowed, allowAll: allowAll, path: path) }
                out.append(.init("allOf", .array(parts)))
            case "then":
                out.append(.init("then", try filter(m.value, file: file, allowed: allowed, allowAll: allowAll, path: path)))
            case "if":
                // A condition only reads the instance: inlined, never filtered.
                out.append(.init("if", try filter(m.value, file: file, allowed: PathSet(), allowAll: true, path: path)))
            default:
                out.append(m)
            }
        }
        // What is required of a field that is no longer there cannot be asked of the view.
        return .object(
            out.map { m in
                guard m.key == "required", case .array(let names) = m.value else { return m }
                return .init(
                    "required",
                    .array(
                        names.filter { name in
                            guard let n = name.stringValue else { return false }
                            if let kept { return kept.contains(n) }
                            return isKept(n, allowed: allowed, allowAll: allowAll, path: path)
                        }))
            })
    }

    /// Whether a property named in a `required` list without `properties` beside it (an `if`/`then` branch)
    /// survives: the allow-list names it and it is not withheld.
    func isKept(_ name: String, allowed: PathSet, allowAll: Bool, path: [String]) -> Bool {
        guard !withheld.contains(path + [name]) else { return false }
        return allowAll || allowed.children[name] != nil
    }

    /// Whether a schema describes an object or an array (something with parts), following `$ref` and `allOf`.
    func isStructured(_ schema: JSONValue, file: String) throws -> Bool {
        if let t = schema["type"] {
            let types = (t.arrayValue ?? [t]).compactMap(\.stringValue)
            if types.contains("object") || types.contains("array") { return true }
        }
        if let ref = schema["$ref"]?.stringValue {
            let (target, targetFile) = try resolve(ref, from: file)
            if try isStructured(target, file: targetFile) { return true }
        }
        for part in schema["allOf"]?.arrayValue ?? [] where try isStructured(part, file: file) { return true }
        return false
    }

    /// `common.schema.json#/$defs/x` or `#/$defs/x` to its schema and the file it is in.
    func resolve(_ ref: String, from file: String) throws -> (JSONValue, String) {
        let (target, refFile, _) = try SchemaCompiler.target(of: ref, from: file, in: documents)
        return (target, refFile)
    }
}
