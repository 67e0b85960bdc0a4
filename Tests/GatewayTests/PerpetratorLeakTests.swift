import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import Messaging
import TestSupport
import Testing

@testable import GatewayStorage

/// An adversarial leak suite toward the perpetrator service, over the real gateway and broker: at least 5,000
/// referrals, each hiding one address, postcode, phone number, email, school, place or sensitive term, written
/// every way `LeakGenerator` knows, put in every string field a referral has (the free text written for the
/// programme, names, withheld fields, coded fields) and split across fields and lines. Not one fragment is
/// delivered; what can be cleaned is delivered clean, and what cannot is refused.
///
/// Beside it, the differential test: toward every other recipient, text arrives exactly as it was sent; and
/// ordinary text toward the perpetrator service arrives unchanged too.
@Suite(.needsBroker) struct PerpetratorLeakTests {
    /// Where an item was put, and what must become of the message.
    enum Placement: CaseIterable {
        /// In the free text written for the programme (perpetratorProgramme.motivation): delivered, cleaned.
        case motivation
        /// Across two lines of it.
        case motivationLines
        /// Split between a withheld field (reason, notes) and the motivation: delivered, both parts gone.
        case withheldAndMotivation
        /// In withheld fields only: delivered without them.
        case withheldOnly
        /// In his name (given, family, preferred, or split over two): refused, a name cannot be cleaned.
        case name
        /// Split between his name and the motivation: refused.
        case nameAndMotivation
        /// In a coded field (gender, language, a disability): refused by the contract's types.
        case codedField
    }

