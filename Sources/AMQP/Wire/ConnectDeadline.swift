import Foundation

/// The one deadline of a connect: name lookup, TCP, TLS, login and channel open share `limit`, each step given
/// what the earlier ones left (`ConnectionConfiguration.connectTimeout` is the whole connect, not each step).
struct ConnectDeadline {
    let limit: Double
    let end: ContinuousClock.Instant

    init(limit: Double, from start: ContinuousClock.Instant = .now) {
        self.limit = limit
        end = start + .milliseconds(Int64(limit * 1000))
    }

    /// Seconds left, or nil once the deadline has passed.
    func remaining(at now: ContinuousClock.Instant = .now) -> Double? {
        let left = now.duration(to: end)
        guard left > .zero else { return nil }
        return Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
    }

    /// Seconds left for `step`; throws, naming the step it reached, once none are.
    func remaining(for step: String, host: String, port: Int, at now: ContinuousClock.Instant = .now) throws(AMQPError) -> Double {
        guard let left = remaining(at: now) else {
            throw .unreachable(host: host, port: port, reason: "no connection within \(limit) s (the time ran out before \(step))")
        }
        return left
    }
}

/// Name lookup within a time limit. `getaddrinfo` takes no timeout and can block for as long as the resolver
/// retries (30 s and more on a dead DNS server), so it runs on a thread of its own and the caller stops waiting
/// when the time is up; the lookup then finishes, unwatched, and its answer is dropped.
enum HostLookup {
    /// The first address of `host` (IPv4 or IPv6, numeric), or why there is none within `seconds`.
    static func address(of host: String, port: Int, within seconds: Double) throws(AMQPError) -> String {
        let box = LookupResult()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(lookup(host))
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success, let result = box.get() else {
            throw .unreachable(host: host, port: port, reason: "the name did not resolve within \(String(format: "%.1f", seconds)) s")
        }
        switch result {
        case .success(let address): return address
        case .failure(let reason): throw .unreachable(host: host, port: port, reason: "the name does not resolve (\(reason))")
        }
    }

    private static func lookup(_ host: String) -> Result<String, LookupFailure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(LookupFailure(reason: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return .failure(LookupFailure(reason: "no numeric address"))
        }
        return .success(String(cString: buffer))
    }

    struct LookupFailure: Error { let reason: String }

    /// The lookup's answer, handed from its thread to the waiting one.
    private final class LookupResult: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var value: Result<String, LookupFailure>?
        func set(_ v: Result<String, LookupFailure>) {
            lock.lock()
            value = v
            lock.unlock()
        }
        func get() -> Result<String, LookupFailure>? {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }
}
