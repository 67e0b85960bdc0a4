import ArgumentParser
import Foundation
import GatewayCore
import GatewayStorage

/// Where the gateway keeps its state: its SQLite file on one machine, or the region's PostgreSQL database.
struct GatewayStoreOptions: ParsableArguments {
    @Option(help: "The gateway's SQLite file (one machine).") var database = "var/gateway/gateway.sqlite"
    @Option(help: "The region's PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DATABASE).") var postgres: String?

    /// Opens the store; `creating` lets a new SQLite file be made (the keeper's first start), else it must exist.
    /// What it writes to the audit log is stamped `instance` (by default this tool on this host).
    func open(creating: Bool = false, instance: InstanceName = .unnamed("refgw")) throws -> any GatewayStore {
        do {
            if let postgres { return try PostgresGatewayStore(url: postgres, instance: "\(instance)") }
            guard creating || FileManager.default.fileExists(atPath: database) else {
                throw fail("no gateway database at \(database): pass --database (or --postgres for a region)")
            }
            return try SQLiteGatewayStore(path: database, instance: "\(instance)")
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail("\(error)")
        }
    }
}
