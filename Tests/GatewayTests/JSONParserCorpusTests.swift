import Contracts
import Foundation
import TestSupport
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The body parser over a corpus of RFC 8259's edge cases (structure, numbers, escapes, surrogates, UTF-8, depth),
/// each with the answer it must give, and differentially against Python's `json`: what we accept, Python reads as the
/// same value; what we refuse and Python accepts is one of the parser's deliberate strictnesses, named with why.
@Suite struct JSONParserCorpusTests {
    enum Expected { case accept, refuse }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// (name, document, answer).
    static let corpus: [(String, [UInt8], Expected)] = {
        var c: [(String, [UInt8], Expected)] = []
        func y(_ name: String, _ s: String) { c.append((name, bytes(s), .accept)) }
        func n(_ name: String, _ s: String) { c.append((name, bytes(s), .refuse)) }
        func nb(_ name: String, _ b: [UInt8]) { c.append((name, b, .refuse)) }
        // Structure.
        y("empty-array", "[]")
        y("empty-object", "{}")
        y("whitespace-around", " \t\n\r[ 1 , {} ]\r\n ")
        y("top-level-string", "\"a\"")
        y("top-level-number", "1")
        y("top-level-null", "null")
        y("top-level-true", "true")
        y("nested", #"{"a":[{"b":null,"c":[true,false]}],"d":{}}"#)
        y("depth-63", String(repeating: "[", count: 63) + String(repeating: "]", count: 63))
        n("depth-65", String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        n("empty-document", "")
        n("only-whitespace", " ")
        n("trailing-comma-array", "[1,]")
        n("leading-comma", "[,1]")
        n("trailing-comma-object", #"{"a":1,}"#)
        n("missing-colon", #"{"a" 1}"#)
        n("unquoted-key", "{a:1}")
        n("single-quotes", "['a']")
        n("missing-comma", "[1 2]")
        n("two-documents", #""a" "b""#)
        n("trailing-garbage", "{} x")
        n("extra-bracket", "[1]]")
        n("unclosed-array", "[1")
        n("unclosed-object", #"{"a":1"#)
        n("line-comment", "[1] // note")
        n("block-comment", "[1 /* note */]")
        n("number-key", "{1:1}")
        n("literal-prefix", "nul")
        n("literal-suffix", "truex")
        n("capital-literal", "True")
        n("lone-close", "]")
        n("missing-value", #"{"a":}"#)
        n("colon-in-array", "[1:2]")
        // Numbers.
        y("minus-zero", "[-0]")
        y("zero-fraction", "[0.0]")
        y("exponent-plus", "[1E+2]")
        y("exponent-minus", "[1e-2]")
        y("negative-exponent-fraction", "[-1.5E10]")
        y("big-integer", "[123456789012345678901234567890]")
        y("huge-exponent", "[1e400]")
        y("tiny", "[1e-400]")
        y("zero-exponent", "[0e0]")
        n("leading-zero", "[01]")
        n("trailing-point", "[1.]")
        n("leading-point", "[.1]")
        n("plus-sign", "[+1]")
        n("exponent-without-digits", "[1e]")
        n("exponent-sign-only", "[1e+]")
        n("minus-only", "[-]")
        n("hex", "[0x1]")
        n("nan", "[NaN]")
        n("infinity", "[Infinity]")
        n("minus-infinity", "[-Infinity]")
        n("minus-space", "[- 1]")
        n("double-minus", "[--1]")
        n("fraction-without-digits-then-exponent", "[1.e1]")
        // Strings and escapes.
        y("escaped-nul", #"["\u0000"]"#)
        y("escaped-quote", #"["\""]"#)
        y("all-escapes", #"["\\\/\b\f\n\r\t"]"#)
        y("unicode-escape", #"["\u00e9"]"#)
        y("surrogate-pair", #"["\ud83d\ude00"]"#)
        y("raw-two-byte", "[\"é\"]")
        y("raw-four-byte", "[\"😀\"]")
        y("raw-line-separator", "[\"\u{2028}\"]")
        y("raw-delete", "[\"\u{7F}\"]")
        y("escaped-key", #"{"\u0061b":1}"#)
        y("upper-case-hex", #"["\u00C9"]"#)
        n("unknown-escape", #"["\x41"]"#)
        n("short-unicode-escape", #"["\u12"]"#)
        n("bad-hex", #"["\uZZZZ"]"#)
        n("raw-control", "[\"a\u{01}b\"]")
        n("raw-tab", "[\"a\tb\"]")
        n("raw-newline", "[\"a\nb\"]")
        n("unterminated-string", #"["abc]"#)
        n("escaped-apostrophe", #"["\'"]"#)
        // Deliberately stricter than RFC 8259 (which allows them, with unpredictable results).
        n("lone-high-surrogate", #"["\ud800"]"#)
        n("lone-low-surrogate", #"["\udc00"]"#)
        n("high-surrogate-then-letter", #"["\ud800\u0041"]"#)
        n("reversed-surrogates", #"["\ude00\ud83d"]"#)
        n("duplicate-key", #"{"a":1,"a":2}"#)
        n("duplicate-key-through-escape", #"{"a":1,"\u0061":2}"#)
        n("duplicate-key-nested", #"{"x":{"k":1,"k":1}}"#)
        nb("byte-order-mark", [0xEF, 0xBB, 0xBF] + bytes("[]"))
        // Not UTF-8.
        nb("invalid-byte", bytes("[\"") + [0xFF] + bytes("\"]"))
        nb("overlong-slash", bytes("[\"") + [0xC0, 0xAF] + bytes("\"]"))
        nb("utf8-surrogate", bytes("[\"") + [0xED, 0xA0, 0x80] + bytes("\"]"))
        nb("truncated-sequence", bytes("[\"") + [0xE2, 0x82] + bytes("\"]"))
        nb("beyond-unicode", bytes("[\"") + [0xF4, 0x90, 0x80, 0x80] + bytes("\"]"))
        nb("lone-continuation", bytes("[\"") + [0x80] + bytes("\"]"))
        return c
    }()

    /// What we refuse that Python's `json` reads, and why that is on purpose.
    static let deliberatelyStricter: [String: String] = [
        "depth-65": "nesting is bounded (64), so a body cannot exhaust the stack",
        "nan": "not JSON (RFC 8259); Python reads it by default", "infinity": "not JSON", "minus-infinity": "not JSON",
        "lone-high-surrogate": "not a character: two parsers would read it differently",
        "lone-low-surrogate": "not a character", "high-surrogate-then-letter": "not a character", "reversed-surrogates": "not a character",
        "duplicate-key": "two parsers reading different values of one key is how content is smuggled past a filter",
        "duplicate-key-through-escape": "the same key, escaped", "duplicate-key-nested": "the same key",
    ]

    @Test func everyCaseGetsItsAnswerAndPythonReadsTheSameValues() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-json-corpus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for (name, document, expected) in Self.corpus {
            let parsed = try? JSONParser.parse(document)
            #expect((parsed != nil) == (expected == .accept), "\(name): \(expected == .accept ? "refused" : "accepted")")
            try Data(document).write(to: root.appendingPathComponent("\(name).json"))
            if let parsed { try Data(JSONWriter.bytes(parsed)).write(to: root.appendingPathComponent("\(name).ours")) }
        }
        // For each case: whether Python reads it, and for ours, whether Python reads our rewriting as the same value.
        let script = """
            import json, pathlib, sys
            for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
                try:
                    value = json.loads(p.read_bytes().decode("utf-8"))
                    verdict = "accepts"
                except Exception:
                    value, verdict = None, "refuses"
                ours = p.with_suffix(".ours")
                if ours.exists():
                    same = verdict == "accepts" and json.loads(ours.read_bytes().decode("utf-8")) == value
                    verdict += " same" if same else " different"
                print(p.stem, verdict)
            """
        let (status, output) = try await Subprocess.output(of: ["/usr/bin/env", "python3", "-c", script, root.path])
        try #require(status == 0, "python3 failed: \(output)")
        var python: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { python[String(parts[0])] = String(parts[1]) }
        }
        for (name, _, expected) in Self.corpus {
            let verdict = try #require(python[name], "python gave no verdict on \(name)")
            switch expected {
            case .accept:
                #expect(verdict == "accepts same", "\(name): Python \(verdict)")
            case .refuse:
                if verdict.hasPrefix("accepts") {
                    #expect(
                        Self.deliberatelyStricter[name].map { !$0.isEmpty } ?? false,
                        "\(name): Python reads it and the parser refuses it, with no reason given for being stricter")
                }
            }
        }
    }
}
