// swift-tools-version:6.0
import PackageDescription

/// What each worker executable links: the shared command line, the lots, and the libraries its own commands use.
let workerDependencies: [Target.Dependency] = [
    "LotCLI", "LotKit", "Lots", "Contracts",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "GRDB", package: "GRDB.swift"),
]

let package = Package(
    name: "ReferralGateway",
    products: [
        .library(name: "AMQP", targets: ["AMQP"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Messaging", targets: ["Messaging"]),
        .executable(name: "refgw", targets: ["refgw"]),
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "amqp-bench", targets: ["amqp-bench"]),
        .executable(name: "victim-worker", targets: ["victim-worker"]),
        .executable(name: "family-worker", targets: ["family-worker"]),
        .executable(name: "safehome-worker", targets: ["safehome-worker"]),
        .executable(name: "perpetrator-worker", targets: ["perpetrator-worker"]),
        .executable(name: "sanctuary-worker", targets: ["sanctuary-worker"]),
        .executable(name: "marac-coordinator", targets: ["marac-coordinator"]),
        .executable(name: "gateway-bench", targets: ["gateway-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // rabbitmq-c from Debian's librabbitmq-dev.
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev", "libssl-dev"])]
        ),
        // Swift API over rabbitmq-c: connection, topology, publisher with confirms, consumer.
        .target(
            name: "AMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The public interface in Swift: envelope, message types, URC, signing, trust store, reason codes.
        .target(
            name: "Contracts",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        // The project's transport: its broker topology, and contract messages as AMQP messages.
        .target(name: "Messaging", dependencies: ["AMQP", "Contracts", .product(name: "Crypto", package: "swift-crypto")]),
        // The SQLite stores of the gateway and the services: durable commits, migrations safe between processes.
        .target(name: "DurableStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The gateway's decisions, pure and transport-neutral: JSON schema, sharing policy, redaction, the decider.
        .target(
            name: "GatewayDecision",
            dependencies: [
                "Contracts",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Everything the gateway persists, behind one protocol: seen ids, consent registry, audit chain, outbox,
        // dead letters and replay requests; the SQLite store. The only gateway module that names a database library.
        .target(
            name: "GatewayStorage",
            dependencies: [
                "Contracts", "DurableStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every long-running process shows its operators: the admin listener (/metrics, /livez, /readyz),
        // readiness checks, and the gauges each process sets at start.
        .target(
            name: "Operations",
            dependencies: [
                "Contracts",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The gateway's runtime: the ledger applying decisions to the store, the AMQP loop, the keeper, the replayer.
        .target(
            name: "GatewayRuntime",
            dependencies: [
                "AMQP", "Contracts", "Messaging", "GatewayDecision", "GatewayStorage", "Operations",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The gateway process.
        .executableTarget(
            name: "gateway",
            dependencies: [
                "GatewayRuntime", "GatewayDecision", "GatewayStorage", "AMQP", "Contracts", "Messaging", "Operations",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Administrators' command-line tool.
        .executableTarget(
            name: "refgw",
            dependencies: [
                "AMQP", "Contracts", "Messaging", "GatewayRuntime", "GatewayDecision", "GatewayStorage", "Operations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Prints a bare relay's and the gateway's throughput and latency on 2 KiB referrals.
        .executableTarget(
            name: "gateway-bench",
            dependencies: [
                "GatewayRuntime", "GatewayDecision", "GatewayStorage", "AMQP", "Contracts", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Plain rabbitmq-c loops, the yardstick for amqp-bench.
        .target(name: "CRabbitBaseline", dependencies: ["CRabbitMQ"]),
        // Prints publish-with-confirms and consume+ack throughput on a quorum queue.
        .executableTarget(
            name: "amqp-bench",
            dependencies: [
                "AMQP", "CRabbitBaseline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What every service worker shares: store, idempotent inbox, transactional outbox, rules, timers, AMQP loop.
        .target(
            name: "LotKit",
            dependencies: [
                "AMQP", "Contracts", "Messaging", "DurableStore", "GatewayDecision", "Operations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The six services' rules (five lots and the MARAC coordinator).
        .target(name: "Lots", dependencies: ["LotKit", "Contracts", .product(name: "GRDB", package: "GRDB.swift")]),
        // The command line every worker executable shares.
        .target(
            name: "LotCLI",
            dependencies: [
                "LotKit", "Lots", "Contracts", "Messaging", "AMQP", "Operations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "victim-worker", dependencies: workerDependencies),
        .executableTarget(name: "family-worker", dependencies: workerDependencies),
        .executableTarget(name: "safehome-worker", dependencies: workerDependencies),
        .executableTarget(name: "perpetrator-worker", dependencies: workerDependencies),
        .executableTarget(name: "sanctuary-worker", dependencies: workerDependencies),
        .executableTarget(name: "marac-coordinator", dependencies: workerDependencies),
        // What the test targets share: running programs, and the private broker the test command starts.
        .target(name: "TestSupport", dependencies: ["AMQP", "Messaging"], path: "Tests/TestSupport"),
        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "Contracts", "Messaging", "TestSupport"]),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts", "TestSupport"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "GatewayRuntime", "GatewayDecision", "GatewayStorage", "Contracts", "Messaging", "AMQP", "TestSupport", "Operations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(
            name: "LotTests",
            dependencies: [
                "LotKit", "Lots", "GatewayRuntime", "GatewayDecision", "GatewayStorage", "Contracts", "Messaging", "AMQP", "TestSupport",
                "Operations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
    ]
)
