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

    @Test("a comma-separated list names a cluster's nodes, tried in that order; a comma in a password stays")
    func parsesAListOfNodes() throws {
        let c = try AMQPConnectionConfiguration(
            url:
                "amqps://gw:pa,ss@n1.example:5671/%2f?cacertfile=/ca.pem,amqps://gw:pa,ss@n2.example/%2f?cacertfile=/ca.pem,AMQPS://gw:pa,ss@[::1]:6000/%2f?cacertfile=/ca.pem"
        )
        #expect(c.nodes == [.init(host: "n1.example", port: 5671), .init(host: "n2.example", port: 5671), .init(host: "::1", port: 6000)])
        #expect(c.password == "pa,ss" && c.host == "n1.example" && c.tls?.caCertificatePath == "/ca.pem")
        #expect(c.redactedURL == "amqps://gw:***@n1.example:5671/%2F,amqps://gw:***@n2.example:5671/%2F,amqps://gw:***@[::1]:6000/%2F")
        #expect(try AMQPConnectionConfiguration(url: "amqp://a:b@h1/").nodes.count == 1)
    }

    @Test(
        "nodes of one list differ in host and port only, each listed once",
        arguments: [
            "amqp://a:b@h1/,amqp://a:other@h2/", "amqp://a:b@h1/,amqps://a:b@h2/", "amqp://a:b@h1/v,amqp://a:b@h2/w",
            "amqp://a:b@h1/?heartbeat=5,amqp://a:b@h2/", "amqp://a:b@h1:5672/,amqp://a:b@h1/", "amqp://a:b@h1/,amqp://",
        ])
    func refusesListsThatDisagree(url: String) {
        #expect(throws: AMQPError.self, "\(url)") { try AMQPConnectionConfiguration(url: url) }
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
