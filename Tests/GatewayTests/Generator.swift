import Contracts
import Foundation

/// Seeded, reproducible random messages for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds referrals with random fields and free text that hides contact details in the ways people write them.
struct MessageGenerator {
    var rng: SplitMix64
    let urcs = try! URCAllocator(issuer: "10")
    /// Every contact detail planted in free text, as written.
    private(set) var planted: [String] = []

    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }) }
    mutating func letters(_ n: Int) -> String {
        String((0..<n).map { _ in Character(UnicodeScalar(UInt8(65 + Int.random(in: 0..<26, using: &rng)))) })
    }

    mutating func postcode() -> String {
        let outward = pick([
            letters(1) + digits(1), letters(2) + digits(1), letters(2) + digits(2), letters(1) + digits(1) + letters(1),
            letters(2) + digits(1) + letters(1),
        ])
        let inward = digits(1) + letters(2)
        let written = pick([outward + " " + inward, outward + inward, (outward + " " + inward).lowercased(), outward + "  " + inward])
        return written
    }

    mutating func phone() -> String {
        let mobile = "07" + digits(9)
        let landline = "01" + digits(3) + digits(6)
        let n = pick([mobile, landline])
        let head = String(n.prefix(5))
        let tail = String(n.dropFirst(5))
        let mid = String(tail.prefix(3))
        let end = String(tail.dropFirst(3))
        let national = String(n.dropFirst())
        let forms: [String] = [
            n, "\(head) \(tail)", "+44 \(national.prefix(4)) \(tail)", "(\(head)) \(mid) \(end)", "\(head)-\(mid)-\(end)", "0044 \(national)",
        ]
        return pick(forms)
    }

    mutating func email() -> String {
        let user = pick(["jo", "sam.k", "alex_99", "mum", "j.smith"]) + digits(2)
        let domain = pick(["example", "mail-box", "provider"])
        let tld = pick(["org", "co.uk", "com"])
        return pick([
            "\(user)@\(domain).\(tld)", "\(user) (at) \(domain) (dot) \(tld.replacingOccurrences(of: ".", with: " (dot) "))",
            "\(user) at \(domain) dot \(tld.replacingOccurrences(of: ".", with: " dot "))", "\(user)[at]\(domain).\(tld)",
            "\(user.uppercased())@\(domain.uppercased()).\(tld.uppercased())",
        ])
    }

    /// Free text with a random mix of ordinary words and planted contact details.
    mutating func freeText() -> String {
        var parts: [String] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            parts.append(
                pick([
                    "Client is anxious about contact", "Prefers afternoon calls", "Has two dogs",
                    "Works part time", "Needs an interpreter at first visit", "Ex-partner drives a blue van",
                ]))
            if chance(0.5) {
                let detail: String
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: detail = postcode()
                case 1: detail = phone()
                default: detail = email()
                }
                planted.append(detail)
                parts.append(pick(["Reach her on \(detail)", "Now living near \(detail)", "contact: \(detail)", "(\(detail))"]))
            }
        }
        return parts.joined(separator: pick([". ", "; ", ", ", "\n"]))
    }

    mutating func name() -> PersonName {
        PersonName(given: pick(["Jo", "Sam", "Alex", "Priya", "Zoë", "Kerry"]), family: pick(["Example", "Sample", "Test", "Nowak"]))
    }

    mutating func address() -> PostalAddress {
        let pc = "LE\(Int.random(in: 1...9, using: &rng)) \(digits(1))\(letters(2))"
        planted.append(pc)
        return PostalAddress(
            lines: ["\(Int.random(in: 1...200, using: &rng)) \(pick(["High", "Mill", "Church"])) Street"], town: "Leicester", postcode: pc)
    }

    mutating func dash() -> DashAssessment {
        let answers = (1...24).map { DashAnswer(question: $0, answer: pick([.yes, .no, .notKnown])) }
        return DashAssessment(completedAt: Timestamp(), answers: answers, score: answers.filter { $0.answer == .yes }.count)
    }

    /// A random referral from `sender` to `recipient` about `subject`.
    mutating func referral(to recipient: PartyID, from sender: PartyID, subject: URC) -> Referral {
        let role: Referral.SubjectRole = recipient == .perpetrator ? .perpetrator : pick([.victim, .otherAdult])
        let purpose: Purpose
        switch recipient {
        case .safehome: purpose = .housing
        case .sanctuary: purpose = .homeSecurity
        case .family: purpose = .childSafeguarding
        case .perpetrator: purpose = .perpetratorIntervention
        default: purpose = .safeguardingSupport
        }
        let phoneNumber = "07" + digits(9)
        let mail = "client\(digits(3))@example.org"
        planted += [phoneNumber, mail]
        let child = Child(
            urc: urcs.allocate(), name: name(),
            dateOfBirth: CalendarDate("2015-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))")!,
            school: chance(0.7) ? School(name: pick(["Example Primary", "Hill Academy"]), address: address()) : nil)
        return Referral(
            referralId: UUID().uuidString.lowercased(), referredAt: Timestamp(),
            referrer: Referrer(
                service: sender,
                staff: Staff(
                    name: "\(pick(["Sam", "Ali", "Jo"])) \(pick(["Worker", "Carer", "Reed"]))", role: pick(["IDVA", "Caseworker"]),
                    phone: "0116 496 0\(digits(3))", email: "worker\(digits(2))@service.example")),
            sharing: Sharing(purpose: purpose), priority: pick([.standard, .high, .emergency]), reason: freeText(),
            subject: Person(
                urc: subject, name: name(), dateOfBirth: CalendarDate("198\(Int.random(in: 0...9, using: &rng))-05-17"),
                gender: pick([.female, .male, .nonBinary]), language: pick([LanguageTag("en"), LanguageTag("pl"), LanguageTag("gu")]),
                interpreterNeeded: chance(0.2), disabilities: chance(0.3) ? [.mobility] : nil,
                address: address(), addressIsSafe: chance(0.5),
                safeContact: SafeContact(
                    phone: phoneNumber, email: mail, safeToCall: chance(0.5), safeToLeaveMessage: chance(0.3),
                    safeTimes: chance(0.5) ? String(freeText().prefix(200)) : nil, codeWord: chance(0.3) ? "bluebell" : nil)),
            subjectRole: role,
            risk: chance(0.8) ? .init(level: pick([.standard, .medium, .high]), dash: chance(0.6) ? dash() : nil, maracReferred: chance(0.4)) : nil,
            household: .init(
                children: chance(0.6) ? [child] : nil,
                perpetrator: .init(
                    urc: urcs.allocate(), name: name(), relationship: .exPartner, livesAtAddress: chance(0.2),
                    visitsAddress: chance(0.3), bailConditions: chance(0.3) ? freeText() : nil)),
            needs: chance(0.7) ? [pick(Referral.Need.allCases)] : nil,
            housing: chance(0.5)
                ? .init(
                    tenure: pick(Tenure.allCases), wantsToStayHome: chance(0.5), needsMove: chance(0.5),
                    landlord: chance(0.5) ? .init(name: "City Homes", phone: "0116 000 \(digits(4))") : nil) : nil,
            homeSecurity: chance(0.5)
                ? .init(
                    aged18OrOver: true, livesInArea: true, tenure: pick(Tenure.allCases), landlordPermission: .granted,
                    inContactWithPerpetrator: chance(0.2), perpetratorLivesAtAddress: chance(0.1),
                    emergencyLockChange: chance(0.3), accessNotes: chance(0.5) ? freeText() : nil) : nil,
            perpetratorProgramme: recipient == .perpetrator ? .init(selfReferral: chance(0.5), motivation: freeText()) : nil,
            notes: chance(0.7) ? freeText() : nil)
    }
}
