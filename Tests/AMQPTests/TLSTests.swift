import AMQP
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// amqps through rabbitmq-c's OpenSSL socket, against the broker's TLS listener and a CA made at set-up.
@Suite(.needsBroker) struct TLSTests {
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
        for await d in consumer {
            d.ack()
            n += 1
            if n == 200 { break }
        }
        await consumer.close()
        #expect(n == 200)
        let admin = try await AMQPAdminClient(configuration: configuration)
        try await admin.deleteQueue(t.queue)
        try await admin.deleteQueue(t.deadLetters)
        await admin.close()
    }

    @Test func connectsWithAClientCertificate() async throws {
        let url =
            "\(base)?cacertfile=\(TestBroker.env("REFGW_CA_FILE"))&certfile=\(TestBroker.env("REFGW_CLIENT_CERT"))&keyfile=\(TestBroker.env("REFGW_CLIENT_KEY"))"
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
            guard case .tlsFailed(_, _, let reason) = error else {
                Issue.record("got \(error)")
                return
            }
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

    @Test func anExpiredBrokerCertificateIsRefused() async throws {
        // openssl s_server on loopback presents a certificate from the right CA that expired yesterday.
        let certs = URL(fileURLWithPath: TestBroker.env("REFGW_CA_FILE")).deletingLastPathComponent()
        let (fd, port) = try ConnectErrorTests.bound()
        close(fd)
        let server = try spawn([
            "openssl", "s_server", "-quiet", "-accept", "127.0.0.1:\(port)",
            "-cert", certs.appendingPathComponent("expired-server.pem").path,
            "-key", certs.appendingPathComponent("expired-server-key.pem").path,
        ])
        // s_server ignores SIGTERM.
        defer {
            kill(server, SIGKILL)
            var status: Int32 = 0
            waitpid(server, &status, 0)
        }
        let url = "amqps://u:p@localhost:\(port)/?cacertfile=\(TestBroker.env("REFGW_CA_FILE"))&connection_timeout=3000"
        // The client's own attempts wait for the server to start listening.
        var lastError: AMQPError?
        for _ in 0..<100 {
            do {
                let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
                await admin.close()
                Issue.record("an expired broker certificate was accepted")
                return
            } catch {
                lastError = error
                // Retry only while nothing listens yet; a TLS session that got as far as AMQP is a failure.
                guard case .unreachable(_, _, let reason) = error, !reason.contains("handshake"), !reason.contains("no answer") else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard case .tlsFailed(_, _, let reason)? = lastError else {
            Issue.record("got \(String(describing: lastError))")
            return
        }
        #expect(reason.lowercased().contains("verif") || reason.lowercased().contains("ssl"), "\(reason)")
    }

    @Test func aBrokerListenerWithAnExpiredCertificateIsRefused() async throws {
        // A second private node whose TLS listener presents a certificate from the right CA that expired.
        let node = try await TestBroker.startPrivateNode(expiredCertificate: true)
        defer { TestBroker.stopInBackground(node.directory, thenRemove: true) }
        let envText = try String(contentsOf: node.directory.appendingPathComponent("env"), encoding: .utf8)
        let line = try #require(envText.split(separator: "\n").first { $0.hasPrefix("export REFGW_AMQPS_URL_VICTIM=") })
        let url = line.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        do {
            let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url + "&connection_timeout=5000"))
            await admin.close()
            Issue.record("an expired broker certificate was accepted")
        } catch {
            guard case .tlsFailed(_, _, let reason) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(
                reason.lowercased().contains("verif") || reason.lowercased().contains("ssl") || reason.lowercased().contains("expired"), "\(reason)")
        }
    }

    private func spawn(_ arguments: [String]) throws -> pid_t {
        try Subprocess.start(["/usr/bin/env"] + arguments)
    }
}
