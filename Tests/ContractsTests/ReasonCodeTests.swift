import Contracts
import Foundation
import Testing

@Suite struct ReasonCodeTests {
    @Test func theContractFileListsExactlyTheCodesTheCodeUses() throws {
        let doc = try Repository.json("contracts/reason-codes.json") as! [String: Any]
        let codes = (doc["codes"] as! [[String: String]]).map { $0["code"]! }
        #expect(codes == ReasonCode.allCases.map(\.rawValue))
        for c in ReasonCode.allCases {
            #expect(!c.explanation.isEmpty && !c.explanation.contains("\n"))
        }
    }

    @Test func partyDirectoryLoadsAndRefusesClashes() throws {
        let dir = try PartyDirectory(contentsOf: Repository.root.appendingPathComponent("config/parties.json"))
        for p in PartyID.services { #expect(try dir.allocator(for: p).allocate().issuer == dir[p]?.issuer) }
        #expect(throws: PartyDirectoryError.self) { try dir.allocator(for: .gateway) }
        #expect(throws: PartyDirectoryError.self) {
            try PartyDirectory(entries: [
                .init(id: .victim, name: "a", issuer: "10", brokerUser: "a"),
                .init(id: .family, name: "b", issuer: "10", brokerUser: "b"),
            ])
        }
    }

    @Test func canonicalStringsAreValidatedWhenDecoded() {
        for bad in ["[\"Safe Home\"]", "[\"x\"]"] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode([PartyID].self, from: Data(bad.utf8)) }
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data("[\"2026-11-21\"]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDate].self, from: Data("[\"2026-13-01\"]".utf8)) }
        #expect((try? JSONDecoder().decode([PartyID].self, from: Data("[\"safehome\"]".utf8))) == [.safehome])
    }
}
