import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// What a red team wrote to get a number, an address or a term past the check toward the perpetrator service, one
/// argument per way of writing: each root cause it found is a group here, so a regression names its principle.
@Suite struct DisguisedWritingTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)

    func expectRemoved(_ detail: String, leaving pieces: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard_.expectRemoved(detail, leaving: pieces, sourceLocation: sourceLocation)
    }

    // Numbers: the digits of one phone number spread with words, punctuation or pauses are over the budget.
    @Test(arguments: [
        "07700 and 90012 and 3", "0...7...7...0...0 9 0 0 1 2 3", "07700####900123", "((((07700))))900123",
        "seven, um, seven, er, zero zero, nine, zero zero, one two three", "seven. seven. zero. zero. nine. zero. zero",
        "077 then 009 then 001 then 23", "0 7 7 0 0 - 9 0 0 1 2 3",
    ])
    func numbersSpreadOut(detail: String) {
        let (clean, kinds) = guard_.scrub("He is engaging well. Ring \(detail) after work.")
        #expect(kinds.contains(.phone), "missed \(detail)")
        let digits = clean.unicodeScalars.filter { $0.properties.numericType != nil }.count
        #expect(digits < DisclosureGuard.digitBudget, "\(clean)")
    }

    @Test func aFewSmallNumbersStay() {
        #expect(guard_.scrub("Has 2 children aged 4 and 7").1.isEmpty)
        #expect(guard_.scrub("Attended 12 of 20 sessions").1.isEmpty)
        let (clean, _) = guard_.scrub("Attended 12 of 20 sessions, then 3 more, and 4 after that")
        #expect(!clean.contains("12") && !clean.contains("20"), "over the budget every number goes: \(clean)")
        #expect(guard_.scrub("Seen in 2024").0 == "Seen in [removed]", "three digits or more always go")
    }

    // Characters that look like nothing, or like a space.
    @Test(arguments: [
        "07700\u{3164}900123", "14 Elm\u{3164}Road", "Leic\u{115F}ester", "Salf\u{1160}ord", "jo\u{FFA0}@example.org",
        "14\u{2800}Elm\u{2800}Road", "Hinck\u{180E}ley",
    ])
    func blanksThatAreNotSpaces(detail: String) {
        expectRemoved(detail, leaving: [])
    }

    // Emails: the at and the dot in every spelling, providers without a domain, stops of other scripts.
    @Test(arguments: [
        "jo at gmail", "jo.smith at hotmail", "jo@example.xyz", "jo at example full stop org", "jo at example point com",
        "jo@example.c0m", "jo a t example dot org", "jo at sign example.org", "jo(a)example.org", "jo«at»example.org",
        "jo{@}example.org", "jo@example\u{3002}org", "jo@example\u{FF61}org", "jo@example\u{06D4}org", "jo at example dot scot",
        "@jo_smith99", "j o @ e x a m p l e . o r g", "jo at example dot online",
    ])
    func emailsHoweverSpelled(detail: String) {
        expectRemoved(detail, leaving: ["example", "gmail", "hotmail", "jo_smith"].filter { detail.contains($0) })
    }

    // Digits of every kind: circled, negative circled, ideographic.
    @Test(arguments: ["❼❼⓿⓿ ➈⓿⓿➀➁➂", "〇七七〇〇九〇〇一二三", "⑦⑦⓪⓪ ⑨⓪⓪①②③"])
    func digitsOfEveryKind(detail: String) {
        expectRemoved(detail, leaving: [])
    }

    // Street words of every kind, and buildings.
    @Test(arguments: [
        "14 Elm Av", "3 Park Tce", "7 Marine Pde", "12 Elm Mount", "4 Castle Heights", "2 Foundry Yard", "9 Kings Quay",
        "Flat 3, Elm House", "the flat in Quenby Mansions",
    ])
    func streetWordsOfEveryKind(detail: String) {
        expectRemoved(detail, leaving: ["Elm", "Park", "Marine", "Castle", "Foundry", "Kings", "Quenby"].filter { detail.contains($0) })
    }

    // Letters written one at a time, glued words, hashtags, plurals, short names and misspellings of places.
    @Test(arguments: [
        "L e i c e s t e r", "14 Elm R.o.a.d", "L.E.2 7.A.B", "S.K.8", "#LeicesterRoad", "14 ElmRoad", "the Salfords",
        "Mcr", "Leics", "Leicestr", "Manchestre", "Stokport", "S a l f o r d",
    ])
    func lettersOneAtATimeAndPlacesMisspelt(detail: String) {
        expectRemoved(detail, leaving: ["Leicester", "Elm", "Salford", "Leicestr", "Manchestre", "Stokport"].filter { detail.contains($0) })
    }

    // Text shown in another order than it is written.
    @Test(arguments: ["\u{202E}daoR mlE 41\u{202C}", "\u{2067}daoR mlE 41\u{2069}", "\u{202E}321009 00770"])
    func reorderedText(detail: String) {
        let (clean, kinds) = guard_.scrub("He is engaging well. \(detail) after work.")
        #expect(kinds.contains(.concealed), "\(clean)")
        #expect(!clean.contains("mlE") && !clean.contains("00770"), "\(clean)")
    }

    // Look-alike letters: small capitals, hooked letters, other scripts' look-alikes, regional indicators.
    @Test(arguments: ["ʟᴇɪᴄᴇꜱᴛᴇʀ", "ꓡꓰꓲꓚꓰꓢꓔꓰꓣ", "🇱🇪🇮🇨🇪🇸🇹🇪🇷", "ꜱᴀʟꜰᴏʀᴅ", "Ꮪalford", "ɦinckley", "Ｓａｌｆｏｒｄ"])
    func lookAlikeLetters(detail: String) {
        expectRemoved(detail, leaving: [])
    }

    // Schools by every name, and words with digits for letters.
    @Test(arguments: [
        "Didsbury High", "Quenby Kindergarten", "Quenby Pr1mary", "the r3fuge", "a h0stel", "the s4fe house",
        "Quenby Montessori", "Quenby Playgroup",
    ])
    func schoolsAndDigitsForLetters(detail: String) {
        expectRemoved(detail, leaving: ["Quenby", "Didsbury", "r3fuge", "h0stel", "s4fe"].filter { detail.contains($0) })
    }

    // Terms by other names.
    @Test(arguments: [
        "She is with Women's Aid now", "in emergency accommodation", "at a confidential address", "her I D V A called",
        "seen by the R E F U G E", "now rehoused",
    ])
    func termsByOtherNames(sentence: String) {
        let (clean, kinds) = guard_.scrub("He is engaging well. \(sentence). Next review in May.")
        #expect(kinds.contains(.sensitiveTerm), "\(clean)")
        #expect(clean.contains("engaging well") && clean.contains("Next review"), "\(clean)")
    }

    // Other scripts written out: transliterated, then matched (a letter or two out) against the gazetteer.
    @Test(arguments: ["Манчестер", "Лестер", "Солфорд"])
    func placesInOtherScripts(detail: String) {
        expectRemoved(detail, leaving: [detail])
    }

    // A street and a place in the names of one message: an address where nothing can be cleaned.
    @Test func aStreetAndAPlaceInNamesAreRefused() throws {
        let schemas = Repo.schemas
        let body = try JSONParser.parse(
            Data(#"{"subject":{"name":{"given":"Wilmslow Road","family":"Didsbury"}},"perpetratorProgramme":{"motivation":"wants to change"}}"#.utf8))
        #expect(throws: Refusal.self) {
            try guard_.check(body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!, recipient: .perpetrator)
        }
        // One alone is a name.
        let alone = try JSONParser.parse(
            Data(#"{"subject":{"name":{"given":"Mark","family":"Lane"}},"perpetratorProgramme":{"motivation":"wants to change"}}"#.utf8))
        #expect(throws: Never.self) {
            try guard_.check(alone, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!, recipient: .perpetrator)
        }
    }
}

extension DisclosureGuard {
    /// Free text with `detail` in it: something is removed, no distinctive piece of the detail is left, and the
    /// sentence before it stays.
    func expectRemoved(_ detail: String, leaving pieces: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let (clean, kinds) = scrub("He is engaging well. Write to \(detail) after work.")
        #expect(!kinds.isEmpty, "missed \(detail)", sourceLocation: sourceLocation)
        for piece in pieces {
            #expect(
                !clean.lowercased().unicodeScalars.elementsContain(piece.lowercased().unicodeScalars), "'\(piece)' of \(detail) left in \(clean)",
                sourceLocation: sourceLocation)
        }
        #expect(clean.contains("engaging well"), "\(clean)", sourceLocation: sourceLocation)
    }
}

