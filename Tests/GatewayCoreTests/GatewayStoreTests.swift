import Foundation
import GatewayCore
import GRDB
import Synchronization
import Testing

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
                        do { _ = try GatewayStore(path: path) } catch { errors.withLock { $0.append("\(error)") } }
                        group.leave()
                    }
                }
                group.notify(queue: .global()) { done.resume() }
            }
            #expect(errors.withLock { $0 } == [])
            let store = try GatewayStore(path: path)
            let applied = try await store.database.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(applied.count == Set(applied).count && !applied.isEmpty)
        }
    }
}
