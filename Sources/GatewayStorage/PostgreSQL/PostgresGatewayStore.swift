import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The gateway's state in PostgreSQL, shared by the gateways and dead-letter keepers of a region.
///
/// How several instances keep the invariants (docs/region.md argues each):
/// - **A message id is decided once**: `seen_message.message_id` is the primary key, written in the decision's own
///   transaction; a gateway that loses a race fails its whole transaction, so it published nothing, and the broker
///   redelivers the message, which it then finds decided.
/// - **One audit chain, one order**: every write transaction first takes one transaction-scoped advisory lock, so
///   write transactions (decisions, consent records, replays, the keepers' dead letters) commit one after another.
///   The chain's order is the order of commits, `refgw audit verify` checks one chain, and a withdrawal committed by one
///   gateway is seen by every decision committed after it on any gateway: the decision reads consent after taking
///   the lock. The checks that cost CPU (signatures, schema, redaction) run outside the transaction, in parallel
///   on every gateway; only the database step is serialised, as it is on one SQLite file.
/// - **Migrations run once**: the first opener migrates under a second advisory lock; later openers find it done.
///
/// Transactions are synchronous (the storage protocol's): each runs on a thread of its own, outside Swift's
/// cooperative pool, waiting on postgres-nio's event loop for each statement.
public final class PostgresGatewayStore: GatewayStore {
    private let pool: ConnectionPool
    private let queue = DispatchQueue(label: "refgw.postgres-store", attributes: .concurrent)
    private let logger: Logger
    /// The name of the process that opened the store, stamped on the audit entries it writes.
    public let instance: String?

    /// The advisory lock every write transaction holds: one writer at a time across the region.
    static let writeLock: Int64 = 0x7265_6667_7701  // "refgw" w1
    /// The advisory lock the opener that migrates holds.
    static let migrationLock: Int64 = 0x7265_6667_6D01  // "refgw" m1

    /// Connects to `url` (`postgres://user:password@host:port/database`), keeping up to `connections` open, and
    /// migrates the schema if this is the first opener of a new database. `instance` names the opening process.
    public init(url: String, instance: String? = nil, connections: Int = 4, logger: Logger = Logger(label: "refgw.postgres")) throws {
        self.logger = logger
        self.instance = instance
        let configuration = try Self.configuration(url)
        pool = ConnectionPool(configuration: configuration, size: max(1, connections), logger: logger)
        do {
            try pool.with { connection in try PostgresMigrations.run(on: connection, logger: logger) }
        } catch let e as GatewayStoreError {
            throw e
        } catch {
            throw GatewayStoreError.unavailable("cannot open the gateway database at \(Self.redacted(url)): \(Self.reason(error))")
        }
    }

    deinit { pool.closeAll() }

    /// The connection settings of a `postgres://` URL; throws naming what is wrong.
    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql", let host = c.host, !host.isEmpty,
            let user = c.user, !user.isEmpty
        else {
            throw GatewayStoreError.unavailable(
                "'\(redacted(url))' is not a PostgreSQL URL: use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        return PostgresConnection.Configuration(
            host: host, port: c.port ?? 5432, username: user, password: c.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: try tls(c.queryItems ?? [], host: host, url: url))
    }

    /// Hosts a connection to which never leaves the machine.
    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    /// The URL's TLS settings, as libpq names them: `sslmode=verify-full` (the default for any host but this machine:
    /// TLS, the server's certificate checked against `sslrootcert` or the system's roots, and its name against the
    /// host) or `sslmode=disable` (the default on loopback). Weaker modes are refused: the gateway's database holds
    /// who was referred where.
    static func tls(_ items: [URLQueryItem], host: String, url: String) throws -> PostgresConnection.Configuration.TLS {
        for item in items where item.name != "sslmode" && item.name != "sslrootcert" {
            throw GatewayStoreError.unavailable(
                "'\(item.name)' in \(redacted(url)) is not a setting the gateway reads: use sslmode=verify-full and sslrootcert=CA.pem")
        }
        func value(_ name: String) -> String? { items.last { $0.name == name }?.value }
        let mode = value("sslmode") ?? (loopbackHosts.contains(host) ? "disable" : "verify-full")
        switch mode {
        case "disable":
            return .disable
        case "verify-full":
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .fullVerification
            if let root = value("sslrootcert") {
                guard FileManager.default.isReadableFile(atPath: root) else {
                    throw GatewayStoreError.unavailable("cannot read sslrootcert \(root) (the CA of the database's certificate): check the path")
                }
                settings.trustRoots = .file(root)
            }
            do { return .require(try NIOSSLContext(configuration: settings)) } catch {
                throw GatewayStoreError.unavailable(
                    "cannot use sslrootcert \(value("sslrootcert") ?? "(the system's roots)") for PostgreSQL: \(error)")
            }
        default:
            throw GatewayStoreError.unavailable(
                "sslmode=\(mode) is not supported: use verify-full (TLS, the server's certificate and name checked) or disable (this machine only)")
        }
    }

    /// Why a connection failed, in a line an administrator can act on (the driver's own text is a nested dump).
    static func reason(_ error: any Error) -> String {
        let text = String(reflecting: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate was not signed by the CA sslrootcert names (or has expired): check sslrootcert"
        }
        if text.contains("NIOSSL") || text.contains("handshake") {
            return "the TLS handshake failed (does the server serve TLS, under the name in the URL?): check the server's ssl settings"
        }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return "PostgreSQL: \(message)" }
            if let underlying = psql.underlying { return "\(psql.code): \(String(describing: underlying).prefix(200))" }
            return "\(psql.code)"
        }
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? "(unreadable URL)"
    }

