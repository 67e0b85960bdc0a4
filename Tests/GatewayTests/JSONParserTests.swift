import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The body parser is strict: what two parsers could read differently is refused.
@Suite struct JSONParserTests {
    func parse(_ bytes: [UInt8]) throws(JSONParser.Error) -> JSONValue { try JSONParser.parse(bytes) }

    @Test func duplicateKeysAreRefusedInSmallAndLargeObjects() throws {
        #expect(throws: JSONParser.Error.self) { try parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8)) }
        // Past sixteen keys the check moves from comparing to hashing: both must refuse.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }
        #expect(try parse(Array("{\(many.joined(separator: ","))}".utf8))["k39"] == .number("39"))
        for i in [3, 17, 39] {
            let text = "{\(many.joined(separator: ",")),\"k\(i)\":0}"
            #expect(throws: JSONParser.Error.self, "k\(i) twice") { try parse(Array(text.utf8)) }
        }
        // Keys that differ only after an escape are different keys; written the same after unescaping, the same.
        #expect(try parse(Array(#"{"a":1,"\u0061b":2}"#.utf8))["ab"] == .number("2"))
        #expect(throws: JSONParser.Error.self) { try parse(Array(#"{"a":1,"\u0061":2}"#.utf8)) }
    }

    @Test func stringsMustBeValidUTF8WithOrWithoutEscapes() throws {
        #expect(try parse(Array(#"["Zoë ☂ 😀"]"#.utf8)) == .array([.string("Zoë ☂ 😀")]))
        #expect(try parse(Array(#"["Zo\u00eb\n"]"#.utf8)) == .array([.string("Zoë\n")]))
        let quote = UInt8(ascii: "\"")
        let open = UInt8(ascii: "[")
        let close = UInt8(ascii: "]")
        let backslash = UInt8(ascii: "\\")
        for bad: [UInt8] in [[0xFF], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            #expect(throws: JSONParser.Error.self, "\(bad)") { try parse([open, quote] + bad + [quote, close]) }
            // The same after an escape takes the slower path.
            #expect(throws: JSONParser.Error.self, "\(bad) after an escape") {
                try parse([open, quote, backslash, UInt8(ascii: "n")] + bad + [quote, close])
            }
        }
        #expect(throws: JSONParser.Error.self) { try parse([open, quote, 0x01, quote, close]) }
        #expect(throws: JSONParser.Error.self) { try parse(Array(#"["\ud800"]"#.utf8)) }
    }

    @Test func nestingIsLimited() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONParser.Error.self) { try parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try parse(Array(fine.utf8))
    }
}
