import GatewayStorage
import Testing

/// Which store the options and the environment name: an explicit option wins, then REFGW_GATEWAY_POSTGRES_URL,
/// then the machine's SQLite file; both options at once is an error, never a guess.
struct GatewayStoreLocationTests {
    let url = "postgres://refgw:secret@db:5432/refgw"
    let env = ["REFGW_GATEWAY_POSTGRES_URL": "postgres://refgw:secret@db:5432/refgw"]

    @Test func theEnvironmentNamesTheRegionsDatabase() throws {
        #expect(try GatewayStoreLocation.resolve(database: nil, postgres: nil, defaultPath: "g.sqlite", environment: env) == .postgres(url: url))
        #expect(
            try GatewayStoreLocation.resolve(database: nil, postgres: nil, defaultPath: "g.sqlite", environment: [:]) == .sqlite(path: "g.sqlite"))
        #expect(
            try GatewayStoreLocation.resolve(database: nil, postgres: nil, defaultPath: "g.sqlite", environment: ["REFGW_GATEWAY_POSTGRES_URL": ""])
                == .sqlite(path: "g.sqlite"))
    }

    @Test func anOptionWinsOverTheEnvironment() throws {
        #expect(
            try GatewayStoreLocation.resolve(database: "x.sqlite", postgres: nil, defaultPath: "g.sqlite", environment: env)
                == .sqlite(path: "x.sqlite"))
        #expect(
            try GatewayStoreLocation.resolve(database: nil, postgres: "postgres://a@b/c", defaultPath: "g.sqlite", environment: env)
                == .postgres(url: "postgres://a@b/c"))
    }

    @Test func bothOptionsAreRefused() {
        #expect(throws: GatewayStoreError.self) {
            try GatewayStoreLocation.resolve(database: "x.sqlite", postgres: url, defaultPath: "g.sqlite", environment: [:])
        }
    }
}
