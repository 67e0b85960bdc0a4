import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

@Suite struct PolicyTests {
    @Test func theShippedPolicyCoversEveryServiceAndNamesOnlyRealFields() throws {
        let policy = Repo.policy
        #expect(policy.recipients == Set(PartyID.services))
        for rule in policy.allRules {
            // Every allow-listed field exists in the message type's schema (a typo would silently share nothing).
            let sample = try JSONParser.parse(Data(try Self.maximalBody(rule.type)))
            let known = Set(leafPaths(sample))
            for field in rule.fieldList {
                #expect(
                    known.contains { $0 == field || $0.hasPrefix(field + ".") }, "\(rule.recipient) \(rule.type.rawValue): '\(field)' is not a field")
            }
        }
    }

    @Test func thePerpetratorServiceIsNeverAllowedLocationsOrMarac() {
        let policy = Repo.policy
        for type in MessageType.allCases {
            guard let rule = policy.rule(for: .perpetrator, type: type) else { continue }
            #expect(![.maracReferral, .maracActionPlan, .maracActionUpdate].contains(type))
            #expect(rule.scrubContactDetails, "\(type.rawValue) to perpetrator must scrub free text")
            for forbidden in [
                "subject.address", "subject.safeContact", "household", "household.children", "household.children.school",
                "risk", "risk.maracReferred", "housing", "homeSecurity", "referrer.staff.phone", "referrer.staff.email",
            ] {
                #expect(!rule.fields.covers(forbidden), "\(type.rawValue) lets the perpetrator service see \(forbidden)")
            }
        }
    }

    @Test(arguments: [
        ("version: 2\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {}", "version 2"),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {gossip: {senders: [victim], purposes: [housing], consent: required, fields: [x]}}}",
            "not a message type"
        ),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [housing], consent: not-required, fields: [x]}}}",
            "reason"
        ),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [parties], consent: required, fields: [x]}}}",
            "not a purpose"
        ),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [housing], consent: required, lawfulBases: {marac-high-risk: [family]}, fields: [x]}}}",
            "not among the senders"
        ),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {perpetrator: {referral: {senders: [victim], purposes: [perpetrator-intervention], consent: required, subjectRoles: [perpetator], fields: [x]}}}",
            "'perpetator' is not a role"
        ),
        (
            "version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {perpetrator: {referral: {senders: [victim], purposes: [perpetrator-intervention], consent: required, subjectRoles: [], fields: [x]}}}",
            "an empty list lets no one through"
        ),
    ])
    func mistakesInAPolicyAreNamed(yaml: String, expected: String) {
        #expect(throws: PolicyError.self) { try SharingPolicy(yaml: yaml) }
        do { _ = try SharingPolicy(yaml: yaml) } catch { #expect(error.description.contains(expected), "\(error)") }
    }

    /// A body of the type with every optional field present, to list the fields a schema has.
    static func maximalBody(_ type: MessageType) throws -> Data {
        var g = MessageGenerator(seed: 7)
        let urc = g.urcs.allocate()
        switch type {
        case .referral:
            var r = g.referral(to: .sanctuary, from: .victim, subject: urc)
            r.sharing = Sharing(
                purpose: .housing, consentId: UUID().uuidString.lowercased(),
                lawfulBasis: LawfulBasis(
                    code: .safeguarding, justification: "Risk of serious harm if we wait.", decidedBy: Staff(name: "A", role: "B"),
                    decidedAt: Timestamp()))
            r.perpetratorProgramme = .init(selfReferral: true, motivation: "x")
            r.risk = .init(level: .high, dash: g.dash(), maracReferred: true)
            r.homeSecurity = .init(
                aged18OrOver: true, livesInArea: true, tenure: .owner, landlordPermission: .granted, inContactWithPerpetrator: false,
                perpetratorLivesAtAddress: false, emergencyLockChange: true, accessNotes: "x")
            r.housing = .init(tenure: .owner, wantsToStayHome: true, needsMove: false, landlord: .init(name: "x", phone: "0116 000 0000"))
            r.needs = [.housing]
            r.notes = "x"
            r.household = .init(
                children: [
                    Child(urc: urc, name: g.name(), dateOfBirth: CalendarDate("2016-01-01")!, school: School(name: "x", address: g.address()))
                ],
                perpetrator: .init(urc: urc, name: g.name(), relationship: .exPartner, livesAtAddress: true, visitsAddress: true, bailConditions: "x")
            )
            return try ContractJSON.encode(r)
        case .referralOutcome:
            return try ContractJSON.encode(
                ReferralOutcome(
                    referralId: UUID().uuidString.lowercased(), outcome: .declined, at: Timestamp(), declineReason: .init(code: .other, text: "x"),
                    contactAttempts: 1,
                    works: .init(items: [.init(code: "x", description: "x", quantity: 1, unitCostPence: 1)], completedAt: Timestamp()), note: "x"))
        case .safetyAlert:
            return try ContractJSON.encode(
                SafetyAlert(
                    alertId: UUID().uuidString.lowercased(), kind: .worksOverdue, severity: .urgent, raisedAt: Timestamp(),
                    relatesTo: .init(referralId: UUID().uuidString.lowercased(), maracReferralId: UUID().uuidString.lowercased()), summary: "x",
                    actionRequired: "x"))
        case .maracActionPlan:
            return try ContractJSON.encode(
                MaracActionPlan(
                    caseId: "LEI-1", maracReferralId: UUID().uuidString.lowercased(), meetingDate: CalendarDate("2026-01-01")!,
                    nextMeetingDate: CalendarDate("2026-02-01")!,
                    actions: [
                        .init(actionId: UUID().uuidString.lowercased(), owner: "victim", description: "x", dueDate: CalendarDate("2026-01-05")!)
                    ]))
        case .maracActionUpdate:
            return try ContractJSON.encode(
                MaracActionUpdate(
                    caseId: "LEI-1", actionId: UUID().uuidString.lowercased(), status: .done, note: "x", updatedAt: Timestamp(),
                    updatedBy: Referrer(service: .victim, staff: Staff(name: "a", role: "b"))))
        case .maracReferral:
            let victim = Person(
                urc: urc, name: g.name(), dateOfBirth: CalendarDate("1990-01-01")!, gender: .female, language: LanguageTag("en"),
                interpreterNeeded: false, disabilities: [.hearing], address: g.address(), addressIsSafe: true,
                safeContact: SafeContact(
                    phone: "07700 900000", email: "a@b.org", safeToCall: true, safeToLeaveMessage: true, safeTimes: "x", codeWord: "x"))
            return try ContractJSON.encode(
                MaracReferral(
                    maracReferralId: UUID().uuidString.lowercased(), referredAt: Timestamp(),
                    referrer: Referrer(service: .victim, staff: Staff(name: "a", role: "b", phone: "0116 000 0000", email: "a@b.org")),
                    sharing: Sharing(
                        purpose: .marac, consentId: UUID().uuidString.lowercased(),
                        lawfulBasis: LawfulBasis(
                            code: .maracHighRisk, justification: "High risk, DASH 16, MARAC.", decidedBy: Staff(name: "a", role: "b"),
                            decidedAt: Timestamp())), victim: victim,
                    perpetrator: .init(urc: urc, name: g.name(), dateOfBirth: CalendarDate("1990-01-01")!, address: g.address()),
                    children: [Child(urc: urc, name: g.name(), dateOfBirth: CalendarDate("2016-01-01")!, school: School(name: "x"))],
                    criteria: [.visibleHighRisk], dash: g.dash(), victimAware: true, victimConsented: false, noConsentReason: "x", victimFears: "x",
                    safeContacts: [.init(name: "x", relationship: .sibling, phone: "07700 900000")], unsafeContacts: [.init(name: "x")],
                    previousMaracs: [.init(date: CalendarDate("2025-01-01")!, area: "x")], repeat: true,
                    lastMaracReferralAt: CalendarDate("2025-01-01")!, riskSummary: "x"))
        case .nonDeliveryReport, .consent, .consentAcknowledgement:
            return Data("{}".utf8)
        }
    }
}

