import Foundation
import PostgresNIO
import Testing

@testable import GatewayStorage

/// The region's database over TLS: the server's certificate checked, weaker modes refused, and TLS the default for
/// any server not on this machine.
@Suite struct PostgresTLSTests {
    /// `scripts/postgres.sh`'s TLS URL (`sslmode=verify-full`, its throw-away CA).
    static var tlsURL: String? { ProcessInfo.processInfo.environment["REFGW_POSTGRES_TLS_URL"] }

    @Test("the test command's PostgreSQL server speaks TLS in CI, so that the TLS path is checked")
    func tlsServerInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(Self.tlsURL != nil) }
    }

    @Test("TLS is required of any server not on this machine; disable stays possible on loopback; weaker modes are refused")
    func modes() throws {
        #expect(try PostgresGatewayStore.configuration("postgres://refgw:pw@db.region.example:5432/refgw").tls.isEnforced)
        #expect(!(try PostgresGatewayStore.configuration("postgres://refgw:pw@127.0.0.1:5432/refgw").tls.isAllowed))
        #expect(try PostgresGatewayStore.configuration("postgres://refgw:pw@localhost:5432/refgw?sslmode=verify-full").tls.isEnforced)
        for bad in ["sslmode=require", "sslmode=prefer", "sslmode=allow", "sslmode=verify-ca", "sslcert=client.pem", "sslrootcert=/no/such/ca.pem"] {
            let error = #expect(throws: GatewayStoreError.self) {
                try PostgresGatewayStore.configuration("postgres://refgw:pw@db.region.example/refgw?\(bad)")
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(!text.contains("\n") && !text.contains("pw@") && (text.contains("use") || text.contains("check")), "\(text)")
        }
    }

    @Test(
        "over TLS the store works and its connection is encrypted; a server whose certificate another CA signed is refused in one line",
        .enabled(if: tlsURL != nil, "needs REFGW_POSTGRES_TLS_URL (the test command sets it)"))
    func encrypted() async throws {
        let server = try #require(Self.tlsURL)
        let name = "tls_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresGatewayStore.createDatabase(name, on: server)
        defer { try? PostgresGatewayStore.dropDatabase(name, on: server) }
        let url = PostgresGatewayStore.url(server, database: name)
        let store = try PostgresGatewayStore(url: url)
        try await store.write { try $0.rememberMessage(SeenMessage(messageID: "m-1", sender: "victim", fingerprint: "f", processedAt: .init())) }
        let encrypted = try store.readNow { tx in
            try (tx as! PostgresGatewayTransaction).run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").map { try $0.decode(Bool.self) }
        }
        #expect(encrypted == [true])
        #expect(try await store.read { try $0.seenMessage("m-1") }?.fingerprint == "f")

        // The same server, trusting an unrelated CA: no connection, and a line saying why.
        let root = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "sslrootcert" }?.value)
        let otherCA = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("other-ca.pem").path
        let wrong = url.replacingOccurrences(of: root, with: otherCA)
        let error = #expect(throws: GatewayStoreError.self) { try PostgresGatewayStore(url: wrong) }
        let text = error.map { "\($0)" } ?? ""
        #expect(!text.contains("\n") && text.contains("certificate"), "\(text)")
    }
}