    @Test func fiveThousandDisguisedDetailsNoneDelivered() async throws {
        let h = try await GatewayHarness(policy: Repo.backlogPolicy)
        // Another seed each run would make failures unrepeatable; REFGW_LEAK_SEED tries others on purpose.
        var g = LeakGenerator(seed: UInt64(ProcessInfo.processInfo.environment["REFGW_LEAK_SEED"] ?? "") ?? 0x1EA4)
        let victims = try Repo.parties.allocator(for: .victim)
        // Fifty men, each consented to the programme.
        var men: [URC] = []
        for _ in 0..<50 {
            let man = victims.allocate()
            try await h.giveConsent(from: .victim, subject: man, recipients: [.perpetrator], purposes: [.perpetratorIntervention])
            men.append(man)
        }
        let total = max(5_000, Int(ProcessInfo.processInfo.environment["REFGW_LEAK_COUNT"] ?? "") ?? 5_000)
        var planted: [String: (LeakGenerator.Item, Placement)] = [:]
        var messages: [SignedMessage] = []
        for i in 0..<total {
            var item = g.item()
            var placement = Placement.allCases[i % Placement.allCases.count]
            if [.name, .nameAndMotivation].contains(placement), !item.fitsAName {
                // Only what names can hold goes in a name; everything else goes to the free text instead.
                placement = .motivation
            }
            if placement == .nameAndMotivation, item.parts.count < 2 { item.parts = g.split(item.written) }
            if placement == .nameAndMotivation, item.parts.count < 2 { placement = .name }
            if placement == .withheldAndMotivation, item.parts.count < 2 { item.parts = g.split(item.written) }
            let man = men[i % men.count]
            var body: [String: Any] = [
                "referralId": UUID.randomLowercased(), "referredAt": Timestamp().rfc3339,
                "referrer": ["service": "victim", "staff": ["name": "Amira Khan", "role": "IDVA"]],
                "sharing": ["purpose": "perpetrator-intervention"], "priority": "standard",
                "reason": "Asked for help to change", "subjectRole": "perpetrator",
                "perpetratorProgramme": ["selfReferral": false, "motivation": g.pick(LeakGenerator.filler) + "."],
            ]
            var name: [String: Any] = ["given": "Mark", "family": "Example"]
            var subject: [String: Any] = ["urc": man.canonical]
            var programme = body["perpetratorProgramme"] as! [String: Any]
            let filler = g.pick(LeakGenerator.filler)
            switch placement {
            case .motivation:
                programme["motivation"] =
                    "\(filler). \(item.parts.joined(separator: g.pick([" ", ", ", "\n"]))) \(g.pick(["now", "is best", "after six"]))."
            case .motivationLines:
                programme["motivation"] = "\(filler).\n" + item.parts.joined(separator: "\n") + (item.parts.count == 1 ? "" : "") + "\nThanks."
                if item.parts.count == 1 { programme["motivation"] = "\(filler).\nContact\n\(item.written)\nThanks." }
            case .withheldAndMotivation:
                body[g.pick(["reason", "notes"])] = "Reach her on \(item.parts[0])"
                programme["motivation"] = item.parts.dropFirst().joined(separator: " ") + " \(filler)."
            case .withheldOnly:
                body["reason"] = "She is at \(item.written)"
                body["notes"] = item.written
            case .name:
                if item.parts.count >= 2, g.chance(0.5) {
                    name["given"] = item.parts[0]
                    name["family"] = item.parts.dropFirst().joined(separator: " ")
                } else {
                    name[g.pick(["given", "family", "preferred"])] = item.written
                }
            case .nameAndMotivation:
                name["family"] = item.parts[0]
                programme["motivation"] = item.parts.dropFirst().joined(separator: " ") + ". \(filler)."
            case .codedField:
                subject[g.pick(["gender", "language"])] = item.written
                if g.chance(0.3) { subject["disabilities"] = [item.written] }
            }
            subject["name"] = name
            body["subject"] = subject
            body["perpetratorProgramme"] = programme
            let data = try JSONSerialization.data(withJSONObject: body)
            var envelope = Envelope(
                messageID: UUID.randomLowercased(), type: .referral, sender: .victim, recipient: .perpetrator,
                subject: man, keyID: h.signers[.victim]!.keyID)
            h.signers[.victim]!.sign(&envelope, body: data)
            messages.append(SignedMessage(envelope: envelope, body: data))
            planted[envelope.messageID] = (item, placement)
        }
        try await h.submit(messages)
        try await h.waitUntilProcessed(50 + total)

        // What became of each: delivered clean, or refused for a reason its placement calls for.
        let decided = try await h.store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT message_id, event, reason_code, justification FROM audit WHERE type = 'referral'")
                .map { ($0[0] as String, ($0[1] as String) == "delivered" ? nil : ($0[2] as String?), ($0[3] as String?) ?? "") }
        }
        var outcome: [String: String?] = [:]
        var detail: [String: String] = [:]
        for (id, code, why) in decided {
            outcome[id] = code
            detail[id] = why
        }
        var byPlacement: [String: [String: Int]] = [:]
        var wrong: [String] = []
        for (id, (item, placement)) in planted {
            let code = outcome[id] ?? "undecided"
            byPlacement["\(placement)", default: [:]][code ?? "delivered", default: 0] += 1
            let allowed: Set<String?>
            switch placement {
            case .motivation, .motivationLines, .withheldAndMotivation, .withheldOnly: allowed = [nil]
            // (or refused by the contract's types, when the name is longer than a name may be)
            case .name: allowed = [ReasonCode.forbiddenContent.rawValue, ReasonCode.invalidSchema.rawValue]
            // Split between his name and the text: refused, or delivered with the text's part gone (the check below).
            case .nameAndMotivation: allowed = [ReasonCode.forbiddenContent.rawValue, ReasonCode.invalidSchema.rawValue, nil]
            case .codedField: allowed = [ReasonCode.invalidSchema.rawValue]
            }
            if !allowed.contains(code) { wrong.append("\(placement) \(item.kind) '\(item.written)': \(code ?? "delivered") \(detail[id] ?? "")") }
        }
        print(
            "leak suite: \(total) messages; by placement and outcome: \(byPlacement.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sorted { $0.key < $1.key })" }.joined(separator: "; "))"
        )
        #expect(wrong.isEmpty, "\(wrong.count) not decided as their placement calls for: \(wrong.prefix(8).joined(separator: "; "))")

        // Not one fragment in anything delivered.
        let delivered = try await h.drain(byPlacement.values.reduce(0) { $0 + ($1["delivered"] ?? 0) }, from: .perpetrator)
        var leaks: [String] = []
        for d in delivered {
            let (env, body) = try h.verified(d)
            guard let (item, placement) = planted[env.messageID] else { continue }
            try h.decider.views.validate(body, as: .referral, for: .perpetrator)
            let text = [
                body.value(at: "perpetratorProgramme.motivation"), body.value(at: "subject.name.given"),
                body.value(at: "subject.name.family"), body.value(at: "subject.name.preferred"),
            ]
            .compactMap { $0?.stringValue }.joined(separator: "\n")
            // Joined without separators too: "ID" as his family name and "VA" opening the text read "idva".
            func glue(_ s: String) -> String { String(s.filter { !$0.isWhitespace && !$0.isPunctuation }) }
            let lowered = text.lowercased()
            let glued = glue(lowered)
            // An email's local part left in a name field ("Sam", the rest in the text) is delivered as a name.
            let fragments = placement == .nameAndMotivation && item.kind == "email" ? Array(item.fragments.prefix(1)) : item.fragments
            // (Scalar by scalar: regional-indicator letters pair into flags differently once cut out of a word.)
            for fragment in fragments
            where lowered.unicodeScalars.elementsContain(fragment.lowercased().unicodeScalars)
                || (item.kind == "term" && glued.unicodeScalars.elementsContain(glue(fragment.lowercased()).unicodeScalars))
            {
                leaks.append("\(placement) \(item.kind) '\(item.written)' → '\(fragment)' in \(text)")
            }
            if let number = item.digits {
                let seen = String(
                    text.unicodeScalars.compactMap {
                        $0.properties.numericType == .decimal ? Character(String(Int($0.properties.numericValue!))) : nil
                    })
                for start in 0...(number.count - 5) where seen.contains(String(Array(number)[start..<start + 5])) {
                    leaks.append("\(placement) phone '\(item.written)' → five of its digits in \(text)")
                    break
                }
            }
        }
        #expect(leaks.isEmpty, "\(leaks.count) fragments delivered: \(leaks.prefix(8).joined(separator: "; "))")
        // Not vacuous: most were delivered, cleaned, and every placement happened.
        #expect(delivered.count > total / 2, "\(byPlacement)")
        #expect(byPlacement.keys.count == Placement.allCases.count, "\(byPlacement)")
        #expect(
            (byPlacement["name"]?["forbidden-content"] ?? 0) > 60 && (byPlacement["nameAndMotivation"]?["forbidden-content"] ?? 0) > 60,
            "\(byPlacement)")
        await h.shutDown()
    }

    @Test func textTowardOtherRecipientsArrivesAsItWasSentAndOrdinaryTextTowardHimToo() async throws {
        let h = try await GatewayHarness()
        var g = MessageGenerator(seed: 0xD1FF)
        var leak = LeakGenerator(seed: 0xD1FF)
        let victims = try Repo.parties.allocator(for: .victim)
        // Toward safe home: free text full of contact details, exactly as sent (safe home may know where she is).
        var sent: [String: [String: String]] = [:]
        var messages: [SignedMessage] = []
        for _ in 0..<300 {
            let s = victims.allocate()
            try await h.giveConsent(from: .victim, subject: s, recipients: [.safehome], purposes: [.housing])
            var r = g.referral(to: .safehome, from: .victim, subject: s)
            r.reason = "\(g.freeText()) \(leak.item().written)"
            r.notes = "\(g.freeText())\n\(leak.item().written)"
            let m = try h.message(r, from: .victim, to: .safehome, about: s)
            sent[m.envelope.messageID] = ["reason": r.reason!, "notes": r.notes!]
            messages.append(m)
        }
        // Toward the perpetrator service: ordinary text, and names that are places or streets, unchanged.
        let ordinary = [
            "He wants to stay close to his children and has started the course.",
            "Attends every Tuesday; a long way to go but motivated.", "Works nights. Prefers calls after 2pm.",
            "Asked for help after the court hearing in May.", "No way he can attend on Fridays.",
        ]
        let names = [("Mark", "Preston"), ("Tom", "Lane"), ("John", "Street"), ("Ali", "Green"), ("Sam", "Hill")]
        var towardHim: [String: (String, String)] = [:]
        for i in 0..<100 {
            let man = victims.allocate()
            try await h.giveConsent(from: .victim, subject: man, recipients: [.perpetrator], purposes: [.perpetratorIntervention])
            let (given, family) = names[i % names.count]
            let r = Referral(
                referralId: UUID.randomLowercased(), referredAt: Timestamp(),
                referrer: Referrer(service: .victim, staff: Staff(name: "Amira Khan", role: "IDVA")),
                sharing: Sharing(purpose: .perpetratorIntervention), priority: .standard, reason: "Help to change",
                subject: Person(urc: man, name: PersonName(given: given, family: family)), subjectRole: .perpetrator,
                perpetratorProgramme: .init(selfReferral: false, motivation: ordinary[i % ordinary.count]))
            let m = try h.message(r, from: .victim, to: .perpetrator, about: man)
            towardHim[m.envelope.messageID] = (ordinary[i % ordinary.count], family)
            messages.append(m)
        }
        try await h.submit(messages)
        for d in try await h.drain(300, from: .safehome) {
            let (env, body) = try h.verified(d)
            #expect(body["reason"]?.stringValue == sent[env.messageID]?["reason"] && body["notes"]?.stringValue == sent[env.messageID]?["notes"])
        }
        let received = try await h.drain(100, from: .perpetrator)
        #expect(received.count == 100)
        for d in received {
            let (env, body) = try h.verified(d)
            #expect(body.value(at: "perpetratorProgramme.motivation")?.stringValue == towardHim[env.messageID]?.0)
            #expect(body.value(at: "subject.name.family")?.stringValue == towardHim[env.messageID]?.1)
        }
        await h.shutDown()
    }
}
