import AMQP
import Foundation
import Testing

/// amqps through rabbitmq-c's OpenSSL socket, against the broker's TLS listener and a CA made at set-up.
@Suite struct TLSTests {
    private var base: String { TestBroker.env("REFGW_AMQPS_URL") }

    @Test func connectsWithTheRightCAAndCarriesMessages() async throws {
        let url = "\(base)?cacertfile=\(TestBroker.env("REFGW_CA_FILE"))"
        let configuration = try AMQPConnectionConfiguration(url: url)
        let t = TestBroker.queueWithDeadLetters("tls")
        let publisher = try await AMQPPublisher(configuration: configuration, topology: t.topology)
        let results = await publisher.publish((0..<200).map { message("tls-\($0)", to: t.exchange, key: t.queue) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        await publisher.close()
        let consumer = try await AMQPConsumer(configuration: configuration, queue: t.queue, topology: t.topology)
        var n = 0
        for await d in consumer { d.ack(); n += 1; if n == 200 { break } }
        await consumer.close()
        #expect(n == 200)
        let admin = try await AMQPAdminClient(configuration: configuration)
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func connectsWithAClientCertificate() async throws {
        let url = "\(base)?cacertfile=\(TestBroker.env("REFGW_CA_FILE"))&certfile=\(TestBroker.env("REFGW_CLIENT_CERT"))&keyfile=\(TestBroker.env("REFGW_CLIENT_KEY"))"
        let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
        await admin.close()
    }

    @Test func aClientTrustingAnotherCAIsRefused() async throws {
        let url = "\(base)?cacertfile=\(TestBroker.env("REFGW_OTHER_CA_FILE"))"
        do {
            let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
            await admin.close()
            Issue.record("a broker certificate from an untrusted CA was accepted")
        } catch {
            guard case .tlsFailed(_, _, let reason) = error else { Issue.record("got \(error)"); return }
            #expect(reason.lowercased().contains("verif") || reason.lowercased().contains("ssl"), "\(reason)")
        }
    }

    @Test func aMissingCAFileIsNamed() async throws {
        let url = "\(base)?cacertfile=/nonexistent/ca.pem"
        do {
            _ = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
            Issue.record("connected without a CA file")
        } catch {
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
    }

    @Test func plainAMQPToTheTLSPortFailsCleanly() async throws {
        let url = base.replacingOccurrences(of: "amqps://", with: "amqp://") + "?connection_timeout=2000"
        do {
            _ = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
            Issue.record("plain AMQP connected to a TLS port")
        } catch {
            #expect(!error.description.contains("\n"))
        }
    }
}
