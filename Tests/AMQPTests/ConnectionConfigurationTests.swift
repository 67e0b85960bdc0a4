import AMQP
import Testing

@Suite struct ConnectionConfigurationTests {
    @Test func parsesAFullURL() throws {
        let c = try AMQPConnectionConfiguration(url: "amqp://alice:s%40cret@broker.example:5673/refgw%2Fprod?heartbeat=10&connection_timeout=2500")
        #expect(c.host == "broker.example")
        #expect(c.port == 5673)
        #expect(c.user == "alice")
        #expect(c.password == "s@cret")
        #expect(c.vhost == "refgw/prod")
        #expect(c.heartbeat == 10)
        #expect(c.connectTimeout == 2.5)
        #expect(c.tls == nil)
        #expect(!c.redactedURL.contains("s@cret"))
    }

    @Test func defaultsPortAndVhost() throws {
        let plain = try AMQPConnectionConfiguration(url: "amqp://localhost")
        #expect(plain.port == 5672 && plain.vhost == "/" && plain.user == "guest")
        let tls = try AMQPConnectionConfiguration(url: "amqps://[::1]/%2f?cacertfile=/tmp/ca.pem&certfile=/c.pem&keyfile=/k.pem")
        #expect(tls.port == 5671 && tls.host == "::1" && tls.vhost == "/")
        #expect(tls.tls == .init(caCertificatePath: "/tmp/ca.pem", clientCertificatePath: "/c.pem", clientKeyPath: "/k.pem"))
    }

    @Test(
        "TLS checks follow from what the URL says, in any order; no peer check means no host-name check",
        arguments: [
            ("amqps://h/", true, true),
            ("amqps://h/?verify=verify_none", false, false),
            ("amqps://h/?verify=verify_none&server_name_indication=h", false, false),
            ("amqps://h/?server_name_indication=h&verify=verify_none", false, false),
            ("amqps://h/?server_name_indication=disable&verify=verify_peer", true, false),
            ("amqps://h/?verify=verify_peer&server_name_indication=disable", true, false),
        ])
    func tlsChecksAreOrderFree(url: String, peer: Bool, hostname: Bool) throws {
        let tls = try #require(try AMQPConnectionConfiguration(url: url).tls)
        #expect(tls.verifyPeer == peer && tls.verifyHostname == hostname, "\(url)")
    }

    @Test(arguments: [
        ("localhost:5672", "no scheme"),
        ("http://localhost", "unsupported scheme"),
        ("amqp://", "no host"),
        ("amqp://host:99999", "not a port"),
        ("amqp://host:abc", "not a port"),
        ("amqp://h/v?heartbeat=soon", "heartbeat"),
        ("amqp://h/v?cacertfile=/x", "needs an amqps"),
        ("amqps://h/v?certfile=/x", "together"),
        ("amqp://h/v?colour=blue", "unknown query parameter"),
        ("amqp://us%zzer@h/", "percent-encoding"),
        ("amqps://h/v?verify=verify_none&verify=verify_peer", "given twice"),
    ])
    func rejectsMalformedURLs(url: String, expected: String) {
        do {
            _ = try AMQPConnectionConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}
