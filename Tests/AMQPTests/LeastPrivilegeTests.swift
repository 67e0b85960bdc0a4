import AMQP
import Contracts
import Foundation
import Messaging
import TestSupport
import Testing

/// The broker's users and permissions come from `refgw broker definitions` (scripts/broker.sh loads them at
/// start): each service reads only its inbox, writes only to refgw.submit, configures nothing.
@Suite(.needsBroker) struct LeastPrivilegeTests {
    static func configuration(_ user: String) throws -> AMQPConnectionConfiguration { TestBrokerEnvironment.user(user) }

    /// A namespace of the project's topology, declared by the operator (the definitions allow a test prefix).
    static func namespace() async throws -> ReferralGatewayTopology {
        let names = ReferralGatewayTopology(namespace: "p\(UUID().uuidString.prefix(6).lowercased()).")
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        try await admin.declare(names.topology())
        await admin.close()
        return names
    }

    static func isAccessRefused(_ error: any Error) -> Bool {
        if case AMQPError.accessRefused = error { return true }
        if case AMQPError.channelClosed(let code, _) = error { return code == 403 }
        return false
    }

    func alert(_ id: String, _ names: ReferralGatewayTopology, exchange: String? = nil, userID: String) -> OutgoingMessage {
        OutgoingMessage(
            exchange: exchange ?? names.submitExchange, routingKey: "sanctuary",
            properties: AMQPProperties(contentType: "application/json", messageID: id, userID: userID), body: Data("{}".utf8))
    }

    @Test("a service reads its own inbox and writes to refgw.submit")
    func ownInboxAndSubmit() async throws {
        let names = try await Self.namespace()
        let publisher = try await AMQPPublisher(configuration: Self.configuration("victim"))
        try await publisher.publish(alert("own-1", names, userID: "victim"))
        await publisher.close()
        let consumer = try await AMQPConsumer(configuration: Self.configuration("victim"), queue: names.inbox(.victim))
        await consumer.close()
    }

    @Test("a service cannot consume another service's inbox: ACCESS_REFUSED")
    func cannotReadAnotherInbox() async throws {
        let names = try await Self.namespace()
        await #expect(
            performing: {
                let c = try await AMQPConsumer(configuration: Self.configuration("victim"), queue: names.inbox(.family))
                await c.close()
            }, throws: Self.isAccessRefused)
        await #expect(
            performing: {
                let admin = try await AMQPAdminClient(configuration: Self.configuration("perpetrator"))
                defer { Task { await admin.close() } }
                _ = try await admin.take(from: names.inbox(.victim))
            }, throws: Self.isAccessRefused)
    }

    @Test("a service cannot publish to refgw.deliver (only the gateway delivers): ACCESS_REFUSED")
    func cannotPublishToDeliver() async throws {
        let names = try await Self.namespace()
        let publisher = try await AMQPPublisher(configuration: Self.configuration("victim"))
        let result = await publisher.publish([alert("deliver-1", names, exchange: names.deliverExchange, userID: "victim")])
        await publisher.close()
        #expect(performing: { try result[0].get() }, throws: Self.isAccessRefused)
    }

    @Test("a service cannot declare a queue or an exchange: ACCESS_REFUSED")
    func cannotDeclare() async throws {
        for user in ["victim", "gateway"] {
            await #expect(
                performing: {
                    let admin = try await AMQPAdminClient(configuration: Self.configuration(user))
                    defer { Task { await admin.close() } }
                    try await admin.declare(AMQPTopology(queues: [.init("p\(UUID().uuidString.prefix(6).lowercased()).mine")]))
                }, throws: Self.isAccessRefused)
        }
    }

    @Test("a message published with another service's user_id is refused by the broker")
    func userIDMismatch() async throws {
        let names = try await Self.namespace()
        let publisher = try await AMQPPublisher(configuration: Self.configuration("victim"))
        let result = await publisher.publish([alert("impostor-1", names, userID: "family")])
        await publisher.close()
        #expect(throws: (any Error).self) { try result[0].get() }
        let admin = try await AMQPAdminClient(configuration: TestBroker.configuration)
        #expect(try await admin.messageCount(names.gatewayQueue) == 0)
        await admin.close()
    }

    @Test("the gateway reads gateway.in and writes refgw.deliver, but cannot read an inbox; there is no guest")
    func gatewayAndGuest() async throws {
        let names = try await Self.namespace()
        let gateway = try await AMQPPublisher(configuration: Self.configuration("gateway"))
        try await gateway.publish(
            OutgoingMessage(
                exchange: names.deliverExchange, routingKey: "victim",
                properties: AMQPProperties(messageID: "g-1", userID: "gateway"), body: Data("{}".utf8)))
        await gateway.close()
        let consumer = try await AMQPConsumer(configuration: Self.configuration("gateway"), queue: names.gatewayQueue)
        await consumer.close()
        await #expect(
            performing: {
                let admin = try await AMQPAdminClient(configuration: Self.configuration("gateway"))
                defer { Task { await admin.close() } }
                _ = try await admin.take(from: names.inbox(.victim))
            }, throws: Self.isAccessRefused)
        var guest = try Self.configuration("victim")
        guest.user = "guest"
        guest.password = "guest"
        await #expect(
            performing: { _ = try await AMQPAdminClient(configuration: guest) },
            throws: { error in
                if case AMQPError.authenticationFailed = error { return true }
                return false
            })
    }

    @Test("password hashes are RabbitMQ's salted SHA-256 (the documented example)")
    func passwordHash() {
        #expect(BrokerDefinitions.passwordHash("test12", salt: [0x90, 0x8D, 0xC6, 0x0A]) == "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR")
    }

    @Test("production definitions: exact names, nothing configurable by services, no guest")
    func productionDefinitions() throws {
        let parties = try PartyDirectory(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("config/parties.json"))
        let d = BrokerDefinitions(parties: parties) { "pw-\($0)" }
        let json = try JSONSerialization.jsonObject(with: try d.json()) as! [String: Any]
        let permissions = json["permissions"] as! [[String: String]]
        let victim = try #require(permissions.first { $0["user"] == "victim" })
        #expect(victim["configure"] == "^$" && victim["write"] == "^refgw\\.submit$" && victim["read"] == "^inbox\\.victim$")
        let gateway = try #require(permissions.first { $0["user"] == "gateway" })
        #expect(gateway["read"] == "^gateway\\.in$")
        #expect(!(json["users"] as! [[String: Any]]).contains { $0["name"] as? String == "guest" })
        #expect(!String(decoding: try d.json(), as: UTF8.self).contains("pw-victim"))
        let queues = json["queues"] as! [[String: Any]]
        let inbox = try #require(queues.first { $0["name"] as? String == "inbox.victim" })
        let args = inbox["arguments"] as! [String: Any]
        #expect(args["x-queue-type"] as? String == "quorum" && args["x-dead-letter-exchange"] as? String == "refgw.dlx")
    }
}