extension String.UnicodeScalarView {
    /// Whether the scalars hold `other` as a run (flags of regional indicators compared scalar by scalar).
    func elementsContain(_ other: String.UnicodeScalarView) -> Bool {
        let a = Array(self)
        let b = Array(other)
        guard !b.isEmpty, b.count <= a.count else { return false }
        return (0...(a.count - b.count)).contains { a[$0..<($0 + b.count)].elementsEqual(b) }
    }
}

/// The second red team's root causes: what the first round's fixes did not yet reach.
@Suite struct DisguisedWritingSecondRoundTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)

    func expectRemoved(_ detail: String, leaving pieces: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard_.expectRemoved(detail, leaving: pieces, sourceLocation: sourceLocation)
    }

    // Letters drawn like Latin ones ("faux Cyrillic"), symbols for letters, compatibility forms with brackets,
    // combining letters.
    @Test(arguments: [
        "MΛNCHΣSTΣR", "ΘLDHΛM", "14 Elm RΦAD", "a $afe hou$e", "Bo|ton", "14 Elm $treet", "⒨⒜⒩⒞⒣⒠⒮⒯⒠⒭",
        "🄢🄐🄛🄕🄞🄡🄓", "Bͦlton",
    ])
    func lettersDrawnLikeOthers(detail: String) {
        expectRemoved(detail, leaving: [])
    }

    @Test func aFauxCyrillicTermInANameRefuses() throws {
        let schemas = Repo.schemas
        let body = try JSONParser.parse(
            Data(#"{"subject":{"name":{"given":"Mark","family":"ЯEFUGE"}},"perpetratorProgramme":{"motivation":"wants to change"}}"#.utf8))
        #expect(throws: Refusal.self) {
            try guard_.check(body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!, recipient: .perpetrator)
        }
    }

    // Any sign can space letters out; places written in pieces.
    @Test(arguments: ["M+a+n+c+h+e+s+t+e+r", "M:a:n:c:h:e:s:t:e:r", "M❤a❤n❤c❤h❤e❤s❤t❤e❤r", "Stock port", "Old ham", "Manch ester", "Stock-port"])
    func spacedAndSplitPlaces(detail: String) {
        expectRemoved(detail, leaving: ["Stock port", "Old ham", "Manch ester", "Stock-port"].filter { $0 == detail })
    }

    // Numbers with multipliers, ordinals, other languages; letters in the spelling alphabet.
    @Test(arguments: [
        "seven thousand four hundred and twelve", "sieben sieben null null neun null null eins", "first, seventh, seventh, zeroth, ninth",
        "Mike two zero, four Alpha Bravo", "sept sept zero zero neuf",
    ])
    func numbersAndLettersSpelledOtherwise(detail: String) {
        let (clean, kinds) = guard_.scrub("He is engaging well. Ring \(detail) after work.")
        #expect(!kinds.isEmpty, "\(clean)")
        #expect(!clean.contains("seven") && !clean.contains("sieben") && !clean.contains("Alpha") && !clean.contains("sept"), "\(clean)")
    }

    // Emails without an at-sign, encoded at-signs, web addresses and profiles, places as codes.
    @Test(arguments: [
        "jane.smith%40gmail.com", "jane.smith&#64;hotmail.com", "jane.smith 'at' gmail", "jane.smith gmail.com",
        "instagram.com/janesmith_x", "fb.me/jane.smith", "wa.me/447700900123", "https://example.org/jane",
        "///filled.count.soap", "plus code 9C5VC4X7+XX", "53.4808, -2.2426",
    ])
    func addressesWithoutTheUsualSigns(detail: String) {
        expectRemoved(detail, leaving: ["jane.smith", "janesmith", "filled.count.soap", "9C5VC4X7", "53.4808"].filter { detail.contains($0) })
    }

    @Test func streetsWithoutAnOrdinaryNameAndNewTerms() {
        for detail in ["off Princess Parkway", "in Timperley now"] {
            expectRemoved(detail, leaving: ["Parkway", "Timperley"].filter { detail.contains($0) })
        }
        for sentence in ["She is in DV accommodation", "she has a non-molestation order", "the kids go to the Sure Start centre"] {
            #expect(guard_.scrub("He is engaging well. \(sentence). Next review in May.").1.contains(.sensitiveTerm), "\(sentence)")
        }
    }

    @Test func timestampsLoseTheirFractionTowardHim() {
        #expect(RecipientFilter.wholeSeconds(.string("2026-12-03T09:07:43.770090012Z")) == .string("2026-12-03T09:07:43Z"))
        #expect(RecipientFilter.wholeSeconds(.string("2026-12-03T09:07:43.5+01:00")) == .string("2026-12-03T09:07:43+01:00"))
        #expect(RecipientFilter.wholeSeconds(.string("2026-12-03T09:07:43Z")) == .string("2026-12-03T09:07:43Z"))
        #expect(RecipientFilter.wholeSeconds(.string("Seen 2026-12-03T09:07:43.5Z")) == .string("Seen 2026-12-03T09:07:43.5Z"))
    }
}

