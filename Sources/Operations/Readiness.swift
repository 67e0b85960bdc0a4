import Synchronization

/// One thing a process needs before it is ready for work: consuming, its store answering, its keys valid, ...
public struct ReadinessCheck: Sendable {
    /// A short name the operator sees (`consuming`, `store`, `signing-key`, `outbox`).
    public let name: String
    /// Nil when the check passes; otherwise why not, in one line without personal data.
    public let probe: @Sendable () async -> String?

    /// A check named `name`.
    public init(_ name: String, probe: @escaping @Sendable () async -> String?) {
        self.name = name
        self.probe = probe
    }
}

/// The outcome of every readiness check at one moment.
public struct ReadinessReport: Sendable, Equatable {
    /// Each check's name and, when it failed, why.
    public var results: [(name: String, failure: String?)]

    /// Ready when every check passed.
    public var isReady: Bool { results.allSatisfy { $0.failure == nil } }
    /// The failing checks, `name: why`.
    public var failures: [String] { results.compactMap { r in r.failure.map { "\(r.name): \($0)" } } }

    /// What `/readyz` answers: `ready`, or `not ready` and the failing checks, then every check on its own line.
    public var text: String {
        let head = isReady ? "ready" : "not ready: " + failures.joined(separator: "; ")
        let lines = results.map { r in "\(r.name) \(r.failure.map { "failing: \($0)" } ?? "ok")" }
        return ([head] + lines).joined(separator: "\n") + "\n"
    }

    /// Runs every check at once; one that does not answer within `timeout` fails with that said.
    public static func evaluate(_ checks: [ReadinessCheck], timeout: Duration = .seconds(2)) async -> ReadinessReport {
        let failures = await withTaskGroup(of: (Int, String?).self) { group in
            for (i, check) in checks.enumerated() {
                group.addTask { (i, await Self.answer(check, within: timeout)) }
            }
            var failures = [String?](repeating: nil, count: checks.count)
            for await (i, f) in group { failures[i] = f }
            return failures
        }
        return ReadinessReport(results: zip(checks, failures).map { ($0.name, $1) })
    }

    /// The check's answer, or a failure when it takes longer than `timeout`: a locked store blocks rather than says
    /// no, so the probe runs on its own and is left behind when late.
    private static func answer(_ check: ReadinessCheck, within timeout: Duration) async -> String? {
        let late = "did not answer within \(timeout.components.seconds) s"
        let once = Once()
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            once.set(continuation)
            Task { once.resume(with: await check.probe()) }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(with: late)
            }
        }
    }

    /// Equal when the same checks passed and failed for the same reasons.
    public static func == (a: ReadinessReport, b: ReadinessReport) -> Bool {
        a.results.map(\.name) == b.results.map(\.name) && a.results.map(\.failure) == b.results.map(\.failure)
    }
}

/// Resumes a continuation once, with whichever answer comes first (set before either answer can come).
private final class Once: Sendable {
    private let continuation = Mutex<CheckedContinuation<String?, Never>?>(nil)

    func set(_ c: CheckedContinuation<String?, Never>) { continuation.withLock { $0 = c } }

    func resume(with answer: String?) {
        let c = continuation.withLock { c in
            defer { c = nil }
            return c
        }
        c?.resume(returning: answer)
    }
}
