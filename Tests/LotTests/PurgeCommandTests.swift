import Contracts
import Foundation
import GatewayStorage
import TestSupport
import Testing

/// `refgw purge` as an administrator runs it: what the retention rules let go goes, audited; a replayed letter's
/// body is gone and says so; bad rules change nothing.
@Suite("refgw purge")
struct PurgeCommandTests {
    static let day = 86_400.0

    /// A gateway store with message ids decided 100 and 1 days ago, a letter replayed 40 days ago and one kept.
    func agedStore() async throws -> (path: String, replayed: Int64, kept: Int64) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("purge-\(UUID().uuidString.prefix(6))")
        let path = dir.appendingPathComponent("gateway.sqlite").path
        let store = try SQLiteGatewayStore(path: path, instance: "test")
        let now = Timestamp()
        let content = DeadLetterContent(properties: #"{"type":"referral"}"#, body: Data(#"{"address":"14 Elm Road"}"#.utf8))
        let ids = try await store.write { tx in
            for (id, age) in [("old-1", 100.0), ("old-2", 100.0), ("new", 1.0)] {
                try tx.rememberMessage(
                    SeenMessage(messageID: id, sender: "victim", fingerprint: "f", processedAt: now.adding(seconds: -age * Self.day)))
            }
            func letter(_ id: String) -> DeadLetter {
                DeadLetter(
                    messageID: id, originalExchange: "refgw.submit", originalRoutingKey: "safehome", queue: "gateway.in", reason: "no-consent",
                    reasonDetail: nil, deathCount: 1, firstDeathAt: now, lastDeathAt: now, sender: "victim", recipient: "safehome", type: "referral",
                    subject: nil, keptAt: now)
            }
            let replayed = try tx.keepDeadLetter(letter("r"), fingerprint: "r", content: content)!
            let kept = try tx.keepDeadLetter(letter("k"), fingerprint: "k", content: content)!
            try tx.recordReplay(
                of: replayed, outcome: "delivered",
                resolution: DeadLetterResolution(at: now.adding(seconds: -40 * Self.day), by: "Admin A", reason: "r"))
            return (replayed, kept)
        }
        return (path, ids.0, ids.1)
    }

    func refgw(_ args: [String], database: String) async throws -> (status: Int32, text: String) {
        try await Subprocess.output(
            of: ["\(try SystemHarness.binFolder())/refgw"] + args + ["--database", database]
                + (args[0] == "purge" ? ["--config", Repo.root.appendingPathComponent("config").path] : []))
    }

    @Test("it forgets old message ids and erases an old replayed letter's body; the next run with --if-due is not due")
    func purges() async throws {
        let (path, replayed, kept) = try await agedStore()
        let run = try await refgw(["purge"], database: path)
        #expect(run.status == 0 && run.text.contains("forgot 2 message ids") && run.text.contains("content of 1 dead letter "), "\(run.text)")
        let store = try SQLiteGatewayStore(path: path)
        #expect(try await store.read { tx in try ["old-1", "old-2", "new"].map { try tx.seenMessage($0) != nil } } == [false, false, true])
        let shown = try await refgw(
            ["dlq", "show", "\(replayed)", "--reveal", "--reason", "What went to safe home?", "--by", "Admin B"], database: path)
        #expect(shown.status == 0 && shown.text.contains("erased by the purge") && !shown.text.contains("Elm Road"), "\(shown.text)")
        #expect(try await refgw(["dlq", "show", "\(kept)"], database: path).text.contains("masked"))
        let audit = try await store.read { try $0.latestAuditEntries(10) }
        // One purge entry; an erased body has nothing to reveal, so no viewing was audited.
        #expect(audit.map(\.event) == [.purged])
        #expect(try await store.read { try AuditLog.verify($0) }.isIntact)
        let again = try await refgw(["purge", "--if-due"], database: path)
        #expect(again.status == 0 && again.text.contains("not due"), "\(again.text)")
    }

    @Test("rules that would forget too soon, or do not read, are refused in one line and nothing is purged")
    func badRules() async throws {
        let (path, _, _) = try await agedStore()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cases = [
            ("version: 1\nretention: {seenMessageDays: 2, replayedDeadLetterContentDays: 30}\npurge: {everyMinutes: 60}\n", "at least 7 days"),
            ("version: 1\nretention: {seenMessageDays: 90, replayedDeadLetterContentDays: 0}\npurge: {everyMinutes: 60}\n", "at least 1 day"),
            ("version: 1\nretention: {seenMessageDays: 90, replayedDeadLetterContentDays: 30}\npurge: {everyMinutes: 0}\n", "from 1 to 10080"),
            ("version: 2\nretention: {seenMessageDays: 90, replayedDeadLetterContentDays: 30}\npurge: {everyMinutes: 60}\n", "expected 1"),
            ("retention: [\n", "not valid YAML"),
            ("version: 1\nretention: {seenMessageDays: 90}\npurge: {everyMinutes: 60}\n", "replayedDeadLetterContentDays is missing"),
        ]
        for (i, (yaml, says)) in cases.enumerated() {
            let file = dir.appendingPathComponent("r\(i).yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            let run = try await refgw(["purge", "--retention", file.path], database: path)
            #expect(run.status == 1 && run.text.contains(says) && run.text.split(separator: "\n").count == 1, "\(run.text)")
        }
        let missing = try await refgw(["purge", "--retention", dir.appendingPathComponent("none.yaml").path], database: path)
        #expect(missing.status == 1 && missing.text.contains("cannot read"))
        let store = try SQLiteGatewayStore(path: path)
        #expect(try await store.read { tx in try tx.seenMessage("old-1") } != nil)
        #expect(try await store.read { try $0.latestAuditEntries(10) }.isEmpty)
    }
}
