import AMQP
import ArgumentParser
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import GatewayStorage
import Messaging
import Synchronization

/// Measures, in one run on the same broker: a bare relay (consume → publish with confirm → ack, no checks) and
/// the gateway (signature, schema, policy, consent, redaction, signing, audit, outbox) on 2 KiB referrals.
/// Throughput is taken on a pre-loaded backlog, relay and gateway alternately for a few rounds (the broker's own
/// background work after a run weighs on whichever comes next), the best round of each reported; latency
/// (sender's publish to arrival in the inbox) at a steady rate of 60% (`--latency-load`) of the best throughput. Prints figures;
/// asserts nothing.
@main
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway-bench")
    @Option(help: "Broker URL; default $REFGW_AMQP_URL.") var url: String?
    @Option(help: "Messages in the throughput backlog.") var messages = 20_000
    @Option(help: "Messages in the latency run.") var latencyMessages = 5_000
    @Option(help: "Throughput rounds (a relay run and a gateway run each).") var rounds = 2
    @Option(help: "The latency runs' steady rate, as a fraction of the best throughput.") var latencyLoad = 0.6
    @Option(help: "Repository root (for config/ and contracts/).") var root = "."
    @Option(help: "The gateway's prefetch (messages handed over at once).") var prefetch: UInt16 = 500
    @Flag(help: "Print what each step of checking one referral costs, then stop.") var steps = false
    @Option(
        help:
            "The gateway's store: sqlite, or postgres (the throughput and latency runs then take SQLite and PostgreSQL in turn, round by round, to compare them; --steps and --replay take PostgreSQL alone)."
    )
    var store: BenchStore = .sqlite
    @Option(help: "The PostgreSQL server for --store postgres (a database of its own is made on it, and dropped after); default $REFGW_POSTGRES_URL.")
    var postgresURL: String?
    @Option(
        help:
            "With --store postgres, also run this many gateways on one PostgreSQL database of their own, as competing consumers (1: not)."
    )
    var gateways = 2
    @Option(
        help: "Decisions the store holds before timing starts (a gateway in service); default 200,000 with --steps, none for the throughput rounds.")
    var storeDecisions: Int?
    @Option(help: "Instead: time a bulk replay of this many dead letters (refused for no consent, then consent given).") var replay: Int?
    @Option(
        help:
            "The referrals are about this many households in turn (default: each about a household never seen before, the worst case for the gateway's person registry)."
    )
    var households: Int?

    /// The PostgreSQL server's URL with --store postgres (nil with sqlite); throws saying where to give it.
    func postgresServer() throws -> String? {
        guard store == .postgres else { return nil }
        guard let url = postgresURL ?? ProcessInfo.processInfo.environment["REFGW_POSTGRES_URL"] else {
            throw ValidationError(
                "--store postgres needs a server: set --postgres-url or REFGW_POSTGRES_URL (scripts/postgres.sh start DIR writes DIR/env)")
        }
        return url
    }

    func run() async throws {
        guard let text = url ?? ProcessInfo.processInfo.environment["REFGW_AMQP_URL"] else { throw ValidationError("set --url or REFGW_AMQP_URL") }
        let amqp = try AMQPConnectionConfiguration(url: text)
        let rootURL = URL(fileURLWithPath: root)
        let names = ReferralGatewayTopology(namespace: "bench-\(UUID().uuidString.prefix(6).lowercased()).")
        let admin = try await AMQPAdminClient(configuration: amqp)
        try await admin.declare(names.topology())
        defer { Task { for q in names.queueNames() { try? await admin.deleteQueue(q) } } }

        // Everything publishes as the benchmark's broker user, mapped to the victim service.
        let victim = MessageSigner.generate(keyID: "victim-bench", party: .victim)
        let gatewayKey = MessageSigner.generate(keyID: "gateway-bench", party: .gateway)
        let trust = try TrustStore(keys: [
            .init(keyID: victim.keyID, party: .victim, publicKey: victim.publicKey),
            .init(keyID: gatewayKey.keyID, party: .gateway, publicKey: gatewayKey.publicKey),
        ])
        var entries = try PartyDirectory(contentsOf: rootURL.appendingPathComponent("config/parties.json")).entries.values.map { $0 }
        for i in entries.indices { entries[i].brokerUser = entries[i].id == .victim ? amqp.user : "unused-\(entries[i].id)" }
        let parties = try PartyDirectory(entries: entries)
        let decider = try GatewayDecider(
            policy: try SharingPolicy(contentsOf: rootURL.appendingPathComponent("config/sharing-policy.yaml")),
            schemas: try ContractSchemas(directory: rootURL.appendingPathComponent("contracts/schemas")),
            trust: trust, parties: parties, signer: gatewayKey, replayUser: amqp.user)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gwbench-\(UUID().uuidString.prefix(6))")
        let database = "bench_\(UUID().uuidString.prefix(8).lowercased())"
        let postgres = try postgresServer()
        // With --store postgres the gateway runs on both stores, round by round in one run, so the two compare on one
        // machine at one moment; --steps and --replay measure the store named.
        // With --gateways N, N gateways (each its own connections, as separate processes would have) on a second
        // database take a turn too.
        var stores: [(label: String, stores: [any GatewayStore])] = []
        var databases: [String] = []
        defer {
            try? FileManager.default.removeItem(at: dir)
            if let postgres { for d in databases { try? PostgresGatewayStore.dropDatabase(d, on: postgres) } }
        }
        if postgres == nil || !(steps || replay != nil) {
            stores.append(("SQLite", [try SQLiteGatewayStore(path: dir.appendingPathComponent("gateway.sqlite").path)]))
        }
        if let postgres {
            try PostgresGatewayStore.createDatabase(database, on: postgres)
            databases.append(database)
            stores.append(("PostgreSQL", [try PostgresGatewayStore(url: PostgresGatewayStore.url(postgres, database: database))]))
            if gateways > 1, !(steps || replay != nil) {
                let shared = database + "_shared"
                try PostgresGatewayStore.createDatabase(shared, on: postgres)
                databases.append(shared)
                stores.append(
                    (
                        "PostgreSQL ×\(gateways)",
                        try (1...gateways).map {
                            try PostgresGatewayStore(url: PostgresGatewayStore.url(postgres, database: shared), instance: "bench-gateway-\($0)")
                        }
                    ))
            }
        }
        print("store: " + stores.map(\.label).joined(separator: ", ") + (postgres == nil ? "" : " (databases \(databases.joined(separator: ", ")))"))
        let chosen = stores.last!.stores[0]

        if steps {
            try printStepCosts(decider: decider, make: Factory(signer: victim, names: names, user: amqp.user), trust: trust)
            try await printLedgerCost(decider: decider, make: Factory(signer: victim, names: names, user: amqp.user), store: chosen)
            for q in names.queueNames() { try? await admin.deleteQueue(q) }
            return
        }
        if let replay {
            try await ReplayBench(
                count: replay, decider: decider, store: chosen, amqp: amqp, names: names,
                make: Factory(signer: victim, names: names, user: amqp.user)
            ).run()
            for q in names.queueNames() { try? await admin.deleteQueue(q) }
            await admin.close()
            return
        }
        print(
            "gateway-bench: 2 KiB referrals victim → safehome with consent; backlog \(messages), latency run \(latencyMessages); "
                + (households.map { "\($0) households in turn" } ?? "a new household each"))
        let make = Factory(signer: victim, names: names, user: amqp.user, households: households)
        for (_, entry) in stores {
            let store = entry[0]
            try await make.consents(for: 2 * messages + stores.count * latencyMessages, into: store)
            if let storeDecisions, storeDecisions > 0 {
                let t0 = ContinuousClock.now
                try await fill(store, with: storeDecisions, of: try assessedReferrals(10_000, decider: decider, make: make), decider: decider)
                print(String(format: "store filled with %d decisions in %.1f s", storeDecisions, (ContinuousClock.now - t0).seconds))
            }
        }
        let sample = try make.referral(0)
        print("referral body: \(sample.body.count) bytes")

        // Bare relay: the floor every broker round trip costs.
        let relay = Relay(configuration: amqp, from: names.gatewayQueue, to: names.deliverExchange)
        var relayRounds: [Round] = []
        var gatewayRounds = Array(repeating: [Round](), count: stores.count)
        var services: [GatewayService] = []
        var tasks: [Task<Void, any Error>] = []
        // One gateway for each store of an entry, competing on the same queue.
        func gatewayRun(_ entry: [any GatewayStore]) -> (start: () async throws -> Void, stop: () async -> Void) {
            let running = entry.map { GatewayService(decider: decider, store: $0, configuration: amqp, topology: names, prefetch: prefetch) }
            services += running
            return (
                {
                    tasks = running.map { service in Task { try await service.run() } }
                    try await Task.sleep(for: .milliseconds(300))
                },
                {
                    for service in running { await service.stop() }
                    for task in tasks { _ = try? await task.value }
                }
            )
        }
        for _ in 0..<max(rounds, 1) {
            relayRounds.append(
                try await throughput(
                    count: messages, make: make, names: names, amqp: amqp,
                    start: { try await relay.start() }, stop: { await relay.stop() }))
            for (i, entry) in stores.enumerated() {
                let run = gatewayRun(entry.stores)
                gatewayRounds[i].append(try await throughput(count: messages, make: make, names: names, amqp: amqp, start: run.start, stop: run.stop))
            }
        }
        let relayRate = relayRounds.map(\.rate).max()!
        let gwRates = gatewayRounds.map { $0.map(\.rate).max()! }
        let relayLatency = try await latency(
            count: latencyMessages, rate: relayRate * latencyLoad, offset: messages, make: make, names: names, amqp: amqp,
            start: { try await relay.start() }, stop: { await relay.stop() })
        var gwLatencies: [(p50: Double, p99: Double)] = []
        for (i, entry) in stores.enumerated() {
            let run = gatewayRun(entry.stores)
            // Each store's latency run at the same steady rate, a fraction of the slowest store's best throughput.
            gwLatencies.append(
                try await latency(
                    count: latencyMessages, rate: gwRates.min()! * latencyLoad, offset: messages * 2 + i * latencyMessages, make: make,
                    names: names, amqp: amqp, start: run.start, stop: run.stop))
        }
        let refused = services.reduce(0) { $0 + $1.statistics.refused }
        func rates(_ r: [Round]) -> String { r.map { String(format: "%.0f", $0.rate) }.joined(separator: ", ") }
        func cpu(_ r: [Round]) -> String { r.map(\.cpu).joined(separator: ", ") }
        let gatewayLabels = stores.map { stores.count == 1 ? "gateway" : "gateway (\($0.label))" }
        print(
            "throughput rounds (msg/s): relay \(rates(relayRounds)); "
                + zip(gatewayLabels, gatewayRounds).map { "\($0) \(rates($1))" }.joined(separator: "; "))
        print(
            "CPU per message (this process / broker / PostgreSQL): relay \(cpu(relayRounds)); "
                + zip(gatewayLabels, gatewayRounds).map { "\($0) \(cpu($1))" }.joined(separator: "; "))
        print(
            String(
                format: "bare relay               %7.0f msg/s   latency p50 %6.1f ms   p99 %6.1f ms", relayRate, relayLatency.p50, relayLatency.p99))
        for (i, label) in gatewayLabels.enumerated() {
            print(
                label.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(
                        format: " %7.0f msg/s   latency p50 %6.1f ms   p99 %6.1f ms   (%.0f %% of the bare relay)",
                        gwRates[i], gwLatencies[i].p50, gwLatencies[i].p99, 100 * gwRates[i] / relayRate))
        }
        if stores.count >= 2 {
            print(
                String(format: "PostgreSQL gateway: %.0f %% of the SQLite gateway's throughput (goal: at least 70 %%)", 100 * gwRates[1] / gwRates[0])
            )
        }
        if stores.count == 3 {
            print(
                String(format: "%d gateways on one PostgreSQL database: %.0f %% of one gateway's throughput", gateways, 100 * gwRates[2] / gwRates[1])
            )
        }
        let all = services.map(\.statistics)
        let processed = Double(all.reduce(0) { $0 + $1.processed })
        let batches = Double(max(all.reduce(0) { $0 + $1.batches }, 1))
        func perMessage(_ seconds: KeyPath<GatewayService.Counters, Double>) -> Double {
            all.reduce(0) { $0 + $1[keyPath: seconds] } / processed * 1e6
        }
        print(
            String(
                format: "gateway time per message: checks+redaction %.0f µs, database %.0f µs, publish %.0f µs; %.0f messages per batch",
                perMessage(\.assessSeconds), perMessage(\.storeSeconds), perMessage(\.publishSeconds), processed / batches))
        print("(the three steps overlap, batch to batch: their times add up to more than the time per message)")
        if refused > 0 { print("warning: the gateway refused \(refused) messages; figures are not comparable") }
        for q in names.queueNames() { try? await admin.deleteQueue(q) }
        await admin.close()
    }

    /// The cost of each step of checking one referral, on one core, averaged over many runs.
    func printStepCosts(decider: GatewayDecider, make: Factory, trust: TrustStore) throws {
        let message = try make.referral(0)
        let body = message.body
        let json = try JSONParser.parse(body)
        let perpetratorRule = decider.policy.rule(for: .perpetrator, type: .referral)!
        let redactor = Redactor()
        var envelope = message.envelope
        let n = 2000
        // The best of five rounds: other work on a shared machine only ever adds time.
        func time(_ label: String, _ f: () throws -> Void) rethrows {
            var best = Double.infinity
            for _ in 0..<5 {
                let t = ContinuousClock.now
                for _ in 0..<n / 5 { try f() }
                best = min(best, (ContinuousClock.now - t).seconds / Double(n / 5))
            }
            let padded = label.padding(toLength: 34, withPad: " ", startingAt: 0)
            print(padded + String(format: "%8.1f µs", best * 1e6))
        }
        print("step costs for one \(body.count)-byte referral (release build, one core):")
        try time("parse JSON") { _ = try JSONParser.parse(body) }
        try time("validate against the schema") { try decider.schemas.validate(json, as: .referral) }
        let safehomeRule = decider.policy.rule(for: .safehome, type: .referral)!
        time("redact (allow-list, safe home)") { _ = redactor.redact(json, allowed: safehomeRule.fields) }
        let safehomeView = redactor.redact(json, allowed: safehomeRule.fields).body
        try time("validate safe home's view") { try decider.views.validate(safehomeView, as: .referral, for: .safehome) }
        time("redact (allow-list, perpetrator)") { _ = redactor.redact(json, allowed: perpetratorRule.fields) }
        // The perpetrator service's text check reads every text of the body, so it is timed on the whole body.
        try time("text check (joined, normalised)") {
            _ = try decider.disclosureGuard.check(
                json, freeText: decider.schemas.freeTextPaths[.referral]!,
                words: decider.schemas.wordPaths[.referral]!,
                delivered: { perpetratorRule.fields.covers($0) && !["reason", "notes"].contains($0) },
                recipient: .perpetrator)
        }
        let binding = decider.schemas.bindings.binding(for: .referral)
        try time("bind the body to the envelope") { _ = try binding.bind(json, envelope: message.envelope, parties: decider.parties) }
        time("write JSON") { _ = JSONWriter.bytes(json) }
        try time("verify the sender's signature") { try trust.verify(message.envelope, body: body, signedBy: .victim) }
        time("sign as the gateway") { decider.signer.sign(&envelope, body: body) }
        let submitted = try message.submission(brokerUser: make.user, topology: make.names)
        let delivery = AMQPDelivery(
            storedFrom: submitted.exchange, routingKey: submitted.routingKey, properties: submitted.properties, body: submitted.body)
        let now = Timestamp()
        time("whole assessment") { _ = decider.assess(SubmittedMessage(delivery), now: now) }
    }

    /// The database's share, on a store already holding `storeDecisions` decisions (a gateway in service: its
    /// indexes no longer fit in a few pages, so each new row dirties pages of its own): assessed referrals applied
    /// in batches of 100 and 1,000, one transaction each (duplicate check, consent lookup, audit entry, outbox row,
    /// and a commit that waits for the disk), then the outbox emptied as confirms would. Wall time and CPU time.
    func printLedgerCost(decider: GatewayDecider, make: Factory, store: GatewayStore) async throws {
        let n = 10_000
        try await make.consents(for: n, into: store)
        let assessed = try assessedReferrals(n, decider: decider, make: make)
        let decisions = storeDecisions ?? 200_000
        let t0 = ContinuousClock.now
        try await fill(store, with: decisions, of: assessed, decider: decider)
        if decisions > 0 {
            print(String(format: "database: store filled with %d decisions in %.1f s", decisions, (ContinuousClock.now - t0).seconds))
        }
        var offset = 0
        for size in [100, 1000] {
            let part = Array(assessed[offset..<offset + n / 2])
            offset += n / 2
            var applySeconds = 0.0
            var removeSeconds = 0.0
            let cpu0 = CPUTime.now()
            for start in stride(from: 0, to: part.count, by: size) {
                let (a, r) = try await applyAndConfirm(Array(part[start..<min(start + size, part.count)]), decider: decider, store: store)
                applySeconds += a
                removeSeconds += r
            }
            let cpu = CPUTime.perMessage(since: cpu0, messages: part.count).process
            print(
                String(
                    format:
                        "database, per referral, batches of %4d: %6.1f µs to apply and commit, %5.1f µs to remove the outbox row; CPU %5.1f µs for both",
                    size, applySeconds / Double(part.count) * 1e6, removeSeconds / Double(part.count) * 1e6, cpu))
        }
    }

    /// `n` referrals (each about its own person) assessed as the gateway would, to be applied to a store directly.
    func assessedReferrals(_ n: Int, decider: GatewayDecider, make: Factory) throws -> [Assessment] {
        let now = Timestamp()
        return try (0..<n).map { i in
            let m = try make.referral(i).submission(brokerUser: make.user, topology: make.names)
            return decider.assess(
                SubmittedMessage(AMQPDelivery(storedFrom: m.exchange, routingKey: m.routingKey, properties: m.properties, body: m.body)), now: now)
        }
    }

    /// Applies a batch in one transaction, then empties the outbox as confirms would; the wall time of each.
    func applyAndConfirm(_ batch: [Assessment], decider: GatewayDecider, store: GatewayStore) async throws -> (apply: Double, remove: Double) {
        let ledger = GatewayLedger(decider: decider)
        let now = Timestamp()
        let t0 = ContinuousClock.now
        let entries = try await store.write { db in try ledger.apply(batch, in: db, now: now).outbox }
        let t1 = ContinuousClock.now
        try await store.write { db in try Outbox.remove(entries.map(\.id), in: db) }
        return ((t1 - t0).seconds, (ContinuousClock.now - t1).seconds)
    }

    /// Fills the store with `decisions` decisions: `assessed` again and again under new message ids (signatures
    /// are not checked again here).
    func fill(_ store: GatewayStore, with decisions: Int, of assessed: [Assessment], decider: GatewayDecider) async throws {
        for start in stride(from: 0, to: decisions, by: 1000) {
            _ = try await applyAndConfirm(
                (start..<min(start + 1000, decisions)).map { i in
                    var a = assessed[i % assessed.count]
                    a.envelope?.messageID = UUID.randomLowercased()
                    return a
                }, decider: decider, store: store)
        }
    }

    /// Loads `count` messages into the input queue, starts the system, and times until all reach the inbox.
    func throughput(
        count: Int, make: Factory, names: ReferralGatewayTopology, amqp: AMQPConnectionConfiguration,
        start: () async throws -> Void, stop: () async -> Void
    ) async throws -> Round {
        let publisher = try await AMQPPublisher(configuration: amqp)
        for chunk in stride(from: 0, to: count, by: 5000) {
            let batch = try (chunk..<min(count, chunk + 5000)).map { try make.referral($0).submission(brokerUser: amqp.user, topology: names) }
            for r in await publisher.publish(batch) { try r.get() }
        }
        await publisher.close()
        let inbox = try await AMQPConsumer(configuration: amqp, queue: names.inbox(.safehome), options: .init(prefetch: 1000, batched: true))
        let t0 = ContinuousClock.now
        let cpu0 = CPUTime.now()
        try await start()
        var n = 0
        let watchdog = Task {
            try await Task.sleep(for: .seconds(300))
            await inbox.stopReceiving()
        }
        for await batch in inbox.batches {
            batch.ack()
            n += batch.count
            if n >= count { break }
        }
        watchdog.cancel()
        if n < count { print("warning: only \(n) of \(count) messages arrived in the throughput run") }
        let seconds = (ContinuousClock.now - t0).seconds
        let cpu = CPUTime.perMessage(since: cpu0, messages: n)
        await stop()
        await inbox.close()
        return Round(rate: Double(count) / seconds, processCPU: cpu.process, brokerCPU: cpu.broker, databaseCPU: cpu.database)
    }

    /// Publishes at a steady rate while the system runs; returns percentiles of publish-to-inbox time.
    func latency(
        count: Int, rate: Double, offset: Int, make: Factory, names: ReferralGatewayTopology, amqp: AMQPConnectionConfiguration,
        start: () async throws -> Void, stop: () async -> Void
    ) async throws -> (p50: Double, p99: Double) {
        // Made (and signed) beforehand: making each on the spot cost the benchmark's process more CPU per message
        // than the relay it measures, on the same two cores.
        let outgoing = try (0..<count).map { try make.referral(offset + $0).submission(brokerUser: amqp.user, topology: names) }
        try await start()
        // The gateway forwards only the contract's headers, so publish times are kept here by message id.
        let sentAt = Mutex<[String: UInt64]>([:])
        let inbox = try await AMQPConsumer(configuration: amqp, queue: names.inbox(.safehome), options: .init(prefetch: 1000, batched: true))
        let receiver = Task { () -> [Double] in
            var lat: [Double] = []
            for await batch in inbox.batches {
                let now = DispatchTime.now().uptimeNanoseconds
                sentAt.withLock { sent in
                    for d in batch { lat.append(Double(now - (sent[d.properties.messageID ?? ""] ?? now)) / 1e6) }
                }
                batch.ack()
                if lat.count >= count { break }
            }
            return lat
        }
        let publisher = try await AMQPPublisher(configuration: amqp)
        let interval = 1.0 / max(rate, 1)
        let t0 = ContinuousClock.now
        func due(_ i: Int) -> ContinuousClock.Instant { t0 + .nanoseconds(Int64(Double(i) * interval * 1e9)) }
        // Whatever is due goes out together, without waiting for the confirms of what went before.
        var next = 0
        var sending: [Task<Int, Never>] = []
        while next < count {
            if due(next) > .now { try await Task.sleep(until: due(next), clock: .continuous) }
            let now = ContinuousClock.now
            var batch: [OutgoingMessage] = []
            while next < count && due(next) <= now {
                batch.append(outgoing[next])
                next += 1
            }
            let stamp = DispatchTime.now().uptimeNanoseconds
            sentAt.withLock { sent in for m in batch { sent[m.properties.messageID ?? ""] = stamp } }
            sending.append(Task { [batch] in await publisher.publish(batch).filter { if case .failure = $0 { true } else { false } }.count })
        }
        var failed = 0
        for t in sending { failed += await t.value }
        if failed > 0 { print("warning: the broker did not confirm \(failed) messages of the latency run") }
        // Never hang: give up well after the messages should have arrived.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(Double(count) / max(rate, 1) * 3 + 30))
            await inbox.stopReceiving()
        }
        var lat = await receiver.value.sorted()
        watchdog.cancel()
        if lat.count < count { print("warning: only \(lat.count) of \(count) messages arrived in the latency run") }
        await publisher.close()
        await stop()
        await inbox.close()
        if lat.isEmpty { lat = [0] }
        return (lat[lat.count / 2], lat[min(lat.count - 1, lat.count * 99 / 100)])
    }
}

