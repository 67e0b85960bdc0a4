import Contracts
import Foundation
import GRDB
import Testing

@testable import GatewayDecision
@testable import GatewayRuntime
@testable import GatewayStorage

/// The audit log is append-only and hash-chained: changing one byte of one entry is detected.
@Suite struct AuditLogTests {
    func storeWithEntries(_ n: Int) throws -> (SQLiteGatewayStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString.prefix(8))")
        let store = try SQLiteGatewayStore(path: dir.appendingPathComponent("gateway.sqlite").path)
        try store.database.write { db in
            for i in 0..<n {
                try AuditLog.append(
                    AuditEntry(
                        event: i % 3 == 0 ? .refused : .delivered, messageID: UUID().uuidString.lowercased(),
                        type: "referral", sender: "victim", recipient: "safehome", subject: "10BH-P5N4-0BAA",
                        reasonCode: i % 3 == 0 ? "no-consent" : nil, basis: i % 3 == 0 ? nil : .consent,
                        basisReference: "c-\(i)", removedFields: ["subject.address", "household.children.school"]), in: db.tx)
            }
        }
        return (store, dir)
    }

    @Test func anIntactLogVerifies() throws {
        let (store, dir) = try storeWithEntries(50)
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = try store.database.read { try AuditLog.verify($0.tx) }
        #expect(v.isIntact && v.entries == 50)
        let trail = try store.database.read { try AuditLog.trail(subject: "10BH-P5N4-0BAA", in: $0.tx) }
        #expect(trail.count == 50 && trail.first?.removedFields == ["subject.address", "household.children.school"])
    }

    @Test("a separator in any hashed field is refused, so that no two entries hash alike", arguments: ["actor", "reasonCode", "subject"])
    func separatorsAreRefused(_ field: String) throws {
        let (store, dir) = try storeWithEntries(1)
        defer { try? FileManager.default.removeItem(at: dir) }
        var e = AuditEntry(
            event: .replayed, messageID: "m", type: "referral", sender: "victim", recipient: "safehome", subject: "10BH-P5N4-0BAA",
            reasonCode: "no-consent", actor: "Duty admin")
        switch field {
        case "actor": e.actor = "Duty\u{1F}admin"
        case "reasonCode": e.reasonCode = "no\u{1E}consent"
        default: e.subject = "10BH\u{1F}P5N4"
        }
        #expect(throws: AuditError.self) { try store.database.write { db in try AuditLog.append(e, in: db.tx) } }
        #expect(try store.database.read { try AuditLog.verify($0.tx) }.entries == 1)
    }

    @Test func theDatabaseRefusesUpdatesAndDeletes() throws {
        let (store, dir) = try storeWithEntries(3)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: DatabaseError.self) {
            try store.database.write { try $0.execute(sql: "UPDATE audit SET recipient = 'perpetrator' WHERE seq = 2") }
        }
        #expect(throws: DatabaseError.self) { try store.database.write { try $0.execute(sql: "DELETE FROM audit WHERE seq = 3") } }
    }

    /// Someone with write access to the file drops the guard and changes one byte: the chain shows it.
    @Test(arguments: ["recipient", "removed_fields", "at", "basis_reference"])
    func changingOneByteOfOneEntryIsDetected(column: String) throws {
        let (store, dir) = try storeWithEntries(20)
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.database.write { db in
            try db.execute(sql: "DROP TRIGGER audit_is_append_only_update")
            switch column {
            case "at": try db.execute(sql: "UPDATE audit SET at = at + 1 WHERE seq = 7")
            default: try db.execute(sql: "UPDATE audit SET \(column) = substr(\(column), 1, length(\(column)) - 1) || 'X' WHERE seq = 7")
            }
        }
        let v = try store.database.read { try AuditLog.verify($0.tx) }
        #expect(!v.isIntact)
        #expect(v.firstBroken == 7, "\(v)")
        #expect(v.problem?.contains("changed") == true)
    }

    @Test func removingAnEntryIsDetected() throws {
        let (store, dir) = try storeWithEntries(10)
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.database.write { db in
            try db.execute(sql: "DROP TRIGGER audit_is_append_only_delete")
            try db.execute(sql: "DELETE FROM audit WHERE seq = 4")
        }
        let v = try store.database.read { try AuditLog.verify($0.tx) }
        #expect(v.firstBroken == 5 && v.problem?.contains("missing") == true, "\(v)")
    }
}