@Suite struct DisclosureGuardTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)

    @Test(arguments: [
        "LE2 3AB", "le2 3ab", "SW1A1AA", "M1  1AE", "07700 900123", "+44 7700 900123", "(0116) 454 0000",
        "0116-454-0000", "0044 7700900123", "jo@example.org", "jo (at) example (dot) org", "jo at example dot co dot uk",
        "jo[at]example.org", "JO.SMITH@MAIL.CO.UK",
        // other separators, widths, invisible characters and scripts
        "07700/900/123", "07700_900_123", "07700\u{2013}900\u{2014}123", "０７７００ ９００１２３", "07700\u{200B}900\u{200C}123",
        "٠٧٧٠٠٩٠٠١٢٣", "O77OO 9OO123", "seven seven zero zero nine zero zero one two three",
        "oh seven seven double oh nine double oh one two three", "jo＠example.org", "jo@example[.]org",
        "jo at example dot com", "jo\u{00A0}(at)\u{00A0}example\u{00A0}(dot)\u{00A0}org", "jо@ехаmple.org",
        "LE2\u{2011}3AB", "M14", "LE5",
        // addresses and schools without a trigger word, places of the area
        "14 Elm Road", "fourteen elm road", "twenty-one Mill Lane", "21-23 Mill Lane", "Flat 2, 14a Mill Lane", "14 Elm Rd.", "Elm Close",
        "the kids are at St Mary's now",
        "14 Elm Road, Leicester", "over in Hinckley", "Moss Side", "quenby close", "Mill Way", "the High Street", "Back Lane",
    ])
    func findsWhatSaysWhereSomeoneIsHoweverWritten(detail: String) {
        let text = "Call her. She is at \(detail) after work"
        let (clean, kinds) = guard_.scrub(text)
        #expect(!kinds.isEmpty, "missed \(detail)")
        #expect(!clean.contains(detail), "\(clean)")
        #expect(clean.contains("Call her") && clean.contains(DisclosureGuard.marker), "\(clean)")
    }

    @Test(arguments: [
        "She is now in a refuge in the north", "Staying in Refuges since May", "moved to a safehouse", "safe-house found",
        "safe\u{00A0}house", "SCHOOL run at three", "the Academies trust", "seen by her IDVA", "discussed at M.A.R.A.C.",
        "she lives at her mum's", "went to the women'srefuge", "her new flat",
    ])
    func removesTheSentenceOfASensitiveTerm(sentence: String) {
        let (clean, kinds) = guard_.scrub("Client is engaging well. \(sentence). Next review in May.")
        #expect(kinds.contains(.sensitiveTerm), "missed \(sentence)")
        #expect(clean.contains("engaging well") && clean.contains("Next review"), "\(clean)")
        #expect(!clean.contains(sentence), "\(clean)")
    }

    @Test(arguments: [
        "Prefers afternoon calls", "Has 2 children aged 4 and 7", "Seen on 21/11", "Referral 3 of 12",
        "He wants to change and is close to his brother", "No way to reach him by letter", "Motivated; attends sessions weekly",
        "Works in a warehouse on nights", "He drove down the road in a blue van",
        "Wants to stay close to his children", "Took the first step on his own; a long way to go",
        // number words with a letter more are words ("all fours" once stopped the check)
        "Seen on all fours", "Plays rugby sevens", "Likes the nines", "He said he will walk away",
    ])
    func leavesOrdinaryTextAlone(text: String) {
        #expect(guard_.scrub(text).1.isEmpty, "\(text) → \(guard_.scrub(text).0)")
    }

    @Test func findsWhatIsSplitAcrossFieldsAndRefusesItInNames() throws {
        let schemas = Repo.schemas
        func check(_ json: String) throws(Refusal) -> DisclosureGuard.Checked {
            try guard_.check(
                try! JSONParser.parse(Data(json.utf8)), freeText: schemas.freeTextPaths[.referral]!,
                words: schemas.wordPaths[.referral]!, recipient: .perpetrator)
        }
        // A phone number as given and family name, spelled out: names cannot hold it, so the message is refused.
        #expect(throws: Refusal.self) {
            try check(#"{"subject":{"name":{"given":"Oh Seven Seven Zero Zero","family":"Nine Zero Zero One Two Three"}}}"#)
        }
        // An address as a name and free text: the free text's part goes, the name's refuses.
        #expect(throws: Refusal.self) { try check(#"{"subject":{"name":{"given":"Fourteen Elm","family":"Road"}}}"#) }
        // A number split over two free-text fields: both parts are removed.
        let split = try check(#"{"reason":"Call 07700","perpetratorProgramme":{"motivation":"900123 after six"}}"#)
        let text = String(decoding: JSONWriter.bytes(split.body), as: UTF8.self)
        #expect(!text.contains("07700") && !text.contains("900123") && split.removed.count == 2, "\(text)")
        // A place's name is a surname too: it stays in a name, goes from free text.
        let named = try check(#"{"subject":{"name":{"given":"Mark","family":"Preston"}},"reason":"Seen in Salford"}"#)
        let namedText = String(decoding: JSONWriter.bytes(named.body), as: UTF8.self)
        #expect(namedText.contains("Preston") && !namedText.contains("Salford"), "\(namedText)")
    }

    @Test func aCleanedTextStaysWithinItsFieldsLength() throws {
        let schemas = Repo.schemas
        let motivation = String(repeating: "a@b.cd ", count: 142) + "x"  // 995 characters of short emails
        let body = try JSONParser.parse(
            Data(
                JSONWriter.bytes(
                    .object([
                        .init(
                            "perpetratorProgramme",
                            .object([
                                .init("selfReferral", .bool(true)), .init("motivation", .string(motivation)),
                            ]))
                    ]))))
        let checked = try guard_.check(
            body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!,
            limits: schemas.lengthLimits[.referral]!, recipient: .perpetrator)
        let cleaned = try #require(checked.body.value(at: "perpetratorProgramme.motivation")?.stringValue)
        #expect(cleaned.count <= 1000 && !cleaned.contains("@"))
    }
}

@Suite struct RedactorTests {
    @Test func keepsOnlyAllowedFieldsAndNamesTheRest() throws {
        let body = try JSONParser.parse(Data(#"{"a":1,"b":{"c":"x","d":"y"},"e":[{"f":1,"g":2},{"f":3,"g":4}],"h":"z"}"#.utf8))
        let r = Redactor().redact(body, allowed: PathSet(["a", "b.c", "e.f"]))
        #expect(String(decoding: JSONWriter.bytes(r.body), as: UTF8.self) == #"{"a":1,"b":{"c":"x"},"e":[{"f":1},{"f":3}]}"#)
        #expect(r.removedFields == ["b.d", "e.g", "h"])
    }

    @Test func jsonRoundTripsExactly() throws {
        let text = #"{"s":"Zoë – \"quoted\"\n\u0001","n":-1.5e3,"t":true,"z":null,"a":[]}"#
        let v = try JSONParser.parse(Data(text.utf8))
        #expect(try JSONParser.parse(JSONWriter.bytes(v)) == v)
        // Escapes at the start, in the middle and at the end of a string; everything else is copied as it is.
        #expect(String(decoding: JSONWriter.bytes(.string("\"a\\b\nc\td\r\u{1}é\"")), as: UTF8.self) == #""\"a\\b\nc\td\r\u0001é\"""#)
        #expect(String(decoding: JSONWriter.bytes(.array([.string(""), .string("plain")])), as: UTF8.self) == #"["","plain"]"#)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Data(#"{"a":1,"a":2}"#.utf8)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Data(#"{"a":01}"#.utf8)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(Data("[1,]".utf8)) }
    }
}
