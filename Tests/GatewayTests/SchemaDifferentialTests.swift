import Contracts
import Foundation
import TestSupport
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The gateway's validator and Python's `jsonschema` (an independent implementation, with its format checker)
/// agree on every body: for every contract schema, bodies generated valid from the schema files, and the same
/// bodies broken one random way each (a member removed or added, a value of another type, a string edited,
/// lengthened or emptied, a number changed or rewritten, an array emptied, doubled or an item repeated).
@Suite struct SchemaDifferentialTests {
    /// One random change somewhere in `value`.
    static func broken(_ value: JSONValue, _ g: inout SchemaInstanceGenerator) -> JSONValue {
        // Walk down to a random place, preferring to go deeper, then change what is there.
        switch value {
        case .object(var members) where !members.isEmpty && g.chance(0.75):
            let i = Int.random(in: 0..<members.count, using: &g.rng)
            members[i].value = broken(members[i].value, &g)
            return .object(members)
        case .array(var items) where !items.isEmpty && g.chance(0.7):
            let i = Int.random(in: 0..<items.count, using: &g.rng)
            items[i] = broken(items[i], &g)
            return .array(items)
        default:
            return changed(value, &g)
        }
    }

    static func changed(_ value: JSONValue, _ g: inout SchemaInstanceGenerator) -> JSONValue {
        let others: [JSONValue] = [.null, .bool(true), .number("7"), .string("x"), .array([]), .object([])]
        switch value {
        case .object(var members):
            switch Int.random(in: 0..<3, using: &g.rng) {
            case 0 where !members.isEmpty: members.remove(at: Int.random(in: 0..<members.count, using: &g.rng))
            case 1: members.append(.init("unlisted", .string("x")))
            default: return g.pick(others)
            }
            return .object(members)
        case .array(let items):
            switch Int.random(in: 0..<4, using: &g.rng) {
            case 0: return .array([])
            case 1 where !items.isEmpty: return .array(items + [items[0]])
            case 2: return .array(Array(repeating: items, count: 40).flatMap { $0 })
            default: return g.pick(others)
            }
        case .string(let s):
            let edits: [String] = [
                "", s + "\n", s + " ", " " + s, s.uppercased(), s.lowercased(), String(s.dropLast()), s + "Z", s + "٣",
                "٢٠٢٦" + s, s + "é", String(repeating: s.isEmpty ? "a" : s, count: 60), s.replacingOccurrences(of: "Z", with: "+00:00"),
                s.replacingOccurrences(of: "-", with: "_"), s.replacingOccurrences(of: "T", with: "t"), s + "\u{200B}",
                s.replacingOccurrences(of: "-11-", with: "-02-").replacingOccurrences(of: "-12-", with: "-02-30"),
            ]
            return g.chance(0.85) ? .string(g.pick(edits)) : g.pick(others)
        case .number(let n):
            let edits = ["-" + n, n + ".5", n + ".0", n + "e1", n + "000000", "0", "-1", "1e400", n + "e0"]
            return g.chance(0.85) ? .number(g.pick(edits).replacingOccurrences(of: "--", with: "")) : g.pick(others)
        case .bool(let b): return g.chance(0.5) ? .bool(!b) : g.pick(others)
        case .null: return g.pick(others)
        }
    }

    @Test func theValidatorAgreesWithPythonsJsonschemaOnValidAndBrokenBodies() async throws {
        var g = SchemaInstanceGenerator(seed: 0xD1FF, documents: Repo.schemas.documents)
        let perType = Int(ProcessInfo.processInfo.environment["REFGW_DIFFERENTIAL_COUNT"] ?? "") ?? 150
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-differential-\(UUID().uuidString.prefix(8))")
        let accepted = root.appendingPathComponent("accepted")
        let refused = root.appendingPathComponent("refused")
        try FileManager.default.createDirectory(at: accepted, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: refused, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        var counts = (accepted: 0, refused: 0)
        for type in MessageType.allCases {
            for n in 0..<perType {
                let valid = try g.instance(of: type)
                // Every third body as generated; the rest broken one way (some breakages keep it valid: 2 → 2.0).
                let body = n % 3 == 0 ? valid : Self.broken(valid, &g)
                let ok = (try? Repo.schemas.validate(body, as: type)) != nil
                let folder = ok ? accepted : refused
                try Data(JSONWriter.bytes(body)).write(to: folder.appendingPathComponent("\(type.rawValue).\(n).json"))
                if ok { counts.accepted += 1 } else { counts.refused += 1 }
            }
        }
        let (status, output) = try await Subprocess.output(of: [
            "/usr/bin/env", "python3", Repo.root.appendingPathComponent("contracts/tools/validate.py").path,
            "--schemas", Repo.root.appendingPathComponent("contracts/schemas").path,
            "--valid", accepted.path, "--invalid", refused.path,
        ])
        let disagreements = output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(
            status == 0 && output.contains("\(counts.accepted + counts.refused) passed, 0 failed"),
            "the validators disagree on \(disagreements.count) bodies: \(disagreements.prefix(8).joined(separator: "\n"))")
        // Both sides of the comparison are exercised.
        #expect(
            counts.accepted >= MessageType.allCases.count * perType / 3 && counts.refused >= MessageType.allCases.count * perType / 3,
            "\(counts)")
    }
}
