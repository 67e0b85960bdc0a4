import Contracts
import Foundation
@testable import GatewayCore
import Testing

@Suite struct PolicyTests {
    @Test func theShippedPolicyCoversEveryServiceAndNamesOnlyRealFields() throws {
        let policy = Repo.policy
        #expect(policy.recipients == Set(PartyID.services))
        for rule in policy.allRules {
            // Every allow-listed field exists in the message type's schema (a typo would silently share nothing).
            let sample = try JSONParser.parse(Data(try Self.maximalBody(rule.type)))
            let known = Set(leafPaths(sample))
            for field in rule.fieldList {
                #expect(known.contains { $0 == field || $0.hasPrefix(field + ".") }, "\(rule.recipient) \(rule.type.rawValue): '\(field)' is not a field")
            }
        }
    }

    @Test func thePerpetratorServiceIsNeverAllowedLocationsOrMarac() {
        let policy = Repo.policy
        for type in MessageType.allCases {
            guard let rule = policy.rule(for: .perpetrator, type: type) else { continue }
            #expect(![.maracReferral, .maracActionPlan, .maracActionUpdate].contains(type))
            #expect(rule.scrubContactDetails, "\(type.rawValue) to perpetrator must scrub free text")
            for forbidden in ["subject.address", "subject.safeContact", "household", "household.children", "household.children.school",
                              "risk", "risk.maracReferred", "housing", "homeSecurity", "referrer.staff.phone", "referrer.staff.email"] {
                #expect(!rule.fields.covers(forbidden), "\(type.rawValue) lets the perpetrator service see \(forbidden)")
            }
        }
    }

