import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import LotKit
import Lots
import TestSupport
import Testing

@testable import GatewayStorage

/// The whole system over the real broker: the gateway and six workers as separate processes.
@Suite("The system end to end", .needsBroker, .serialized)
struct SystemTests {
    @Test("the README scenario: every worker's store and the gateway's audit trail")
    func scenario() async throws {
        let h = try await SystemHarness()
        defer { h.stop() }
        let output = try await h.script("scenario.sh", h.directory.path)
        let victim = try String(contentsOf: URL(fileURLWithPath: h.path("scenario-victim-urc")), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.contains("audit log intact"))

        try await h.store("victim").read { (db: Database) throws -> Void in
            let referrals = try Row.fetchAll(
                db, sql: "SELECT counterpart, status, type FROM referral WHERE direction = 'out' ORDER BY created_at, rowid")
            let statuses = referrals.map { "\($0["type"] as String) \($0["counterpart"] as String) \($0["status"] as String)" }
            #expect(statuses.contains("referral family accepted"))
            #expect(statuses.contains("referral safehome refused"))  // before consent
            #expect(statuses.contains("referral safehome accepted"))  // after consent
            #expect(statuses.contains("referral sanctuary completed"))
            #expect(statuses.contains("referral perpetrator accepted"))
            #expect(statuses.contains("marac-referral marac sent"))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM person WHERE linked_to = ? AND role = 'child'", arguments: [victim]) == 2)
            #expect(Set(try String.fetchAll(db, sql: "SELECT reason_code FROM refusal")) == ["no-consent", "bad-signature"])
            #expect(try String.fetchAll(db, sql: "SELECT status FROM assigned_action") == ["done"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0)
        }
        try await h.store("family").read { (db: Database) throws -> Void in
            #expect(try String.fetchOne(db, sql: "SELECT allocated_here FROM person WHERE urc = ?", arguments: [victim]) == "0")
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM person WHERE linked_to = ? AND role = 'child' AND allocated_here = 0", arguments: [victim]) == 2)
            #expect(try String.fetchAll(db, sql: "SELECT status FROM assigned_action") == ["in-progress"])
        }
        try await h.store("safehome").read { (db: Database) throws -> Void in
            #expect(try String.fetchAll(db, sql: "SELECT subject FROM referral WHERE direction = 'in'") == [victim])
        }
        try await h.store("perpetrator").read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM self_referral") == 1)
            #expect(try String.fetchAll(db, sql: "SELECT counterpart FROM referral WHERE direction = 'out'") == ["victim"])  // partner support
        }
        try await h.store("sanctuary").read { (db: Database) throws -> Void in
            let job = try #require(try Row.fetchOne(db, sql: "SELECT * FROM job"))
            #expect(job["status"] as String == "completed")
            #expect(job["cost_pence"] as Int == 2 * 8500 + 2500 + 12000)
            #expect(job["subject"] as String == victim)
        }
        try await h.store("marac").read { (db: Database) throws -> Void in
            let c = try #require(try Row.fetchOne(db, sql: "SELECT * FROM marac_case"))
            #expect(c["victim"] as String == victim)
            #expect(c["dash_score"] as Int == 16)
            #expect(try String.fetchAll(db, sql: "SELECT status FROM marac_action ORDER BY owner") == ["in-progress", "open", "done", "done"])
        }
        // Nothing about where Jane or the children are, and nothing about MARAC, reached the perpetrator service.
        try await h.store("perpetrator").read { (db: Database) throws -> Void in
            var text = ""
            for table in ["person", "referral", "inbox", "rule_log"] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                    for (_, v) in row {
                        if let s = String.fromDatabaseValue(v) {
                            text += s + "\n"
                        } else if let d = Data.fromDatabaseValue(v) {
                            text += String(decoding: d, as: UTF8.self) + "\n"
                        }
                    }
                }
            }
            for secret in ["M14", "Elm Road", "07700", "Salford", "St Anne", "jane.d@", "bluebell", "MARAC", "marac", "IDVA", "Jane"] {
                #expect(!text.contains(secret), "the perpetrator service holds '\(secret)'")
            }
            #expect(text.contains("Mark"))
        }
        // The dead-letter keeper kept both refusals; the administrator's commands filter, group, mask and audit.
        func refgw(_ args: String...) async throws -> (Int32, String) {
            try await Subprocess.output(
                of: [h.bin + "/refgw"] + args + ["--database", h.path("gateway/gateway.sqlite")],
                environment: ["REFGW_NAMESPACE": h.namespace])
        }
        let listed = try await refgw("dlq", "list", "--json")
        let letters = try JSONDecoder().decode([DeadLetter].self, from: Data(listed.1.utf8))
        #expect(Set(letters.map(\.reason)) == ["no-consent", "bad-signature"])
        #expect(letters.allSatisfy { $0.sender == "victim" && $0.subject == victim })
        let noConsent = try #require(letters.first { $0.reason == "no-consent" })
        #expect(noConsent.recipient == "safehome" && noConsent.originalExchange == "refgw.submit" && noConsent.type == "referral")
        #expect(try await refgw("dlq", "list", "--reason", "bad-signature").1.split(separator: "\n").count == 2)  // header and one row
        #expect(try await refgw("dlq", "groups").1.contains("1 × no-consent referral to safehome"))
        let masked = try await refgw("dlq", "show", "\(noConsent.id!)")
        #expect(masked.0 == 0 && !masked.1.contains("Jane") && !masked.1.contains("M14") && masked.1.contains(victim))
        let refused = try await refgw("dlq", "show", "\(noConsent.id!)", "--reveal")
        #expect(refused.0 == 1 && refused.1.contains("--reason"))
        let revealed = try await refgw(
            "dlq", "show", "\(noConsent.id!)", "--reveal", "--reason", "Checking the referral before replay", "--by", "Admin A")
        #expect(revealed.0 == 0 && revealed.1.contains("Jane"))

        // Replay and discard, as an administrator does them: a reason and a name are required; the tampered message is
        // refused again by the running gateway and stays kept; the superseded refusal (she was referred again after
        // consenting) is discarded, leaving a tombstone.
        let tampered = try #require(letters.first { $0.reason == "bad-signature" })
        let unexplained = try await refgw("dlq", "replay", "\(tampered.id!)", "--by", "Admin A")
        #expect(unexplained.0 == 1 && unexplained.1.contains("--reason"))
        let replay = try await refgw("dlq", "replay", "\(tampered.id!)", "--reason", "Checking it was not a transient fault", "--by", "Admin A")
        #expect(replay.0 == 1 && replay.1.contains("1 × refused again: bad-signature"), "\(replay.1)")
        #expect(
            try await refgw("dlq", "replay", "--group", "bad-signature", "--reason", "r", "--by", "Admin A").1.contains(
                "refused again: bad-signature"))
        let discard = try await refgw(
            "dlq", "discard", "\(noConsent.id!)", "--reason", "Superseded: referred again after she consented", "--by", "Admin B")
        #expect(discard.0 == 0 && discard.1.contains("discarded 1 dead letter"))
        #expect(try await refgw("dlq", "replay", "\(noConsent.id!)", "--reason", "r", "--by", "Admin B").1.contains("already discarded"))
        let after = try JSONDecoder().decode([DeadLetter].self, from: Data(try await refgw("dlq", "list", "--all", "--json").1.utf8))
        #expect(after.first { $0.id == noConsent.id }?.status == .discarded)
        let stillKept = try #require(after.first { $0.id == tampered.id })
        // Three replays: the scenario's administrator, then the two above.
        #expect(stillKept.status == .kept && stillKept.replayCount == 3 && stillKept.lastReplayOutcome == "bad-signature")
        #expect(
            try await refgw("dlq", "groups").1.contains(
                "1 × bad-signature safety-alert to sanctuary   (--group bad-signature/safety-alert/sanctuary)"))
        let tombstone = try await refgw("dlq", "show", "\(noConsent.id!)")
        #expect(tombstone.1.contains("erased when it was discarded") && tombstone.1.contains("Admin B") && !tombstone.1.contains("Jane"))

        let gateway = try SQLiteGatewayStore(path: h.path("gateway/gateway.sqlite"))
        try await gateway.database.read { (db: Database) throws -> Void in
            #expect(try AuditLog.verify(db.tx).isIntact)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'dead-letter-revealed' AND actor = 'Admin A'") == 1)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'replayed' AND actor = 'Admin A' AND reason_code = 'bad-signature'") == 2)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'replayed' AND actor = 'Duty admin' AND reason_code = 'bad-signature'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'discarded' AND actor = 'Admin B'") == 1)
            let trail = try AuditLog.trail(subject: victim, in: db.tx)
            let delivered = Set(trail.filter { $0.event == .delivered && $0.type == "referral" }.map(\.recipient))
            #expect(delivered == ["family", "safehome", "sanctuary"])
            #expect(trail.contains { $0.type == "marac-referral" && $0.event == .delivered && $0.basisReference == "marac-high-risk" })
            #expect(trail.contains { $0.recipient == "safehome" && $0.reasonCode == "no-consent" })
            #expect(trail.contains { $0.reasonCode == "bad-signature" })
        }
    }

    @Test("kill -9 of the gateway, the receiving worker and the sending worker in the middle of 1,000 referrals: each applied exactly once")
    func killNineDuringThousandReferrals() async throws {
        let h = try await SystemHarness()
        defer { h.stop() }
        let count = 1000
        // Staff of the victim service record 1,000 referrals in its store; the running victim worker publishes them.
        let victimEngine = try h.recordReferrals(count, to: .family)
        let family = try h.store("family")
        func familyReceived() throws -> Int {
            try family.read { (db: Database) throws -> Int in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM referral WHERE direction = 'in'") ?? 0 }
        }
        func victimAccepted() throws -> Int { try victimEngine.count("SELECT COUNT(*) FROM referral WHERE status = 'accepted'") }

        try await eventually("the family service received 150 referrals", timeout: 120) { try familyReceived() >= 150 }
        try await h.crashAndRestart("gateway")
        try await eventually("the family service received 450 referrals", timeout: 120) { try familyReceived() >= 450 }
        try await h.crashAndRestart("family")
        try await eventually("the victim service saw 600 acceptances", timeout: 120) { try victimAccepted() >= 600 }
        try await h.crashAndRestart("victim")
        try await eventually("every referral was received and accepted", timeout: 240) {
            try familyReceived() == count && victimAccepted() == count
        }
        try await family.read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT referral_id) FROM referral WHERE direction = 'in'") == count)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE type = 'referral'") == count)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE type = 'referral-outcome'") == count)
        }
        #expect(try victimEngine.count("SELECT COUNT(*) FROM inbox WHERE type = 'referral-outcome'") == count)
        #expect(try victimEngine.count("SELECT COUNT(*) FROM referral_event WHERE status = 'accepted'") == count)
        let gateway = try SQLiteGatewayStore(path: h.path("gateway/gateway.sqlite"))
        try await gateway.database.read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND type = 'referral'") == count)
            #expect(
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT message_id) FROM audit WHERE event = 'delivered' AND type = 'referral'") == count)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'refused'") == 0)
        }
    }
}
