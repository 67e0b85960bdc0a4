import AMQP
import ArgumentParser
import Contracts
import Crypto
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage
import Logging
import Messaging
import Operations
import Prometheus
import ServiceLifecycle

/// The gateway process: reads its configuration, opens its store, and runs until SIGTERM or SIGINT.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Verify, check consent, redact, sign and route every message between the services.")

    @Option(help: "Broker URL (amqp[s]://user:password@host:port/vhost); default $REFGW_GATEWAY_AMQP_URL or $REFGW_AMQP_URL.")
    var url: String?
    @Option(help: "Configuration folder (parties.json, sharing-policy.yaml, retention.yaml).") var config = "config"
    @Option(help: "How long what the gateway need not keep is kept, and how often it is purged; default CONFIG/retention.yaml.")
    var retention: String?
    @Option(help: "The contract's schema folder.") var schemas = "contracts/schemas"
    @Option(help: "Trust file with every service's public key.") var trust = "var/trust.json"
    @Option(help: "The gateway's private key file.") var key: String
    @Option(help: "The gateway's SQLite file (one machine; default var/gateway/gateway.sqlite).") var database: String?
    @Option(
        help: """
            The region's PostgreSQL database instead, shared by its gateways (postgres://USER:PASSWORD@HOST:PORT/DATABASE); \
            default $REFGW_GATEWAY_POSTGRES_URL.
            """)
    var postgres: String?
    @Flag(help: "Declare the broker topology at start (development brokers whose gateway user may configure).") var declareTopology = false
    @Option(help: "Prefix of every broker name (tests and demos); default $REFGW_NAMESPACE, else none.") var namespace: String?
    @Option(help: "Unacknowledged messages the broker may hand over at once (bigger batches, fewer commits).") var prefetch: UInt16 = 500
    @Option(help: "This gateway's name in logs and audit entries (a region names each, e.g. gateway-1); default gateway@HOST/PID.")
    var instance: String?
    @Option(
        help: """
            Serve /metrics, /livez and /readyz on HOST:PORT (e.g. 127.0.0.1:9464; a host beyond loopback only when named). \
            Off by default.
            """)
    var adminListen: String?
    @Option(help: "Seconds the outbox's oldest message may wait before /readyz says the gateway is not ready.") var outboxLimit = 300.0

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "refgw.gateway")
        let service: GatewayService
        let purger: Purger
        var admin: AdminServer?
        do {
            let adminAddress = try adminListen.map { text throws(AdminAddressError) in try AdminAddress(parsing: text) }
            let registry = PrometheusCollectorRegistry()
            let name = try instance.map(InstanceName.init) ?? .unnamed("gateway")
            logger[metadataKey: "instance"] = "\(name)"
            let env = ProcessInfo.processInfo.environment
            guard let text = url ?? env["REFGW_GATEWAY_AMQP_URL"] ?? env["REFGW_AMQP_URL"] else {
                throw ValidationError("no broker URL: pass --url or set REFGW_GATEWAY_AMQP_URL")
            }
            let configDir = URL(fileURLWithPath: config)
            let contractSchemas = try ContractSchemas(directory: URL(fileURLWithPath: schemas))
            let policyURL = configDir.appendingPathComponent("sharing-policy.yaml")
            let policy = try SharingPolicy(contentsOf: policyURL)
            let decider = try GatewayDecider(
                policy: policy, schemas: contractSchemas, trust: try TrustStore(contentsOf: URL(fileURLWithPath: trust)),
                parties: try PartyDirectory(contentsOf: configDir.appendingPathComponent("parties.json")),
                signer: try KeyFile.signer(contentsOf: URL(fileURLWithPath: key)), replayUser: BrokerDefinitions.deadLetterAdmin)
            guard decider.signer.party == .gateway else {
                throw ValidationError("key \(decider.signer.keyID) belongs to \(decider.signer.party), not to the gateway")
            }
            let rules = try RetentionRules(
                contentsOf: retention.map { URL(fileURLWithPath: $0) } ?? configDir.appendingPathComponent("retention.yaml"))
            let store = try GatewayStoreLocation.resolve(database: database, postgres: postgres, defaultPath: "var/gateway/gateway.sqlite")
                .open(instance: "\(name)")
            purger = Purger(rules: rules, store: store, logger: logger)
            service = GatewayService(
                decider: decider,
                store: store,
                configuration: try AMQPConnectionConfiguration(url: text),
                topology: ReferralGatewayTopology(namespace: namespace ?? env["REFGW_NAMESPACE"] ?? ""), prefetch: prefetch,
                declareTopology: declareTopology, logger: logger,
                metrics: GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry)))
            if let adminAddress {
                let policyHash = (try? Data(contentsOf: policyURL)).map { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() }
                ProcessGauges.recordBuild(process: "gateway", policySHA256: policyHash, in: registry)
                ProcessGauges.recordKeys(signer: decider.signer, trust: decider.trust, in: registry)
                let gateway = service
                admin = AdminServer(
                    address: adminAddress, registry: registry, checks: service.readinessChecks(outboxLimit: outboxLimit),
                    beforeScrape: { await gateway.sampleGauges() }, logger: logger)
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            // One line naming the problem (policy, retention rules, schema, trust, key or database), never a stack trace.
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            throw ExitCode.failure
        }
        // The purger stops first (services stop in reverse order); the message loop finishes what it was handed.
        let services: [any Service] = [service, purger] + (admin.map { [$0] } ?? [])
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
