import Foundation
import Testing

@testable import Contracts

@Suite struct URCTests {
    /// The syndrome is linear, so whether an error is caught depends only on the error, not on the URC it hits.
    /// These loops therefore cover every URC there is.
    // The loops collect what they find and expect once: an `#expect` per case cost ~9 s a test in a debug build,
    // holding a thread of the concurrency pool that other suites' timing waited for.
    @Test func everySingleWrongSymbolIsCaught() {
        var missed: [String] = []
        for position in 0..<12 {
            for error in UInt8(1)..<32 where GF32.multiply(error, GF32.alphaPower(11 - position)) == 0 {
                missed.append("position \(position), error \(error)")
            }
        }
        #expect(missed.isEmpty, "\(missed)")
    }

    @Test func everySwapOfTwoSymbolsIsCaught() {
        // Swapping a and b at positions i and j changes the syndrome by (a ^ b)·(α^(11-i) ^ α^(11-j)).
        var missed: [String] = []
        for i in 0..<12 {
            for j in (i + 1)..<12 {
                for a in UInt8(0)..<32 {
                    for b in UInt8(0)..<32 where a != b {
                        let change = GF32.multiply(a ^ b, GF32.alphaPower(11 - i) ^ GF32.alphaPower(11 - j))
                        if change == 0 { missed.append("swap at \(i),\(j) of \(a),\(b)") }
                    }
                }
            }
        }
        #expect(missed.isEmpty, "would go unnoticed: \(missed)")
    }

    @Test func concreteMistakesOnRealURCsAreRefused() throws {
        let allocator = try URCAllocator(issuer: "10")
        for _ in 0..<500 {
            let urc = allocator.allocate()
            let symbols = Array(urc.canonical.filter { $0 != "-" })
            for p in 0..<12 {
                for replacement in URC.alphabet where replacement != symbols[p] {
                    var wrong = symbols
                    wrong[p] = replacement
                    #expect(throws: URCError.checkSymbolMismatch) { try URC(parsing: String(wrong)) }
                }
                if p < 11 && symbols[p] != symbols[p + 1] {
                    var swapped = symbols
                    swapped.swapAt(p, p + 1)
                    #expect(throws: URCError.checkSymbolMismatch) { try URC(parsing: String(swapped)) }
                }
            }
        }
    }

    @Test func publishedVectors() throws {
        let v = try Repository.json("contracts/vectors/urc.json") as! [String: Any]
        #expect(v["alphabet"] as? String == String(URC.alphabet))
        for text in v["valid"] as! [String] {
            let urc = try URC(parsing: text)
            #expect(urc.canonical == text)
        }
        for item in v["invalid"] as! [[String: String]] {
            #expect(throws: URCError.self, "\(item["why"]!)") { try URC(parsing: item["urc"]!) }
        }
        for item in v["lenient"] as! [[String: String]] {
            #expect(try URC(parsing: item["input"]!).canonical == item["canonical"], "\(item["why"]!)")
        }
    }

    @Test func errorsSayWhatToDo() {
        #expect(throws: URCError.invalidSymbol("U")) { try URC(parsing: "10BH-P5N4-0BAU") }
        #expect(throws: URCError.wrongLength(11)) { try URC(parsing: "10BH-P5N4-0BA") }
        do { _ = try URC(parsing: "10BH-P6N4-0BAA") } catch { #expect(error.description.contains("read it back")) }
    }

    @Test func sixServicesAllocateConcurrentlyWithoutCollision() async throws {
        let issuers = ["10", "11", "12", "13", "14", "15"]
        let perService = 50_000
        let all = try await withThrowingTaskGroup(of: [URC].self) { group in
            for issuer in issuers {
                let allocator = try URCAllocator(issuer: issuer)
                group.addTask {
                    // Each service checks only its own records: no coordination with the others.
                    var own = Set<URC>()
                    for _ in 0..<perService { own.insert(allocator.allocate(isTaken: { own.contains($0) })) }
                    return Array(own)
                }
            }
            return try await group.reduce(into: [URC]()) { $0 += $1 }
        }
        #expect(all.count == issuers.count * perService)
        #expect(Set(all).count == all.count)
        #expect(Set(all.map(\.issuer)) == Set(issuers))
    }

    @Test func allocationSkipsURCsTheServiceAlreadyHolds() throws {
        let allocator = try URCAllocator(issuer: "10")
        var refusals = 0
        let urc = allocator.allocate { _ in
            refusals += 1
            return refusals <= 3
        }
        #expect(refusals == 4)
        #expect(urc.issuer == "10")
        #expect(throws: URCError.self) { try URCAllocator(issuer: "1") }
        #expect(throws: URCError.self) { try URCAllocator(issuer: "U1") }
    }

    @Test func codableUsesTheCanonicalForm() throws {
        let urc = try URC(parsing: "10bh p5n4 0baa")
        let data = try JSONEncoder().encode([urc])
        #expect(String(decoding: data, as: UTF8.self) == "[\"10BH-P5N4-0BAA\"]")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([URC].self, from: Data("[\"10BH-P5N4-0BAB\"]".utf8)) }
    }
}
