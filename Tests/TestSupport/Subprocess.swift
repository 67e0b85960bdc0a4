import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Programs run from tests, with posix_spawn and waitpid: Foundation's `Process.waitUntilExit` can hang when
/// called from a test's concurrency thread on Linux.
public enum Subprocess {
    /// Runs `argv` (its first element an absolute path) to completion, standard output and error into `output`;
    /// returns the exit status (128 + the signal when it was killed).
    ///
    /// The wait is on a thread of its own: the concurrency pool has one thread per core (two here), and a test that
    /// blocked one for a broker start or a 20-second scenario stalled every other test in the process.
    public static func run(_ argv: [String], environment extra: [String: String] = [:], output: String = "/dev/null") async throws -> Int32 {
        let pid = try spawn(argv, environment: extra, output: output)
        return await withCheckedContinuation { done in
            Thread.detachNewThread { done.resume(returning: exitStatus(of: pid)) }
        }
    }

    /// Runs `argv` to completion; its exit status and what it wrote to standard output and error.
    public static func output(of argv: [String], environment extra: [String: String] = [:]) async throws -> (status: Int32, text: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("refgw-output-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let status = try await run(argv, environment: extra, output: file.path)
        return (status, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }

    /// Starts `argv` and returns at once; a thread of its own reaps it. For clean-up in `defer`, which cannot wait.
    public static func runInBackground(_ argv: [String], environment extra: [String: String] = [:], output: String = "/dev/null") throws {
        let pid = try spawn(argv, environment: extra, output: output)
        Thread.detachNewThread { _ = exitStatus(of: pid) }
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that killed it.
    static func exitStatus(of pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Starts `argv` in the background, its output into `output`; the caller stops it (`kill`) and reaps it (`waitpid`).
    public static func start(_ argv: [String], environment extra: [String: String] = [:], output: String = "/dev/null") throws -> pid_t {
        try spawn(argv, environment: extra, output: output)
    }

    static func spawn(_ argv: [String], environment extra: [String: String], output: String) throws -> pid_t {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs + cEnv { free(p) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv) == 0 else { throw SubprocessError(description: "cannot start \(argv[0])") }
        return pid
    }
}

/// A program a test needed could not be started.
public struct SubprocessError: Error, CustomStringConvertible {
    /// Which program, and why it did not start.
    public let description: String
}
