import Foundation
import GRDB
import Synchronization
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// Opening the gateway's store: the gateway, its dead-letter keeper and admin commands open the same file.
@Suite struct GatewayStoreTests {
    @Test("several openers of a new store at once: each opens it, and its migrations run once")
    func openingANewStoreAtOnce() async throws {
        for _ in 0..<5 {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("gateway.sqlite").path
            let errors = Mutex<[String]>([])
            // Threads of their own, so that the openers really run at the same time (as processes would).
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let group = DispatchGroup()
                for _ in 0..<6 {
                    group.enter()
                    Thread.detachNewThread {
                        do { _ = try SQLiteGatewayStore(path: path) } catch { errors.withLock { $0.append("\(error)") } }
                        group.leave()
                    }
                }
                group.notify(queue: .global()) { done.resume() }
            }
            #expect(errors.withLock { $0 } == [])
            let store = try SQLiteGatewayStore(path: path)
            let applied = try await store.database.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(applied.count == Set(applied).count && !applied.isEmpty)
        }
    }

    /// A store as an older gateway left it: migrated up to `migration` only, then filled by `fill`; returns its path
    /// and its folder (for the caller to remove).
    func olderStore(upTo migration: String, fill: (Database) throws -> Void) throws -> (path: String, folder: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("gateway.sqlite").path
        let old = try DatabaseQueue(path: path)
        try SQLiteGatewayStore.migrator.migrate(old, upTo: migration)
        try old.write(fill)
        try old.close()
        return (path, dir)
    }

    @Test("a store from before v4: each seen message learns the audit entry of its latest delivery, and the audit log loses its index of message ids")
    func deliveriesMoveIntoTheSeenMessageLedger() async throws {
        let (path, dir) = try olderStore(upTo: "v3-replay") { db in
            for (id, events) in [("m-delivered-twice", ["delivered", "replayed", "delivered"]), ("m-refused", ["refused"])] {
                try db.execute(
                    sql: "INSERT INTO seen_message (message_id, sender, fingerprint, processed_at) VALUES (?, 'victim', 'f', 0)", arguments: [id])
                for event in events {
                    try AuditLog.append(
                        AuditEntry(
                            event: AuditEntry.Event(rawValue: event)!, messageID: id, type: "referral", sender: "victim",
                            recipient: "safehome", subject: "1000-0000-0000"), in: db.tx)
                }
            }
        }
        defer { try? FileManager.default.removeItem(at: dir) }

        let store = try SQLiteGatewayStore(path: path)
        try await store.database.read { (db: Database) throws -> Void in
            #expect(try Int64.fetchOne(db, sql: "SELECT delivered_seq FROM seen_message WHERE message_id = 'm-delivered-twice'") == 3)
            #expect(try Int64.fetchOne(db, sql: "SELECT delivered_seq FROM seen_message WHERE message_id = 'm-refused'") == nil)
            #expect(try String.fetchOne(db, sql: "SELECT name FROM sqlite_master WHERE name = 'audit_by_message'") == nil)
            #expect(try AuditLog.verify(db.tx).isIntact)
        }
    }

    @Test(
        "a store from before v5: each dead letter's properties and body move to their own table, the letter reads as before, and a discard still erases them"
    )
    func deadLetterContentMovesApart() async throws {
        let (path, dir) = try olderStore(upTo: "v4-delivered-in-seen-messages") { db in
            for (i, body) in ["{\"n\":1}", "{\"n\":2}"].enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO dead_letter (fingerprint, message_id, original_exchange, original_routing_key, queue, reason, death_count,
                            first_death_at, last_death_at, properties, body, kept_at)
                        VALUES (?, ?, 'refgw.submit', 'safehome', 'gateway.in', 'no-consent', 1, 0, 0, ?, ?, 0)
                        """, arguments: ["f\(i)", "m\(i)", "{\"refgw-sender\":\"victim\",\"type\":\"referral\"}", Data(body.utf8)])
            }
        }
        defer { try? FileManager.default.removeItem(at: dir) }

        let store = try SQLiteGatewayStore(path: path)
        let ids = try await store.database.read { db in try DeadLetterArchive.keptIDs(in: db.tx) }
        try await store.database.read { (db: Database) throws -> Void in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(dead_letter)").map { $0["name"] as String }
            #expect(!columns.contains("body") && !columns.contains("properties") && columns.contains("status"))
            let (letter, properties, body) = try #require(try DeadLetterArchive.find(ids[1], in: db.tx))
            #expect(letter.messageID == "m1" && properties.contains("refgw-sender") && body == Data("{\"n\":2}".utf8))
            #expect(try StoredLetter.load(ids, in: db.tx).map(\.message.body) == [Data("{\"n\":1}".utf8), Data("{\"n\":2}".utf8)])
        }
        try await store.database.write { db in try DeadLetterArchive.discard([ids[0]], by: "Admin A", reason: "test letter", in: db.tx) }
        try await store.database.read { (db: Database) throws -> Void in
            let (letter, properties, body) = try #require(try DeadLetterArchive.find(ids[0], in: db.tx))
            #expect(letter.status == .discarded && properties == "{}" && body.isEmpty)
            #expect(try DeadLetterArchive.find(ids[1], in: db.tx)?.body == Data("{\"n\":2}".utf8))
        }
    }
}
