import Contracts
import Foundation
import GRDB
import LotKit
import Lots

extension SystemHarness {
    /// Records `count` referrals of as many new people in the victim service's store, as its staff's commands do;
    /// the running victim worker publishes them. Returns the victim service's engine, to count what comes back.
    func recordReferrals(_ count: Int, to recipient: PartyID) throws -> LotEngine {
        let engine = try LotEngine(lot: VictimLot(), databasePath: path("victim/victim.sqlite"), settings: Repo.settings, parties: Repo.parties)
        try engine.perform("load") { ctx in
            for i in 0..<count {
                // Names carry letters only (the contract's type): the number is spelled in letters.
                let family = String(
                    String(i, radix: 26).map { Character(UnicodeScalar(UInt8(($0.wholeNumberValue ?? Int($0.asciiValue! - 87)) + 97))) })
                let person = Person(urc: try ctx.allocateURC(), name: PersonName(given: "Person", family: family.capitalized))
                try ctx.hold(person, role: .victim, allocatedHere: true)
                let r = Referral(
                    referralId: UUID().uuidString.lowercased(), referredAt: ctx.now, referrer: Referrer(service: .victim, staff: staff),
                    sharing: Sharing(
                        purpose: .childSafeguarding,
                        lawfulBasis: LawfulBasis(
                            code: .safeguarding, justification: "Children at risk in the household", decidedBy: staff, decidedAt: ctx.now)),
                    priority: .standard, reason: "Load test \(i)", subject: person, subjectRole: .victim, needs: [.childrenSupport])
                try ctx.sendReferral(r, to: recipient)
            }
        }
        return engine
    }

    /// Opens a worker's store read-only (the worker still has it open).
    func store(_ party: String) throws -> DatabaseQueue {
        var c = Configuration()
        c.readonly = true
        return try DatabaseQueue(path: path("\(party)/\(party).sqlite"), configuration: c)
    }
}
