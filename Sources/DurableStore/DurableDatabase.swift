import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// Opens the SQLite stores of the gateway and the services the same way: durable commits, a wait for locks, and
/// opening and migrating one process at a time, so that several processes can open a new store at once.
public enum DurableDatabase {
    /// How a store's writing connection uses memory and the write-ahead log.
    public struct Tuning: Sendable {
        /// The writing connection's page cache in MiB (SQLite's default is 2).
        public var writerCacheMiB: Int
        /// Write-ahead log pages after which a commit copies them back into the database (SQLite's default, 1,000).
        public var checkpointPages: Int

        /// SQLite's defaults (a 2 MiB cache, a checkpoint every 1,000 pages); the gateway's store asks for more.
        public init(writerCacheMiB: Int = 2, checkpointPages: Int = 1000) {
            self.writerCacheMiB = writerCacheMiB
            self.checkpointPages = checkpointPages
        }
    }

    /// Opens (creating its folder and migrating) the database at `path`.
    public static func open(path: String, migrator: DatabaseMigrator, tuning: Tuning = Tuning()) throws -> DatabasePool {
        var config = Configuration()
        // Admin commands and helpers open a store beside its process: wait for a lock rather than fail.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // FULL: a commit survives power loss, not only a killed process; batching keeps it affordable.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Per connection: the tuning is for the one connection that writes (readers do not checkpoint).
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -\(tuning.writerCacheMiB * 1024)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(tuning.checkpointPages)")
            }
        }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
            withIntermediateDirectories: true)
        // Opening and migrating one process at a time: on a new file, switching it to WAL fails with "database is
        // locked" while another process does the same, and the migrator reads which migrations were applied before
        // it takes SQLite's write lock, so the gateway and its dead-letter keeper both tried to create the tables.
        return try whileHoldingLock(path + ".open-lock") {
            let database = try DatabasePool(path: path, configuration: config)
            try migrator.migrate(database)
            return database
        }
    }

    /// Runs `body` holding an exclusive lock on the file `lockPath` (created if need be), shared by every process.
    static func whileHoldingLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DurableDatabaseError("cannot open the lock file \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DurableDatabaseError("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// A store's database could not be opened or migrated; the message says which file and why.
public struct DurableDatabaseError: Error, CustomStringConvertible {
    /// Which file could not be opened or locked, and why.
    public let description: String
    init(_ description: String) { self.description = description }
}
