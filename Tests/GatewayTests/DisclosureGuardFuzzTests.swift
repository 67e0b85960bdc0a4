import Contracts
import Foundation
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The text check runs on every string a message carries toward the perpetrator service, in the gateway's own
/// process: a trap in it, or a pattern that runs away, would stop every service's traffic with one referral. Two
/// red teams found one of each; this feeds it text built from what broke it and everything near it.
@Suite struct DisclosureGuardFuzzTests {
    let guard_ = DisclosureGuard(gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms)
    let schemas = Repo.schemas

    /// Pieces a writer (or a fuzzer) strings together: words the readings act on, signs, digits of every kind,
    /// marks, joiners, blanks, controls, other scripts, and number words with a letter more.
    static let pieces: [String] = [
        "a", "l", "1", "0", "7", ".", ",", "'", "-", "+", "@", "%40", "&#64;", "(", ")", "[at]", "{", "«", " ", "  ", "\n", "\t",
        "seven", "fours", "hundred", "oh", "double", "mike", "alpha", "em", "pee", "sieben", "shunya", "at", "dot", "full stop",
        "Leicester", "Stock", "port", "Road", "Rd", "St", "Mary's", "refuge", "safe", "house", "IDVA", "gmail", "com", ".uk", "www.",
        "\u{200B}", "\u{200D}", "\u{FE0F}", "\u{3164}", "\u{2800}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{0301}", "\u{0366}",
        "\u{E0041}", "\u{FFFF}", "\u{10FFFD}", "\u{1F1EC}", "\u{1F1E7}", "⒨", "🄢", "❼", "〇", "二", "٣", "०", "Ж", "Λ", "Σ", "ꓲ", "ᴀ",
        "ß", "ﬁ", "İ", "ς", "$", "|", "€", "©", "$\u{200D}", "👩‍👩‍👧", "e\u{301}\u{301}\u{301}\u{301}", "Манчестер", "ㄱ", "ア",
        // characters that read as many, which once made the check run for seconds
        "…", "…", "ﷺ", "ⅷ'", "㍻", "ﷻ",
    ]

    static func text(_ rng: inout SplitMix64, pieces count: Int) -> String {
        var s = ""
        for _ in 0..<count { s += Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &rng)] }
        return s
    }

    /// A thousand bodies of random pieces, in every field the check reads, delivered and withheld: each is
    /// checked (delivered cleaned, or refused) without a trap, and what is delivered stays within its field.
    /// Seconds of CPU this thread has used: what one check costs, however busy the machine is beside it.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    // No time limit on the whole: on one core beside the other suites it takes minutes and is still working. A
    // runaway pattern shows in the check itself, as seconds of CPU for one body that takes milliseconds.
    @Test func randomTextNeverStopsTheCheck() throws {
        var rng = SplitMix64(state: 0xF022)
        var refused = 0
        var cleaned = 0
        for round in 0..<1_000 {
            let long = round % 100 == 0  // now and then, fields near their length limits
            func field(_ n: Int) -> String { Self.text(&rng, pieces: long ? n * 40 : Int.random(in: 0...n, using: &rng)) }
            let body = JSONValue.object([
                .init("reason", .string(field(30))),
                .init("notes", .string(field(30))),
                .init(
                    "subject",
                    .object([
                        .init(
                            "name",
                            .object([
                                .init("given", .string(field(4))), .init("family", .string(field(4))), .init("preferred", .string(field(3))),
                            ]))
                    ])),
                .init("perpetratorProgramme", .object([.init("motivation", .string(field(30)))])),
            ])
            let started = Self.threadCPUSeconds()
            defer {
                let spent = Self.threadCPUSeconds() - started
                #expect(spent < 5, "round \(round): one check used \(spent) s of CPU: a pattern runs away")
            }
            do {
                let checked = try guard_.check(
                    body, freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!,
                    limits: schemas.lengthLimits[.referral] ?? [:],
                    delivered: { !["reason", "notes"].contains($0) }, recipient: .perpetrator)
                if !checked.removed.isEmpty { cleaned += 1 }
                let motivation = checked.body.value(at: "perpetratorProgramme.motivation")?.stringValue ?? ""
                if let limit = schemas.lengthLimits[.referral]?["perpetratorProgramme.motivation"] {
                    #expect(motivation.unicodeScalars.count <= limit)
                }
            } catch {
                refused += 1
                #expect(error.code == .forbiddenContent, "\(error)")
            }
        }
        // Not vacuous: the pieces hold enough to be cleaned and refused often.
        #expect(cleaned > 100 && refused > 30, "cleaned \(cleaned), refused \(refused)")
    }
}

@Suite struct DisclosureGuardLimitTests {
    /// A referral naming a thousand children (the contract bounds no list of them) is refused before it is read,
    /// with a reason the sender can act on; one under the limit is read as usual.
    @Test func moreTextThanTheCheckMayReadIsRefused() throws {
        let schemas = Repo.schemas
        let guard_ = DisclosureGuard(
            gazetteer: Repo.policy.gazetteer, sensitiveTerms: Repo.policy.sensitiveTerms,
            readLimit: Repo.policy.maxCheckedTextCharacters)
        func body(children: Int) -> JSONValue {
            .object([
                .init("subject", .object([.init("name", .object([.init("given", .string("Mark")), .init("family", .string("Example"))]))])),
                .init(
                    "household",
                    .object([
                        .init(
                            "children",
                            .array(
                                (0..<children).map { _ in
                                    .object([.init("name", .object([.init("given", .string("Amelia")), .init("family", .string("Example"))]))])
                                }))
                    ])),
                .init("perpetratorProgramme", .object([.init("motivation", .string("wants to change"))])),
            ])
        }
        do {
            _ = try guard_.check(
                body(children: 1_340), freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!,
                recipient: .perpetrator)
            Issue.record("a thousand children were read")
        } catch {
            #expect(error.code == .oversized && error.detail.contains("at most \(Repo.policy.maxCheckedTextCharacters)"), "\(error)")
        }
        _ = try guard_.check(
            body(children: 5), freeText: schemas.freeTextPaths[.referral]!, words: schemas.wordPaths[.referral]!,
            recipient: .perpetrator)
    }

    @Test func thePolicyRefusesALimitTooSmallToReadAReferral() {
        let yaml = (try? String(contentsOf: Repo.root.appendingPathComponent("config/sharing-policy.yaml"), encoding: .utf8)) ?? ""
        let small = yaml.replacingOccurrences(of: "maxCheckedTextCharacters: 16384", with: "maxCheckedTextCharacters: 10")
        #expect(throws: PolicyError.self) { try SharingPolicy(yaml: small, directory: Repo.root.appendingPathComponent("config")) }
    }
}
