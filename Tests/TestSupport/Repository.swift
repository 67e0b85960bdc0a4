import Foundation
import Testing

/// The repository the tests run from: the folder above this file that holds `Package.swift`.
public enum RepositoryRoot {
    /// The repository's root folder.
    public static let url: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("no repository root (a folder with Package.swift) above \(#filePath)")
    }()
}

/// Polls `condition` every 100 ms until it holds; records an issue naming `what` if it still does not after
/// `timeout` seconds. For conditions with no progress to watch (a process has started, a row exists); a backlog's
/// wait bounds the time without progress instead (`GatewayHarness.waitUntilProcessed`).
public func eventually(_ what: String, timeout: Double = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)")
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
}
