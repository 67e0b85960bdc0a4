import ArgumentParser
import Foundation
import GatewayRuntime
import GatewayStorage

/// Where the gateway keeps its state: its SQLite file on one machine, or the region's PostgreSQL database.
struct GatewayStoreOptions: ParsableArguments {
    @Option(help: "The gateway's SQLite file (one machine; default var/gateway/gateway.sqlite).") var database: String?
    @Option(help: "The region's PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DATABASE); default $REFGW_GATEWAY_POSTGRES_URL.")
    var postgres: String?

    /// Opens the store; `creating` lets a new SQLite file be made (the keeper's first start), else it must exist.
    /// What it writes to the audit log is stamped `instance` (by default this tool on this host).
    func open(creating: Bool = false, instance: InstanceName = .unnamed("refgw")) throws -> any GatewayStore {
        do {
            let location = try GatewayStoreLocation.resolve(database: database, postgres: postgres, defaultPath: "var/gateway/gateway.sqlite")
            if case .sqlite(let path) = location, !creating, !FileManager.default.fileExists(atPath: path) {
                throw fail("no gateway database at \(path): pass --database (or --postgres for a region)")
            }
            return try location.open(instance: "\(instance)")
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail("\(error)")
        }
    }
}
