import AMQP
import Contracts
import Crypto
import Foundation

/// The broker's whole set-up as a RabbitMQ definitions file (the format `rabbitmqctl import_definitions` and
/// `definitions.local.path` read): vhost, exchanges, queues with their arguments, bindings, policies, users and
/// their permissions. Generated from `config/` so every deployment's broker is the same.
///
/// Least privilege: a service's user may write only to `refgw.submit`, read only its own inbox, and configure
/// nothing; the gateway's user reads `gateway.in` and writes `refgw.deliver` (and `refgw.dlx`, where it puts
/// what it refuses); the dead-letter administrator reads `dead-letters` and writes replay requests to `refgw.submit`.
/// There is no `guest`.
public struct BrokerDefinitions: Sendable {
    /// A broker user and the password it logs in with (only its salted hash goes into the file).
    public struct Account: Sendable {
        /// The broker user name (a party's `brokerUser`, the operator's or the dead-letter administrator's).
        public var name: String
        /// The password in clear: only its salted hash is written into the definitions.
        public var password: String
        /// RabbitMQ user tags (`administrator` for the operator only).
        public var tags: [String]
        /// Permission regexes over resource names: what the user may declare, publish to and consume from (`^$`: nothing).
        public var configure: String, write: String, read: String
    }

    /// The dead-letter administrator's user.
    public static let deadLetterAdmin = "refgw-deadletters"
    /// The operator's user: manages the broker (declares, inspects); no service runs as it.
    public static let operatorUser = "refgw-admin"

    /// The broker names the definitions describe.
    public var topology: ReferralGatewayTopology
    /// The virtual host every resource and permission is in.
    public var vhost: String
    /// Every user with its permissions: the operator, the dead-letter administrator, then each party.
    public var accounts: [Account]

    /// The users and permissions for `parties`; `password(user)` supplies each password.
    /// `testNamespaces` lets names carry a test prefix (`t1a2b3c.inbox.victim`): development brokers only.
    public init(
        parties: PartyDirectory, topology: ReferralGatewayTopology = .standard, vhost: String = "/",
        testNamespaces: Bool = false, password: (String) throws -> String
    ) rethrows {
        self.topology = topology
        self.vhost = vhost
        func exact(_ name: String) -> String {
            let escaped = NSRegularExpression.escapedPattern(for: name)
            return testNamespaces ? "^([a-z][a-z0-9]{6}\\.)?\(escaped)$" : "^\(escaped)$"
        }
        func either(_ names: [String]) -> String {
            let alternatives = names.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
            return testNamespaces ? "^([a-z][a-z0-9]{6}\\.)?(\(alternatives))$" : "^(\(alternatives))$"
        }
        let nothing = "^$"
        var accounts: [Account] = [
            Account(
                name: Self.operatorUser, password: try password(Self.operatorUser), tags: ["administrator"],
                configure: ".*", write: ".*", read: ".*"),
            // Writes to refgw.submit only to ask the gateway for replays: the gateway decides and delivers them.
            Account(
                name: Self.deadLetterAdmin, password: try password(Self.deadLetterAdmin), tags: [],
                configure: nothing, write: exact(topology.submitExchange), read: exact(topology.deadLetterQueue)),
        ]
        for (id, entry) in parties.entries.sorted(by: { $0.key < $1.key }) {
            let account: Account
            if id == .gateway {
                account = Account(
                    name: entry.brokerUser, password: try password(entry.brokerUser), tags: [], configure: nothing,
                    write: either([topology.deliverExchange, topology.deadLetterExchange]), read: exact(topology.gatewayQueue))
            } else {
                account = Account(
                    name: entry.brokerUser, password: try password(entry.brokerUser), tags: [], configure: nothing,
                    write: exact(topology.submitExchange), read: exact(topology.inbox(id)))
            }
            accounts.append(account)
        }
        self.accounts = accounts
    }

    /// The definitions as JSON (stable order, so a change shows in review as a small diff).
    public func json(parties: [PartyID] = PartyID.services) throws -> Data {
        let t = topology.topology(parties: parties)
        var users: [[String: Any]] = []
        var permissions: [[String: Any]] = []
        for a in accounts {
            users.append([
                "name": a.name, "password_hash": Self.passwordHash(a.password),
                "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": a.tags.joined(separator: ","),
            ])
            permissions.append(["user": a.name, "vhost": vhost, "configure": a.configure, "write": a.write, "read": a.read])
        }
        let exchanges: [[String: Any]] = t.exchanges.map {
            [
                "name": $0.name, "vhost": vhost, "type": $0.kind.rawValue, "durable": $0.durable, "auto_delete": false,
                "internal": $0.internal, "arguments": Self.json($0.arguments),
            ]
        }
        let queues: [[String: Any]] = t.queues.map {
            ["name": $0.name, "vhost": vhost, "durable": $0.durable, "auto_delete": $0.autoDelete, "arguments": Self.json($0.arguments)]
        }
        let bindings: [[String: Any]] = t.bindings.map {
            [
                "source": $0.exchange, "vhost": vhost, "destination": $0.queue, "destination_type": "queue",
                "routing_key": $0.routingKey, "arguments": Self.json($0.arguments),
            ]
        }
        let root: [String: Any] = [
            "users": users, "vhosts": [["name": vhost]], "permissions": permissions, "topic_permissions": [],
            "parameters": [], "global_parameters": [], "policies": [],
            "exchanges": exchanges, "queues": queues, "bindings": bindings,
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ++ SHA-256(salt ++ password)), 4 random salt bytes.
    public static func passwordHash(_ password: String, salt: [UInt8]? = nil) -> String {
        let salt = salt ?? (0..<4).map { _ in UInt8.random(in: 0...255) }
        var input = Data(salt)
        input.append(contentsOf: password.utf8)
        return Data(salt + Array(SHA256.hash(data: input))).base64EncodedString()
    }

    static func json(_ table: AMQPFieldTable) -> [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in table {
            switch v {
            case .string(let s): out[k] = s
            case .int(let i): out[k] = i
            case .bool(let b): out[k] = b
            case .double(let d): out[k] = d
            default: out[k] = v.description
            }
        }
        return out
    }
}