/// The third red team's root causes.
@Suite struct DisguisedWritingThirdRoundTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)
    let schemas = Repo.schemas

    func check(
        given: String, family: String, preferred: String? = nil, motivation: String = "wants to change"
    ) throws(Refusal) -> DisclosureGuard.Checked {
        var name: [String: String] = ["given": given, "family": family]
        if let preferred { name["preferred"] = preferred }
        let body = JSONValue.object([
            .init("subject", .object([.init("name", .object(name.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) }))])),
            .init("perpetratorProgramme", .object([.init("motivation", .string(motivation))])),
        ])
        return try guard_.check(body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!, recipient: .perpetrator)
    }

    // A domain or a profile in names; a number spelled in a name; a term in three name fields in another order.
    @Test(
        arguments: [
            ("Jane.Smith", "Gmail.com", nil), ("Instagram.com", "Jane.Smith.X", nil), ("Fb.me", "Jane", nil),
            ("Jane Smith Arroba Gmail", "Example", nil), ("Oh Seven Seven Zero Zero Jo Nine", "Zero Zero Jo One Two Three", nil),
            ("Re", "Fu", "Ge"),
        ] as [(String, String, String?)])
    func namesThatAreNotNames(given: String, family: String, preferred: String?) {
        #expect(throws: Refusal.self, "\(given) \(family) \(preferred ?? "")") { try check(given: given, family: family, preferred: preferred) }
    }

    @Test func ordinaryNamesStillPass() throws {
        for (given, family) in [("Jane", "Smith"), ("Mary-Jane", "O'Neil"), ("J.", "Smith"), ("Mark", "Lane"), ("Tom", "Street")] {
            _ = try check(given: given, family: family)
        }
    }

    // Signs inside a place's name, both letters a digit can stand for, joiners after symbols, capitals inside
    // letters written one at a time, letters spelled by name, South Asian number words.
    @Test(arguments: [
        "Bol'ton", "Stock.port", "Manch:ester", "Old+ham", "at 14 Elm Ro'ad", "hoste1", "Bo1ton", "Wi6an",
        "$\u{200D}afe hou$\u{200D}e", "⒨\u{200D}⒜\u{200D}⒩\u{200D}⒞\u{200D}⒣\u{200D}⒠\u{200D}⒮\u{200D}⒯\u{200D}⒠\u{200D}⒭",
        "b O l T o N", "em fourteen, four pee ar", "shunya saat saat shunya shunya nau shunya shunya ek do teen",
    ])
    func writingThatUndidAReading(detail: String) {
        let (clean, kinds) = guard_.scrub("He is engaging well. Write to \(detail) after work.")
        #expect(!kinds.isEmpty, "missed \(detail): \(clean)")
        #expect(!clean.contains(detail), "\(clean)")
    }

    @Test func someonesHouseIsNotAStreet() {
        #expect(
            guard_.scrub("He goes to his brother's house and to a friend's place").1.isEmpty,
            "\(guard_.scrub("He goes to his brother's house and to a friend's place"))")
    }

    // Text that once took the check minutes (a pattern that gave back what it matched): the time limit tells a
    // bounded check from one that hangs, with room for any machine.
    @Test(.timeLimit(.minutes(1))) func longTextOfPunctuatedDigitsIsCheckedInBoundedTime() throws {
        let body = JSONValue.object([
            .init("reason", .string(String(repeating: ".1", count: 2000))),
            .init("notes", .string(String(repeating: "a.", count: 1900) + "%40" + String(repeating: "a%", count: 100))),
            .init("subject", .object([.init("name", .object([.init("given", .string("Mark")), .init("family", .string("Example"))]))])),
            .init("perpetratorProgramme", .object([.init("motivation", .string(String(repeating: ".1", count: 500)))])),
        ])
        let checked = try guard_.check(
            body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!,
            delivered: { !["reason", "notes"].contains($0) }, recipient: .perpetrator)
        let motivation = checked.body.value(at: "perpetratorProgramme.motivation")?.stringValue ?? ""
        #expect(!motivation.contains("1.1"), "\(motivation)")
    }
}

/// The fourth red team's root causes.
@Suite struct DisguisedWritingFourthRoundTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)

    // Number words in the area's own scripts; web addresses with a spelled, bracketed or spaced dot; domains of
    // any country; handles named by their platform; at-signs and dots in other languages; places in many pieces.
    @Test(arguments: [
        "शून्य सात सात शून्य शून्य नौ शून्य शून्य एक दो तीन", "instagram dot com slash janesmithx", "instagram[.]com/janesmithx",
        "instagram . com / janesmithx", "janesmith dot co dot uk", "linktr.ee/janesmith", "janesmith.page",
        "on Instagram as jane.smith.x", "Her snapchat is janesmith_x", "Insta: jane_smith_x", "janesmith at example (dot) org",
        "jane.smith arobase gmail point com", "jane chiocciola example punto it", "Ma nch es ter", "Fal low fi eld",
    ])
    func detailsTheFourthRoundGotThrough(detail: String) {
        guard_.expectRemoved(detail, leaving: ["सात", "janesmith", "jane.smith", "jane_smith", "Ma nch", "Fal low"].filter { detail.contains($0) })
    }
}
