import Contracts
import Foundation
import Testing

/// `config/parties.json`: each issuer code written as URCs carry it, once, and never the reserved one.
@Suite struct PartyDirectoryTests {
    func directory(_ issuers: [String]) throws(PartyDirectoryError) -> PartyDirectory {
        try PartyDirectory(
            entries: issuers.enumerated().map { i, code in
                PartyDirectory.Entry(id: PartyID(rawValue: "party-\(i)")!, name: "Party \(i)", issuer: code, brokerUser: "party-\(i)")
            })
    }

    @Test("an issuer code not in canonical form, given twice, or reserved, is refused with what to write")
    func issuerCodes() throws {
        #expect(throws: PartyDirectoryError.self) { try directory(["1a"]) }
        #expect { try directory(["1O"]) } throws: { "\($0)".contains("write it as '10'") }
        #expect { try directory(["00"]) } throws: { "\($0)".contains("reserved") }
        #expect { try directory(["1A", "1A"]) } throws: { "\($0)".contains("1A") }
        let d = try directory(["1A", "2B"])
        let urc = try URCAllocator(issuer: "1A").allocate()
        #expect(d.party(issuing: urc) == PartyID(rawValue: "party-0"))
    }

    @Test("a calendar date is digits and hyphens only", arguments: ["2026-+1-+5", "+202-01-01", "2026-1-015", "2026-02-30"])
    func calendarDates(_ text: String) {
        #expect(CalendarDate(text) == nil, "\(text)")
    }
}
