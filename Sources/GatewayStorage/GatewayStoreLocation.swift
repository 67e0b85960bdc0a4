import Foundation

/// Where a gateway, keeper or administrator's command finds the gateway's state: the machine's SQLite file, or
/// the region's PostgreSQL database. A deployment names the database once, in `REFGW_GATEWAY_POSTGRES_URL`, so
/// that its password need not appear on a command line.
public enum GatewayStoreLocation: Sendable, Equatable {
    /// The SQLite file at this path.
    case sqlite(path: String)
    /// The PostgreSQL database at this URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE).
    case postgres(url: String)

    /// The variable a deployment sets to the region's database URL.
    public static let postgresVariable = "REFGW_GATEWAY_POSTGRES_URL"

    /// The location the options name: `--database` or `--postgres` if given (not both), else the database in
    /// `REFGW_GATEWAY_POSTGRES_URL` if set, else the SQLite file at `defaultPath`.
    public static func resolve(
        database: String?, postgres: String?, defaultPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GatewayStoreLocation {
        switch (database, postgres) {
        case (.some, .some):
            throw GatewayStoreError.unavailable("both --database and --postgres were given: pass one (the SQLite file or the region's database)")
        case (.some(let path), nil): return .sqlite(path: path)
        case (nil, .some(let url)): return .postgres(url: url)
        case (nil, nil):
            if let url = environment[postgresVariable], !url.isEmpty { return .postgres(url: url) }
            return .sqlite(path: defaultPath)
        }
    }

    /// Opens the store, its audit entries stamped `instance`.
    public func open(instance: String?) throws -> any GatewayStore {
        switch self {
        case .sqlite(let path): try SQLiteGatewayStore(path: path, instance: instance)
        case .postgres(let url): try PostgresGatewayStore(url: url, instance: instance)
        }
    }
}