    @Test(arguments: [
        ("version: 2\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {}", "version 2"),
        ("version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {gossip: {senders: [victim], purposes: [housing], consent: required, fields: [x]}}}", "not a message type"),
        ("version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [housing], consent: not-required, fields: [x]}}}", "reason"),
        ("version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [parties], consent: required, fields: [x]}}}", "not a purpose"),
        ("version: 1\nlimits: {maxMessageBytes: 1, acceptedClockSkewSeconds: 1}\nconsent: {recorders: []}\nrecipients: {safehome: {referral: {senders: [victim], purposes: [housing], consent: required, lawfulBases: {marac-high-risk: [family]}, fields: [x]}}}", "not among the senders"),
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
            r.sharing = Sharing(purpose: .housing, consentId: UUID().uuidString.lowercased(),
                                lawfulBasis: LawfulBasis(code: .safeguarding, justification: "Risk of serious harm if we wait.", decidedBy: Staff(name: "A", role: "B"), decidedAt: Timestamp()))
            r.perpetratorProgramme = .init(selfReferral: true, motivation: "x")
            r.risk = .init(level: .high, dash: g.dash(), maracReferred: true)
            r.homeSecurity = .init(aged18OrOver: true, livesInArea: true, tenure: .owner, landlordPermission: .granted, inContactWithPerpetrator: false, perpetratorLivesAtAddress: false, emergencyLockChange: true, accessNotes: "x")
            r.housing = .init(tenure: .owner, wantsToStayHome: true, needsMove: false, landlord: .init(name: "x", phone: "0116 000 0000"))
            r.needs = [.housing]
            r.notes = "x"
            r.household = .init(children: [Child(urc: urc, name: g.name(), dateOfBirth: CalendarDate("2016-01-01")!, school: School(name: "x", address: g.address()))],
                                perpetrator: .init(urc: urc, name: g.name(), relationship: .exPartner, livesAtAddress: true, visitsAddress: true, bailConditions: "x"))
            return try ContractJSON.encode(r)
        case .referralOutcome:
            return try ContractJSON.encode(ReferralOutcome(referralId: UUID().uuidString.lowercased(), outcome: .declined, at: Timestamp(), declineReason: .init(code: .other, text: "x"), contactAttempts: 1, works: .init(items: [.init(code: "x", description: "x", quantity: 1, unitCostPence: 1)], completedAt: Timestamp()), note: "x"))
        case .safetyAlert:
            return try ContractJSON.encode(SafetyAlert(alertId: UUID().uuidString.lowercased(), kind: .worksOverdue, severity: .urgent, raisedAt: Timestamp(), relatesTo: .init(referralId: UUID().uuidString.lowercased(), maracReferralId: UUID().uuidString.lowercased()), summary: "x", actionRequired: "x"))
        case .maracActionPlan:
            return try ContractJSON.encode(MaracActionPlan(caseId: "LEI-1", maracReferralId: UUID().uuidString.lowercased(), meetingDate: CalendarDate("2026-01-01")!, nextMeetingDate: CalendarDate("2026-02-01")!, actions: [.init(actionId: UUID().uuidString.lowercased(), owner: "victim", description: "x", dueDate: CalendarDate("2026-01-05")!)]))
        case .maracActionUpdate:
            return try ContractJSON.encode(MaracActionUpdate(caseId: "LEI-1", actionId: UUID().uuidString.lowercased(), status: .done, note: "x", updatedAt: Timestamp(), updatedBy: Referrer(service: .victim, staff: Staff(name: "a", role: "b"))))
        case .maracReferral:
            let victim = Person(urc: urc, name: g.name(), dateOfBirth: CalendarDate("1990-01-01")!, gender: .female, language: LanguageTag("en"), interpreterNeeded: false, disabilities: [.hearing], address: g.address(), addressIsSafe: true, safeContact: SafeContact(phone: "07700 900000", email: "a@b.org", safeToCall: true, safeToLeaveMessage: true, safeTimes: "x", codeWord: "x"))
            return try ContractJSON.encode(MaracReferral(maracReferralId: UUID().uuidString.lowercased(), referredAt: Timestamp(), referrer: Referrer(service: .victim, staff: Staff(name: "a", role: "b", phone: "0116 000 0000", email: "a@b.org")), sharing: Sharing(purpose: .marac, consentId: UUID().uuidString.lowercased(), lawfulBasis: LawfulBasis(code: .maracHighRisk, justification: "High risk, DASH 16, MARAC.", decidedBy: Staff(name: "a", role: "b"), decidedAt: Timestamp())), victim: victim, perpetrator: .init(urc: urc, name: g.name(), dateOfBirth: CalendarDate("1990-01-01")!, address: g.address()), children: [Child(urc: urc, name: g.name(), dateOfBirth: CalendarDate("2016-01-01")!, school: School(name: "x"))], criteria: [.visibleHighRisk], dash: g.dash(), victimAware: true, victimConsented: false, noConsentReason: "x", victimFears: "x", safeContacts: [.init(name: "x", relationship: .sibling, phone: "07700 900000")], unsafeContacts: [.init(name: "x")], previousMaracs: [.init(date: CalendarDate("2025-01-01")!, area: "x")], repeat: true, lastMaracReferralAt: CalendarDate("2025-01-01")!, riskSummary: "x"))
        case .nonDeliveryReport, .consent, .consentAcknowledgement:
            return Data("{}".utf8)
        }
    }
}

@Suite struct ScrubberTests {
    let scrubber = ContactDetailScrubber(sensitiveTerms: Repo.policy.sensitiveTerms)

    @Test(arguments: ["LE2 3AB", "le2 3ab", "SW1A1AA", "M1  1AE", "07700 900123", "+44 7700 900123", "(0116) 454 0000",
                      "0116-454-0000", "0044 7700900123", "jo@example.org", "jo (at) example (dot) org", "jo at example dot co dot uk",
                      "jo[at]example.org", "JO.SMITH@MAIL.CO.UK"])
    func findsContactDetailsHoweverWritten(detail: String) {
        let (clean, kinds) = scrubber.scrub("Call her. She is at \(detail) after 5pm")
        #expect(!kinds.isEmpty, "missed \(detail)")
        #expect(!squashed(clean).contains(squashed(detail)), "\(clean)")
    }

    @Test func removesSentencesWithSensitiveTerms() {
        let (clean, kinds) = scrubber.scrub("Client is engaging well. She is now in a refuge in the north. Next review in May.")
        #expect(kinds == [.sensitiveTerm])
        #expect(!clean.lowercased().contains("refuge") && clean.contains("engaging well") && clean.contains("Next review"))
        #expect(scrubber.scrub("Case heard at MARAC last week").1 == [.sensitiveTerm])
    }

