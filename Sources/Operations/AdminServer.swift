import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// A process's admin listener: `GET /metrics` (Prometheus text format), `/livez` (the process runs) and `/readyz`
/// (200 only when every readiness check passes; otherwise 503 naming the failing checks).
///
/// Runs as a service beside the process's own work, stops with it, and answers nothing else: no personal data is
/// reachable through it.
public final class AdminServer: Service, Sendable {
    private let address: AdminAddress
    private let registry: PrometheusCollectorRegistry
    private let checks: [ReadinessCheck]
    private let beforeScrape: @Sendable () async -> Void
    private let logger: Logger
    private let bound = Mutex<Int?>(nil)
    private let boundWaiters = Mutex<[CheckedContinuation<Int, Never>]>([])

    /// A listener on `address` serving `registry`'s metrics and `checks`; `beforeScrape` refreshes sampled gauges
    /// (outbox depth, oldest dead letter) just before each scrape.
    public init(
        address: AdminAddress, registry: PrometheusCollectorRegistry, checks: [ReadinessCheck],
        beforeScrape: @escaping @Sendable () async -> Void = {}, logger: Logger
    ) {
        self.address = address
        self.registry = registry
        self.checks = checks
        self.beforeScrape = beforeScrape
        self.logger = logger
    }

    /// The port the listener bound, once it runs (the chosen one when the address gave port 0).
    public func boundPort() async -> Int {
        if let p = bound.withLock({ $0 }) { return p }
        return await withCheckedContinuation { c in
            let p: Int? = bound.withLock { p in
                if p == nil { boundWaiters.withLock { $0.append(c) } }
                return p
            }
            if let p { c.resume(returning: p) }
        }
    }

    /// The current readiness, as `/readyz` reports it.
    public func readiness() async -> ReadinessReport { await ReadinessReport.evaluate(checks) }

    /// Serves until graceful shutdown.
    public func run() async throws {
        let router = Router()
        let registry = self.registry
        let beforeScrape = self.beforeScrape
        router.get("metrics") { _, _ -> Response in
            await beforeScrape()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("livez") { _, _ -> Response in Self.text("live\n", status: .ok) }
        router.get("readyz") { _, _ -> Response in
            let report = await self.readiness()
            return Self.text(report.text, status: report.isReady ? .ok : .serviceUnavailable)
        }
        let address = self.address
        let logger = self.logger
        if !address.isLoopback {
            logger.notice("the admin listener is reachable beyond this machine", metadata: ["address": "\(address)"])
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                self.markBound(port)
                logger.info("admin listener running", metadata: ["address": "\(AdminAddress(host: address.host, port: port))"])
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            throw AdminServerError(address: address, underlying: error)
        }
    }

    private func markBound(_ port: Int) {
        bound.withLock { $0 = port }
        let waiters = boundWaiters.withLock { w in
            defer { w.removeAll() }
            return w
        }
        for w in waiters { w.resume(returning: port) }
    }

    private static func text(_ s: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}

/// The admin listener could not start (the port taken, the host not this machine's).
public struct AdminServerError: Error, CustomStringConvertible {
    /// Where it was to listen.
    public let address: AdminAddress
    /// What the system said.
    public let underlying: any Error
    /// One line saying what to do.
    public var description: String {
        "the admin listener could not listen on \(address) (\(underlying)); choose a free port on an address of this machine with --admin-listen"
    }
}
