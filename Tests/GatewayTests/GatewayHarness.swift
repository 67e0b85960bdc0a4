import AMQP
import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import Messaging
import Synchronization
import TestSupport
import Testing

@testable import GatewayStorage

/// A real gateway on the test broker, in its own namespace of queues, with development keys for every party.
final class GatewayHarness: Sendable {
    let names: ReferralGatewayTopology
    let signers: [PartyID: MessageSigner]
    let gatewaySigner: MessageSigner
    let trust: TrustStore
    let store: SQLiteGatewayStore
    /// The gateways, as competing consumers of one `gateway.in`: one on `store`, or one on each store given.
    let services: [GatewayService]
    /// The first gateway (the only one, unless stores were given).
    var service: GatewayService { services[0] }
    let directory: URL
    let decider: GatewayDecider
    private let running = Mutex<[Int: Task<Void, any Error>]>([:])

    static func configuration(for party: PartyID) -> AMQPConnectionConfiguration { TestBrokerEnvironment.user(party.rawValue) }
    static var admin: AMQPConnectionConfiguration { TestBrokerEnvironment.admin }

    /// A gateway on a new SQLite store; with `stores`, one gateway on each (several gateways sharing a region's store).
    init(
        policy: SharingPolicy = Repo.policy, stores: [any GatewayStore] = [], metrics: GatewayMetrics = GatewayMetrics(),
        gatewayKeyNotAfter: Timestamp? = nil
    ) async throws {
        names = ReferralGatewayTopology(namespace: "t\(UUID().uuidString.prefix(6).lowercased()).")
        var signers: [PartyID: MessageSigner] = [:]
        var keys: [TrustStore.Key] = []
        for p in PartyID.services {
            let s = MessageSigner.generate(keyID: "\(p)-test", party: p)
            signers[p] = s
            keys.append(.init(keyID: s.keyID, party: p, publicKey: s.publicKey, development: true))
        }
        gatewaySigner = MessageSigner.generate(keyID: "gateway-test", party: .gateway)
        keys.append(
            .init(keyID: gatewaySigner.keyID, party: .gateway, publicKey: gatewaySigner.publicKey, notAfter: gatewayKeyNotAfter, development: true))
        self.signers = signers
        trust = try TrustStore(keys: keys)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString.prefix(8))")
        store = try SQLiteGatewayStore(path: directory.appendingPathComponent("gateway.sqlite").path)
        let decider = try GatewayDecider(
            policy: policy, schemas: Repo.schemas, trust: trust, parties: Repo.parties,
            signer: gatewaySigner, replayUser: BrokerDefinitions.deadLetterAdmin)
        self.decider = decider
        let names = self.names
        services = (stores.isEmpty ? [store] : stores).map {
            GatewayService(decider: decider, store: $0, configuration: Self.configuration(for: .gateway), topology: names, metrics: metrics)
        }
        try await TestBrokerEnvironment.declare(names)
        for i in services.indices { start(i) }
    }

    /// Starts gateway `i` (again), unless it runs.
    func start(_ i: Int) {
        let service = services[i]
        running.withLock { if $0[i] == nil { $0[i] = Task { try await service.run() } } }
    }

    /// Stops gateway `i` gracefully, as SIGTERM does, and waits until it has finished what it was handed.
    func stop(_ i: Int) async {
        await services[i].stop()
        _ = try? await running.withLock({ $0.removeValue(forKey: i) })?.value
    }

    /// Messages the gateways processed, together.
    var processed: Int { services.reduce(0) { $0 + $1.statistics.processed } }

    /// Stops the gateways gracefully, as SIGTERM does (stop receiving, finish what was handed over).
    func stopGateway() async {
        for i in services.indices { await stop(i) }
    }

    /// Stops the gateways and removes the namespace's queues.
    func shutDown() async {
        await stopGateway()
        await TestBrokerEnvironment.remove(names)
        try? FileManager.default.removeItem(at: directory)
    }

    /// A signed message from `sender` (its envelope can be altered before sending).
    func message<B: MessageBody>(
        _ body: B, from sender: PartyID, to recipient: PartyID, about subject: URC,
        sentAt: Timestamp = Timestamp()
    ) throws -> SignedMessage {
        try SignedMessage.make(body, to: recipient, about: subject, signer: signers[sender]!, sentAt: sentAt)
    }

    /// Publishes as `brokerUser`'s party (by default the sender).
    func submit(_ messages: [SignedMessage], as brokerUser: PartyID? = nil) async throws {
        let user = brokerUser ?? messages.first!.envelope.sender
        let publisher = try await AMQPPublisher(configuration: Self.configuration(for: user))
        let results = await publisher.publish(messages.map { $0.submission(brokerUser: user.rawValue, topology: names) })
        await publisher.close()
        for r in results { try r.get() }
    }

    /// Publishes raw AMQP messages (for malformed envelopes).
    func submitRaw(_ messages: [OutgoingMessage], as user: PartyID) async throws {
        let publisher = try await AMQPPublisher(configuration: Self.configuration(for: user))
        for r in await publisher.publish(messages) { try r.get() }
        await publisher.close()
    }

    /// Takes messages from a queue until `count` arrived or `timeout` passed.
    func take(_ count: Int, from queue: String, timeout: Double = 30) async throws -> [AMQPDelivery] {
        try await TestBrokerEnvironment.take(count, from: queue, timeout: timeout)
    }

    /// Consumes `count` messages from a party's inbox with a real consumer (fast, for large runs).
    func drain(_ count: Int, from party: PartyID, stall: Double = 60) async throws -> [AMQPDelivery] {
        let consumer = try await AMQPConsumer(configuration: Self.admin, queue: names.inbox(party), options: .init(prefetch: 500))
        let received = LastArrival()
        let collected = Task { () -> [AMQPDelivery] in
            var got: [AMQPDelivery] = []
            for await d in consumer {
                d.ack()
                got.append(d)
                received.time.withLock { $0 = .now }
                if got.count == count { break }
            }
            return got
        }
        // Stops when nothing has arrived for `stall` seconds (however long the whole drain takes).
        let stop = Task {
            while true {
                try await Task.sleep(for: .milliseconds(100))
                if received.time.withLock({ ContinuousClock.now - $0 >= .seconds(stall) }) { break }
            }
            await consumer.stopReceiving()
        }
        let got = await collected.value
        stop.cancel()
        await consumer.close()
        return got
    }

    /// Reads a delivered message and checks the gateway's signature on it.
    func verified(_ d: AMQPDelivery) throws -> (Envelope, JSONValue) {
        let m = try SignedMessage(delivery: d)
        try trust.verify(m.envelope, body: m.body, signedBy: .gateway)
        return (m.envelope, try JSONParser.parse(m.body))
    }

    /// Gives consent for `subject` to `recipients` for `purposes`; returns the consent id.
    @discardableResult
    func giveConsent(from sender: PartyID, subject: URC, recipients: [PartyID], purposes: [Purpose]) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let record = ConsentRecord.given(
            consentId: id, recipients: recipients, purposes: purposes, givenAt: Timestamp().adding(seconds: -60),
            expiresAt: Timestamp().adding(seconds: 86_400), method: .verbal,
            recordedBy: Referrer(service: sender, staff: Staff(name: "Test Worker", role: "IDVA")))
        try await submitConsent(try message(record, from: sender, to: .gateway, about: subject))
        return id
    }

    func withdrawConsent(_ id: String, from sender: PartyID, subject: URC) async throws {
        let record = ConsentRecord.withdrawn(
            consentId: id, at: Timestamp(), recordedBy: Referrer(service: sender, staff: Staff(name: "Test Worker", role: "IDVA")))
        try await submitConsent(try message(record, from: sender, to: .gateway, about: subject))
    }

    /// Submits a consent record and waits for the gateway's acknowledgement in the sender's inbox, so that what
    /// the test sends next is decided with it (and the inbox holds only what the test expects).
    func submitConsent(_ m: SignedMessage) async throws {
        try await submit([m])
        // Waits while the gateway is working through what came before (on one core beside other suites that can
        // be minutes), and gives up only after a minute in which it processed nothing.
        var answer: AMQPDelivery?
        var seen = processed
        var lastProgress = ContinuousClock.now
        while answer == nil, ContinuousClock.now - lastProgress < .seconds(60) {
            answer = try await take(1, from: names.inbox(m.envelope.sender), timeout: 5).first
            let now = processed
            if now > seen {
                seen = now
                lastProgress = .now
            }
        }
        let answered = try #require(answer, "no answer to consent record \(m.envelope.messageID), and the gateway processed nothing for 60 s")
        let (env, body) = try verified(answered)
        #expect(
            env.type == .consentAcknowledgement && body["originalMessageId"]?.stringValue == m.envelope.messageID,
            "the consent record was refused: \(body["reasonCode"]?.stringValue ?? "?") \(body["reasonText"]?.stringValue ?? "")")
    }

    /// Waits until the gateway has processed `count` messages in total.
    func waitUntilProcessed(_ count: Int, stall: Double = 60) async throws {
        // A bound on going without progress, not on the whole wait: a backlog of 10,000 takes a slow machine, or
        // one running other suites beside this one, several times as long, and is still working.
        var seen = processed
        var lastProgress = ContinuousClock.now
        while seen < count {
            try await Task.sleep(for: .milliseconds(20))
            let now = processed
            if now > seen {
                seen = now
                lastProgress = .now
                continue
            }
            guard ContinuousClock.now - lastProgress < .seconds(stall) else {
                Issue.record("the gateway processed \(seen) of \(count) messages, then nothing for \(stall) s")
                return
            }
        }
    }
}

/// When a drain last received a message.
final class LastArrival: Sendable {
    let time = Mutex(ContinuousClock.now)
}
