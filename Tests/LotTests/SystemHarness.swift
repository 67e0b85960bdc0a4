import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// How many gateways the system runs, and on which store: one on its SQLite file, or a region's on PostgreSQL.
struct SystemLayout: Sendable {
    /// Gateways, and as many dead-letter keepers (named gateway-1, ... when more than one).
    var gateways = 1
    /// The region's database (`postgres://...`), or nil for the SQLite file.
    var postgres: String?
}

/// The whole system as separate processes (scripts/system.sh) in a namespace of its own on the test broker (or on
/// the cluster, when the cluster's env is what the tests were given).
final class SystemHarness: Sendable {
    let directory: URL
    let namespace: String
    let bin: String
    let layout: SystemLayout

    init(_ layout: SystemLayout = SystemLayout()) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-system-\(UUID().uuidString.prefix(6))")
        namespace = "s\(UUID().uuidString.prefix(6).lowercased())."
        bin = try Self.binFolder()
        self.layout = layout
        try await script("system.sh", "start", directory.path)
    }

    /// What every script is run with: the namespace, the build folder, and the layout.
    var environment: [String: String] {
        var env = ["REFGW_NAMESPACE": namespace, "BIN": bin, "REFGW_HOME": directory.path, "REFGW_GATEWAYS": String(layout.gateways)]
        if let postgres = layout.postgres { env["REFGW_GATEWAY_POSTGRES"] = postgres }
        return env
    }

    /// The build folder: the test binary sits there with the products `swift build --build-tests` made.
    static func binFolder() throws -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here.path, here.deletingLastPathComponent().path, Repo.root.appendingPathComponent(".build/debug").path]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/victim-worker") }) else {
            throw HarnessError("the worker executables are not built: run the tests with scripts/test.sh (swift build --build-tests)")
        }
        return found
    }

    /// Runs a script of `scripts/` with the namespace and build folder; output goes to a log in the directory.
    @discardableResult
    func script(_ name: String, _ arguments: String...) async throws -> String {
        let log = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(4)).out")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let status = try await Subprocess.run(
            ["/bin/bash", Repo.root.appendingPathComponent("scripts/\(name)").path] + arguments, environment: environment, output: log.path)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else { throw HarnessError("\(name) \(arguments.joined(separator: " ")) failed (status \(status)):\n\(text.suffix(3000))") }
        return text
    }

    /// The process id system.sh recorded for `name`.
    func pid(_ name: String) throws -> pid_t {
        let text = try String(contentsOf: directory.appendingPathComponent("pids/\(name)"), encoding: .utf8)
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    /// kill -9, then a restart as system.sh starts it.
    func crashAndRestart(_ name: String) async throws {
        try await crash(name)
        try await script("system.sh", "start-one", directory.path, name)
    }

    /// kill -9, and no restart (a machine lost).
    func crash(_ name: String) async throws {
        let p = try pid(name)
        kill(p, SIGKILL)
        var status: Int32 = 0
        // Not our child (system.sh's background job): wait until it is gone.
        for _ in 0..<100 where kill(p, 0) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        _ = waitpid(p, &status, WNOHANG)
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    /// The error and warning lines every process logged, at most `limit` of them: what a failed test prints so a CI
    /// run says why without its temp dir.
    func loggedProblems(limit: Int = 40) -> String {
        let logs = directory.appendingPathComponent("logs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []).sorted()
        var lines: [String] = []
        for name in names {
            let text = (try? String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("error") || line.contains("warning") {
                lines.append("\(name): \(line)")
            }
        }
        return lines.isEmpty ? "(no process logged an error or warning)" : lines.prefix(limit).joined(separator: "\n")
    }

    /// Stops the system without waiting (for `defer`).
    func stop() {
        try? Subprocess.runInBackground(
            ["/bin/bash", Repo.root.appendingPathComponent("scripts/system.sh").path, "stop", directory.path], environment: environment)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
