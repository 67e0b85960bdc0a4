import AMQP
import ArgumentParser
import Contracts
import Foundation
import Messaging

/// `refgw smoke`: the foundation end to end on a real broker: a signed referral travels refgw.submit →
/// gateway.in and is verified; a tampered copy is detected; a rejected message reaches dead-letters.
/// Uses throw-away development keys and its own namespace of queues (deleted afterwards), so it never touches
/// real traffic; prints no personal data (ids, types, URCs and reason codes only).
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke", abstract: "Send a signed referral through the broker and verify it (development keys).")
    @Option(help: "Broker URL; default $REFGW_AMQP_URL.") var url: String?
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        do {
            try await smoke()
        } catch let e as AMQPError {
            throw fail(e)
        } catch let e as PartyDirectoryError {
            throw fail(e)
        }
    }

    private func smoke() async throws {
        let configuration = try AMQPConnectionConfiguration(url: try brokerURL(url))
        let parties = try PartyDirectory(contentsOf: URL(fileURLWithPath: config.directory).appendingPathComponent("parties.json"))
        let names = ReferralGatewayTopology(namespace: "smoke-\(UUID().uuidString.prefix(8).lowercased()).")
        let topology = names.topology()
        let admin = try await AMQPAdminClient(configuration: configuration)
        try await admin.declare(topology)
        do {
            try await exercise(configuration: configuration, parties: parties, names: names, admin: admin)
        } catch {
            await remove(names, using: admin)
            throw error
        }
        await remove(names, using: admin)
        await admin.close()
        print("smoke run passed: contracts, signatures, confirms, acks and dead-lettering work on this broker")
    }

    /// Deletes the smoke run's own queues and exchanges.
    private func remove(_ names: ReferralGatewayTopology, using admin: AMQPAdminClient) async {
        for q in names.queueNames() { try? await admin.deleteQueue(q) }
        for x in [names.submitExchange, names.deliverExchange, names.deadLetterExchange] { try? await admin.deleteExchange(x) }
    }

    private func exercise(
        configuration: AMQPConnectionConfiguration, parties: PartyDirectory,
        names: ReferralGatewayTopology, admin: AMQPAdminClient
    ) async throws {
        let topology = names.topology()
        print("1. broker: \(configuration.redactedURL) — topology declared under '\(names.namespace)' (quorum queues, at-least-once dead-lettering)")

        // Development keys, made now and forgotten at exit.
        let victimKey = MessageSigner.generate(keyID: "victim-dev-smoke", party: .victim)
        let trust = try TrustStore(keys: [.init(keyID: victimKey.keyID, party: .victim, publicKey: victimKey.publicKey, development: true)])
        let victimURC = try parties.allocator(for: .victim).allocate()
        print("2. victim service allocated URC \(victimURC) and signed a referral to safehome with key \(victimKey.keyID) (development key)")

        let referral = Referral(
            referralId: UUID.randomLowercased(), referredAt: Timestamp(),
            referrer: Referrer(service: .victim, staff: Staff(name: "Smoke Test", role: "IDVA")),
            sharing: Sharing(purpose: .housing), priority: .high, reason: "Smoke test referral: needs a move.",
            subject: Person(urc: victimURC, name: PersonName(given: "Test", family: "Person")), subjectRole: .victim)
        let message = try SignedMessage.make(referral, to: .safehome, about: victimURC, signer: victimKey)
        let publisher = try await AMQPPublisher(configuration: configuration, topology: topology)
        try await publisher.publish(message.submission(brokerUser: configuration.user, topology: names))
        var tampered = message
        tampered.body = Data(String(decoding: message.body, as: UTF8.self).replacingOccurrences(of: "needs a move", with: "needs a MOVE").utf8)
        try await publisher.publish(tampered.submission(brokerUser: configuration.user, topology: names))
        await publisher.close()
        print("3. published the referral and a tampered copy to \(names.submitExchange) with publisher confirms")

        let consumer = try await AMQPConsumer(
            configuration: configuration, queue: names.gatewayQueue,
            topology: topology, options: .init(prefetch: 10))
        var seen = 0
        for await delivery in consumer {
            seen += 1
            let received = try SignedMessage(delivery: delivery)
            let e = received.envelope
            do {
                try trust.verify(e, body: received.body, signedBy: e.sender)
                _ = try ContractJSON.decode(Referral.self, from: received.body)
                print(
                    "4. gateway.in received \(e.type.rawValue) \(e.messageID) \(e.sender)→\(e.recipient) about \(e.subject): signature verified, body decoded"
                )
                delivery.ack()
            } catch let error as SignatureError {
                print(
                    "5. gateway.in received \(e.messageID) again with a changed body: refused (\(error.reasonCode.rawValue)), rejected to dead-letters"
                )
                delivery.reject()
            }
            if seen == 2 { break }
        }
        await consumer.close()

        var dead: AMQPDelivery?
        for _ in 0..<100 {
            dead = try await admin.take(from: names.deadLetterQueue)
            if dead != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let dead, let death = dead.deaths.first else { throw fail("the rejected message did not reach dead-letters") }
        print("6. dead-letters holds \(dead.properties.messageID ?? "?") with x-death reason '\(death.reason)' from queue \(death.queue)")
    }
}