    /// Runs `body` in one write transaction.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T {
        try await onOwnThread { try self.writeNow(body) }
    }

    /// Runs `body` on a snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T {
        try await onOwnThread { try self.readNow(body) }
    }

    /// Runs `body` in one write transaction, blocking; it holds the region's write lock from its first statement.
    public func writeNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: true, body)
    }

    /// Runs `body` on a snapshot, blocking.
    public func readNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: false, body)
    }

    private func transaction<T>(begin: String, lock: Bool, _ body: (any GatewayTransaction) throws -> T) throws -> T {
        try pool.with { connection in
            let tx = PostgresGatewayTransaction(connection: connection, instance: instance, logger: logger)
            try tx.run(PostgresQuery(unsafeSQL: begin))
            do {
                if lock { try tx.run("SELECT pg_advisory_xact_lock(\(Self.writeLock))") }
                let result = try body(tx)
                // The rows the transaction held go now, inside it: a conflict among them rolls everything back.
                try tx.flush()
                try tx.run("COMMIT")
                return result
            } catch {
                // A connection whose rollback fails is closed rather than handed on in the middle of a transaction.
                do { try tx.run("ROLLBACK") } catch { let _: EventLoopFuture<Void> = connection.close() }
                throw error
            }
        }
    }

    private func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}

/// A few connections to one server, handed to one transaction at a time.
final class ConnectionPool: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let slots: DispatchSemaphore
    private let nextID = Atomic<Int>(1)

    init(configuration: PostgresConnection.Configuration, size: Int, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        slots = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a connection of its own; a connection closed under it is not handed out again.
    func with<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection: PostgresConnection
        if let reused = idle.withLock({ $0.popLast() }), !reused.isClosed {
            connection = reused
        } else {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger
            ).wait()
        }
        defer { if !connection.isClosed { idle.withLock { $0.append(connection) } } }
        return try body(connection)
    }

    /// Closes every idle connection without blocking (this runs in a deinit, on any thread); each connection is
    /// kept alive until its close completes, as postgres-nio requires.
    func closeAll() {
        for c in idle.withLock({ c in
            defer { c.removeAll() }
            return c
        }) { c.close().whenComplete { _ in withExtendedLifetime(c) {} } }
    }
}

extension PostgresGatewayStore {
    /// Creates the database `name` on the server `url` names (connecting to its `postgres` database), for a new
    /// region or a test of its own; a name already taken is left as it is.
    public static func createDatabase(_ name: String, on url: String) throws {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw GatewayStoreError.unavailable("'\(name)' is not a database name: use letters, digits and _")
        }
        try onServer(url) { tx in
            let exists = try tx.run("SELECT 1 FROM pg_database WHERE datname = \(name)").count > 0
            if !exists { try tx.run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        }
    }

    /// Drops the database `name` on the server `url` names (a test's own, once it is done).
    public static func dropDatabase(_ name: String, on url: String) throws {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return }
        try onServer(url) { tx in try tx.run(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) }
    }

    private static func onServer(_ url: String, _ body: (PostgresGatewayTransaction) throws -> Void) throws {
        var configuration = try Self.configuration(url)
        configuration.database = "postgres"
        let logger = Logger(label: "refgw.postgres")
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        try body(PostgresGatewayTransaction(connection: connection, instance: nil, logger: logger))
    }

    /// `url` with its database replaced by `name`.
    public static func url(_ url: String, database name: String) -> String {
        guard var c = URLComponents(string: url) else { return url }
        c.path = "/" + name
        return c.string ?? url
    }
}
