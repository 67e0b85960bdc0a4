import ArgumentParser
import Foundation
import Logging
import LotKit
import Operations
import Prometheus
import ServiceLifecycle

/// `run`: the worker process, until SIGTERM or SIGINT.
public struct RunCommand<L: WorkerLot>: AsyncParsableCommand {
    /// How `run` appears in each worker's `--help`.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "run", abstract: "Run the worker: apply messages from the gateway, publish the outbox, fire timers.")
    }
    /// Empty: ArgumentParser fills the options from the command line.
    public init() {}

    @OptionGroup var worker: WorkerOptions<L>
    @Flag(help: "Declare the broker topology at start (development brokers only).") var declareTopology = false
    @Option(help: "Seconds between timer checks.") var timerInterval: Double = 30
    @Option(
        help: """
            Serve /metrics, /livez and /readyz on HOST:PORT (e.g. 127.0.0.1:9471; a host beyond loopback only when named). \
            Off by default.
            """)
    var adminListen: String?
    @Option(help: "Seconds the outbox's oldest message may wait before /readyz says the worker is not ready.") var outboxLimit = 300.0

    /// Refuses an interval that would spin (0 or less) or leave overdue alerts unsent for more than an hour.
    public func validate() throws {
        guard timerInterval >= 0.1, timerInterval <= 3600 else {
            throw ValidationError("--timer-interval is between 0.1 and 3600 seconds, not \(timerInterval)")
        }
        if let adminListen {
            do { _ = try AdminAddress(parsing: adminListen) } catch { throw ValidationError("\(error)") }
        }
        guard outboxLimit > 0 else { throw ValidationError("--outbox-limit is a number of seconds above 0, not \(outboxLimit)") }
    }

    /// Starts the worker with its store, key, trust file and broker, and keeps it running until SIGTERM or SIGINT.
    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let registry = PrometheusCollectorRegistry()
        let service: LotWorker = try guarded {
            let engine = try worker.engine()
            return LotWorker(
                engine: engine, signer: try worker.signer(), trust: try worker.trustStore(),
                configuration: try worker.connection(),
                options: .init(
                    topology: worker.topology, declareTopology: declareTopology,
                    timerInterval: .milliseconds(Int(timerInterval * 1000))),
                metrics: WorkerMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        }
        let logger = Logger(label: "refgw.\(worker.party)")
        var services: [any Service] = [service]
        if let adminListen, let address = try? AdminAddress(parsing: adminListen) {
            ProcessGauges.recordBuild(process: "\(worker.party)-worker", policySHA256: nil, in: registry)
            ProcessGauges.recordKeys(signer: service.signer, trust: service.trust, in: registry)
            services.append(
                AdminServer(
                    address: address, registry: registry, checks: service.readinessChecks(outboxLimit: outboxLimit),
                    beforeScrape: { await service.sampleGauges() }, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch let e as LotError { throw report(e) }
    }
}