/// One throughput run: messages per second, and the CPU each message cost this process (the relay or gateway,
/// and the benchmark's inbox consumer) and the broker.
struct Round {
    var rate: Double
    var processCPU: Double
    var brokerCPU: Double?
    var databaseCPU: Double?
    var cpu: String {
        String(format: "%.0f / ", processCPU) + (brokerCPU.map { String(format: "%.0f", $0) } ?? "?")
            + (databaseCPU.map { String(format: " / %.0f µs", $0) } ?? " / - µs")
    }
}

/// Makes the benchmark's referrals, signed by the victim service, each about its own person.
struct Factory: Sendable {
    let signer: MessageSigner
    let names: ReferralGatewayTopology
    let user: String
    /// How many households the referrals are about, in turn (nil: a new one for each referral, up to 60,000).
    var households: Int? = nil
    static let allocator = try! URCAllocator(issuer: "10")
    static let subjects: [URC] = (0..<60_000).map { _ in allocator.allocate() }
    /// Her child and the perpetrator, each a person of their own (one URC, one role).
    static let children: [URC] = (0..<60_000).map { _ in allocator.allocate() }
    static let perpetrators: [URC] = (0..<60_000).map { _ in allocator.allocate() }

    func referral(_ i: Int) throws -> SignedMessage {
        let i = i % min(households ?? Self.subjects.count, Self.subjects.count)
        let subject = Self.subjects[i]
        let r = Referral(
            referralId: UUID.randomLowercased(), referredAt: Timestamp(),
            referrer: Referrer(service: .victim, staff: Staff(name: "Sam Idva", role: "IDVA", phone: "0116 496 0000", email: "sam@victim.example")),
            sharing: Sharing(purpose: .housing), priority: .high,
            reason: "Needs a move: the perpetrator knows the address and has been seen outside twice this week.",
            subject: Person(
                urc: subject, name: PersonName(given: "Jo", family: "Example"), dateOfBirth: CalendarDate("1990-05-17"),
                gender: .female, language: LanguageTag("en"), interpreterNeeded: false,
                address: PostalAddress(lines: ["12 Example Road"], town: "Leicester", postcode: "LE2 3AB"), addressIsSafe: false,
                safeContact: SafeContact(phone: "07700 900123", safeToCall: true, safeToLeaveMessage: false, safeTimes: "weekdays 10-12")),
            subjectRole: .victim, risk: .init(level: .high),
            household: .init(
                children: [
                    Child(
                        urc: Self.children[i % Self.children.count], name: PersonName(given: "Ada", family: "Example"),
                        dateOfBirth: CalendarDate("2016-03-02")!,
                        school: School(name: "Example Primary"))
                ],
                perpetrator: .init(
                    urc: Self.perpetrators[i % Self.perpetrators.count], name: PersonName(given: "Alex", family: "Example"), relationship: .exPartner,
                    livesAtAddress: false)),
            needs: [.housing, .refuge], housing: .init(tenure: .socialTenant, wantsToStayHome: false, needsMove: true),
            notes: String(repeating: "Client prefers a female worker and calls in the afternoon. ", count: 18))
        return try SignedMessage.make(r, to: .safehome, about: subject, signer: signer)
    }

