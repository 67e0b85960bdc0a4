import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The gateway's JSON Schema validator against the official JSON Schema Test Suite (draft 2020-12), for every
/// keyword it implements. `scripts/test.sh` fetches the suite (`scripts/json-schema-suite.sh`) and names it in
/// `REFGW_JSON_SCHEMA_SUITE`.
///
/// A test group is skipped only when the validator refuses its schema at load time for a reason listed in
/// `skipReasons` (a keyword no contract uses, a reference by URI): refusing loudly is how the gateway meets a
/// schema it cannot enforce. Any other refusal, and any answer different from the suite's, fails.
@Suite struct SchemaTestSuiteTests {
    static let suite = ProcessInfo.processInfo.environment["REFGW_JSON_SCHEMA_SUITE"].map { URL(fileURLWithPath: $0) }

    /// The suite's files for the keywords the validator implements. Not here: `defs.json`, whose two groups check
    /// schemas against the 2020-12 metaschema, which they name by URI (the validator reads only local files).
    static let files = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "pattern",
        "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "items",
        "allOf", "if-then-else", "ref", "boolean_schema", "default", "format",
        "infinite-loop-detection", "optional/format/date-time", "optional/format/date", "optional/bignum", "optional/ecmascript-regex",
        "optional/non-bmp-regex",
    ]

    /// Why a group may be skipped, by a fragment of the load error that says so.
    static let skipReasons: [(fragment: String, why: String)] =
        [
            "anyOf", "oneOf", "not", "prefixItems", "contains", "minContains", "maxContains", "patternProperties",
            "propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
            "minProperties", "maxProperties", "multipleOf", "exclusiveMinimum", "exclusiveMaximum", "$anchor",
            "$dynamicRef", "$dynamicAnchor", "$vocabulary", "contentEncoding", "contentSchema", "dependencies",
        ]
        .map { ("keyword '\($0)' is not supported", "uses \($0), which no contract uses (refused at load)") }
        + [
            ("which is not one of the schema files", "refers by URI to another document ($id resolution, remote schemas)"),
            ("keyword '$id' is only supported at a document's root", "a base URI below the root ($id in a subschema)"),
            ("anchors are not supported", "refers to an anchor"),
            ("contentMediaType", "a content media type other than text/plain"),
        ]

    /// What became of one file's tests.
    struct Tally: CustomStringConvertible {
        var passed = 0
        var skipped: [String: Int] = [:]
        var failures: [String] = []
        var description: String {
            let skips = skipped.sorted { $0.key < $1.key }.map { "\($0.value) skipped: \($0.key)" }
            return (["\(passed) passed"] + (failures.isEmpty ? [] : ["\(failures.count) FAILED"]) + skips).joined(separator: "; ")
        }
    }

    /// Runs one suite file; groups whose schema matches `annotationOnly` are skipped with that reason.
    static func run(_ name: String, in suite: URL) throws -> Tally {
        let document = try JSONParser.parse(Data(contentsOf: suite.appendingPathComponent("\(name).json")))
        var tally = Tally()
        for group in document.arrayValue ?? [] {
            let description = group["description"]?.stringValue ?? "?"
            let tests = group["tests"]?.arrayValue ?? []
            guard let schema = group["schema"] else { continue }
            if let why = Self.formatAsserted(schema, file: name) {
                tally.skipped[why, default: 0] += tests.count
                continue
            }
            var compiler = SchemaCompiler(documents: ["suite.json": schema])
            let node: SchemaNode
            do {
                node = try compiler.compile(schema, file: "suite.json")
            } catch {
                let message = "\(error)"
                guard let reason = skipReasons.first(where: { message.contains($0.fragment) }) else {
                    tally.failures.append("\(name) / \(description): refused at load: \(message)")
                    continue
                }
                tally.skipped[reason.why, default: 0] += tests.count
                continue
            }
            for test in tests {
                guard let data = test["data"], let valid = test["valid"]?.boolValue else { continue }
                let accepted = (try? node.validate(data)) != nil
                if accepted == valid {
                    tally.passed += 1
                } else {
                    tally.failures.append(
                        "\(name) / \(description) / \(test["description"]?.stringValue ?? "?"): expected \(valid ? "valid" : "invalid")")
                }
            }
        }
        return tally
    }

    /// The suite's `format.json` treats `format` as an annotation (the 2020-12 default); the gateway asserts
    /// `date` and `date-time`, as the format-assertion vocabulary does, and `optional/format/date*.json` tests that.
    static func formatAsserted(_ schema: JSONValue, file: String) -> String? {
        guard file == "format", let f = schema["format"]?.stringValue, f == "date" || f == "date-time" else { return nil }
        return "the gateway asserts format \(f) (tested by optional/format/\(f).json)"
    }

    @Test(
        .enabled(
            if: suite != nil || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs REFGW_JSON_SCHEMA_SUITE: run scripts/test.sh, or scripts/json-schema-suite.sh and export its output"))
    func theValidatorPassesTheOfficialSuiteForEveryKeywordItImplements() throws {
        let suite = try #require(Self.suite, "REFGW_JSON_SCHEMA_SUITE is not set: scripts/test.sh fetches the suite")
        var failures: [String] = []
        var report: [String] = []
        for name in Self.files {
            let tally = try Self.run(name, in: suite)
            report.append("\(name): \(tally)")
            failures += tally.failures
            // A file whose every test was skipped would prove nothing about its keyword.
            #expect(tally.passed > 0, "no test of \(name).json ran")
        }
        print("JSON Schema Test Suite (draft 2020-12), per keyword:\n  " + report.joined(separator: "\n  "))
        #expect(failures.isEmpty, "\(failures.count) tests of the suite failed:\n\(failures.joined(separator: "\n"))")
    }

    @Test func equalityIsJSONsNotTheText() throws {
        func v(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }
        #expect(try v(#"{"a":1,"b":[1.0,2]}"#).isSameJSON(as: v(#"{"b":[1,2e0],"a":10e-1}"#)))
        #expect(try !v(#"{"a":1}"#).isSameJSON(as: v(#"{"a":1,"b":null}"#)))
        #expect(try !v("9007199254740993").isSameJSON(as: v("9007199254740992")))
        #expect(try v("-0").isSameJSON(as: v("0.0e5")))
        #expect(try !v("true").isSameJSON(as: v("1")))
        #expect(JSONNumber.isInteger("1.0") && JSONNumber.isInteger("1.5e1") && JSONNumber.isInteger("1e2"))
        #expect(!JSONNumber.isInteger("1.05e1") && !JSONNumber.isInteger("1e-1"))
    }

    @Test func aContractMayNotBeOpenOrRecursive() throws {
        let open = try JSONParser.parse(Array(#"{"type":"object","properties":{"a":{"type":"string"}}}"#.utf8))
        let extra = try JSONParser.parse(Array(#"{"type":"object","additionalProperties":{"type":"string"}}"#.utf8))
        let recursive = try JSONParser.parse(
            Array(
                ##"{"$defs":{"n":{"type":"object","additionalProperties":false,"properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}"##
                    .utf8))
        for (schema, fragment) in [(open, "additionalProperties"), (extra, "additionalProperties"), (recursive, "refers back to itself")] {
            var compiler = SchemaCompiler(documents: ["x.schema.json": schema])
            let node = try compiler.compile(schema, file: "x.schema.json")
            #expect(throws: SchemaLoadError.self) { try ContractSchemas.checkShape(node, file: "x.schema.json") }
            do { try ContractSchemas.checkShape(node, file: "x.schema.json") } catch { #expect("\(error)".contains(fragment)) }
        }
    }

    @Test func aPropertyWithoutATypeIsFreeText() throws {
        let schema = try JSONParser.parse(
            Array(#"{"type":"object","additionalProperties":false,"properties":{"note":{"description":"anything"},"code":{"enum":["a"]}}}"#.utf8))
        var compiler = SchemaCompiler(documents: ["x.schema.json": schema])
        var paths = PathSet()
        try compiler.compile(schema, file: "x.schema.json").collectFreeText(prefix: [], into: &paths)
        #expect(paths.paths == [["note"]])
    }
}