    /// The patterns as first written, run on every text and sentence by sentence: the faster scrubber (possessive
    /// patterns, prefilters, one search for the terms) must remove exactly what they removed.
    @Test func removesWhatTheFirstPatternsRemoved() {
        let at = #"(?:@|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+)"#, dot = #"(?:\.|\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"#
        let first: [(ContactDetailScrubber.Kind, String)] = [
            (.email, #"[\p{L}\p{N}._%+-]+"# + at + #"[\p{L}\p{N}-]+(?:"# + dot + #"[\p{L}\p{N}-]+)+"#),
            (.postcode, #"\b(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}|GIR\s*0AA)\b"#),
            (.phone, #"(?:\+|\b00)?\(?\d(?:[\s().-]*\d){8,}\b"#),
        ]
        let regexes = first.map { ($0.0, try! NSRegularExpression(pattern: $0.1, options: [.caseInsensitive])) }
        let terms = Repo.policy.sensitiveTerms
        let termRegex = try! NSRegularExpression(pattern: #"\b(?:"# + terms.map {
            NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: " ", with: #"\s+"#) }.joined(separator: "|") + #")\b"#,
            options: [.caseInsensitive])
        func sentencesRemoved(_ text: String) -> String? {
            var out = "", sentence = "", changed = false
            func flush(_ terminator: Character?) {
                if termRegex.firstMatch(in: sentence, range: NSRange(sentence.startIndex..., in: sentence)) != nil {
                    out += ContactDetailScrubber.replacement
                    if terminator == "\n" { out.append("\n") }
                    changed = true
                } else {
                    out += sentence
                    if let terminator { out.append(terminator) }
                }
                sentence = ""
            }
            for ch in text {
                if ch == "." || ch == "!" || ch == "?" { sentence.append(ch); flush(nil) } else if ch == "\n" { flush("\n") } else { sentence.append(ch) }
            }
            if !sentence.isEmpty { flush(nil) }
            return changed ? out : nil
        }

        var g = MessageGenerator(seed: 20261122)
        var texts = (0..<3000).map { i -> String in
            var t = g.freeText()
            if i % 3 == 0 { t += g.pick([". She went to the refuge on Monday", "\nSchool run at 3", ". Heard at MARAC. Fine", "! New address soon?"]) }
            return t
        }
        texts += ["x@y.z%w@v.u", "jo\u{00A0}at example dot org", "jo\u{2003}(at)\u{2003}example (dot) org", "at@x.org first",
                  "mail: ünïcode.nåme@exämple.org now", "Call ٠٧٧٠٠٩٠٠١٢٣ today", "sam.k12@mail-box.com.sam.k13@mail-box.com",
                  "reach j.smith99 at provider dot co dot uk or 07700 900123, LE2 3AB", "what that late", "(at)home", "AT EXAMPLE DOT COM",
                  "Sam AT home dot now", "x [at] y [dot] z", "jo at\nexample dot org", "", "Seen at 10:30 at the office"]
        for text in texts {
            var expected = text, kinds: [ContactDetailScrubber.Kind] = []
            for (kind, regex) in regexes {
                let range = NSRange(expected.startIndex..., in: expected)
                guard regex.firstMatch(in: expected, range: range) != nil else { continue }
                expected = regex.stringByReplacingMatches(in: expected, range: range, withTemplate: ContactDetailScrubber.replacement)
                kinds.append(kind)
            }
            if let cleaned = sentencesRemoved(expected) { expected = cleaned; kinds.append(.sensitiveTerm) }
            let (got, gotKinds) = scrubber.scrub(text)
            #expect(got == expected && gotKinds == kinds, "\(text)")
        }
        #expect(g.planted.count > 1000)
    }

    @Test func leavesOrdinaryTextAlone() {
        for text in ["Prefers afternoon calls", "Has 2 children aged 4 and 7", "Seen on 21/11/2026 at 10:30", "Referral 3 of 12"] {
            #expect(scrubber.scrub(text).1.isEmpty, "\(text)")
        }
    }
}

@Suite struct RedactorTests {
    @Test func keepsOnlyAllowedFieldsAndNamesTheRest() throws {
        let body = try JSONParser.parse(Data(#"{"a":1,"b":{"c":"x","d":"y"},"e":[{"f":1,"g":2},{"f":3,"g":4}],"h":"z"}"#.utf8))
        let r = Redactor().redact(body, allowed: PathSet(["a", "b.c", "e.f"]), scrubbing: nil)
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