    /// Consent for every subject, written straight into the gateway's store.
    func consents(for count: Int, into store: GatewayStore) async throws {
        let n = min(count, Self.subjects.count)
        try await store.write { db in
            for s in Self.subjects.prefix(n) {
                try ConsentRegistry.record(
                    .given(
                        consentId: UUID.randomLowercased(), recipients: [.safehome], purposes: [.housing],
                        givenAt: Timestamp().adding(seconds: -60), expiresAt: Timestamp().adding(seconds: 86_400),
                        method: .written, recordedBy: Referrer(service: .victim, staff: Staff(name: "W", role: "IDVA"))),
                    subject: s, recordedBy: .victim, in: db)
            }
        }
    }
}

/// Consume → publish with confirm → ack, nothing else: what the broker round trips cost.
final class Relay: @unchecked Sendable {
    let configuration: AMQPConnectionConfiguration
    let from: String, to: String
    private var task: Task<Void, Never>?
    private var consumer: AMQPConsumer?

    init(configuration: AMQPConnectionConfiguration, from: String, to: String) {
        self.configuration = configuration
        self.from = from
        self.to = to
    }

    func start() async throws {
        let consumer = try await AMQPConsumer(configuration: configuration, queue: from, options: .init(prefetch: 200, batched: true))
        let publisher = try await AMQPPublisher(configuration: configuration)
        self.consumer = consumer
        let to = self.to
        task = Task {
            for await batch in consumer.batches {
                let out = batch.map { d in
                    OutgoingMessage(exchange: to, routingKey: "safehome", properties: d.properties, body: d.body)
                }
                _ = await publisher.publish(out)
                batch.ack()
            }
            await publisher.close()
        }
    }

    func stop() async {
        await consumer?.stopReceiving()
        await task?.value
        await consumer?.close()
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The stores gateway-bench can run the gateway on.
enum BenchStore: String, ExpressibleByArgument, CaseIterable {
    case sqlite, postgres
}
