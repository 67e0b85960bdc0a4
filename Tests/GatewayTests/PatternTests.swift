import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The fast matcher agrees with NSRegularExpression on every pattern of the contract, over many strings.
@Suite struct PatternTests {
    static func contractPatterns() throws -> [String] {
        var found = Set<String>()
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let members):
                for m in members {
                    if m.key == "pattern", let p = m.value.stringValue { found.insert(p) }
                    walk(m.value)
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        let dir = Repo.root.appendingPathComponent("contracts/schemas")
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".json") {
            walk(try JSONParser.parse(Data(contentsOf: dir.appendingPathComponent(f))))
        }
        return found.sorted()
    }

    @Test func everyContractPatternRunsOnTheFastMatcherAndAgreesWithNSRegularExpression() throws {
        let patterns = try Self.contractPatterns()
        #expect(patterns.count >= 10)
        var rng = SplitMix64(state: 42)
        let alphabet = Array("0123456789abcdefABCDEFHJKXYZ-_ .@()+:TZé\t")
        let samples = [
            "10BH-P5N4-0BAA", "6f1c2a7e-0c3b-4e8a-9d2f-000000000000", "LEI-2026-0042", "LE2 3AB", "SW1A1AA",
            "jo@example.org", "a@b", "safehome", "victim-2026-1", "0116 454 0000", "+44 (0) 7700-900123",
            "2026-11-21", "2026-11-21T10:00:00Z", "2026-11-21T10:00:00.123456789Z", "2026-11-21T10:00:00.Z", "",
        ]
        for p in patterns {
            let pattern = try Pattern(p)
            #expect(pattern.isSimple, "\(p) fell back to NSRegularExpression")
            var strings = samples
            for _ in 0..<3000 {
                let n = Int.random(in: 0...40, using: &rng)
                strings.append(String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }))
            }
            // Mutations of matching samples exercise the near misses.
            for s in samples where pattern.matchesWithRegex(s) {
                for i in 0..<s.count {
                    var chars = Array(s)
                    chars[i] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                    strings.append(String(chars))
                    chars.remove(at: i)
                    strings.append(String(chars))
                }
            }
            for s in strings {
                #expect(pattern.matches(s) == pattern.matchesWithRegex(s), "\(p) disagrees on '\(s)'")
            }
        }
    }

    /// The schema's length shortcut (UTF-8 length instead of counting scalars) never passes a wrong length.
    @Test func lengthShortcutAgreesWithCountingScalars() {
        var rng = SplitMix64(state: 7)
        let alphabet = Array("ab é€😀")
        for _ in 0..<20_000 {
            let s = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            let min: Int? = Bool.random(using: &rng) ? Int.random(in: 0...8, using: &rng) : nil
            let max: Int? = Bool.random(using: &rng) ? Int.random(in: 0...30, using: &rng) : nil
            let n = s.unicodeScalars.count
            if SchemaNode.lengthSurelyWithin(utf8Count: s.utf8.count, min, max) {
                #expect(n >= (min ?? 0) && n <= (max ?? .max), "'\(s)' min \(String(describing: min)) max \(String(describing: max))")
            }
        }
    }

    @Test func unsupportedSyntaxFallsBack() throws {
        #expect(try Pattern("^(a|b)$").isSimple == false)
        #expect(try Pattern("^a.b$").isSimple == false)
        #expect(try Pattern("abc").isSimple == false)
        #expect(try Pattern("^(a|b)$").matches("b"))
    }
}
