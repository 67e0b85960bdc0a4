import Foundation

/// Where and how to connect to the broker; built from an `amqp://` or `amqps://` URL, or a comma-separated list of
/// them naming the nodes of one cluster.
public struct AMQPConnectionConfiguration: Sendable, Equatable {
    /// One broker node to connect to.
    public struct Node: Sendable, Equatable {
        /// The node's host name or IP address (an IPv6 address without its brackets).
        public var host: String
        /// The node's TCP port.
        public var port: Int

        /// A node by host and port.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// TLS settings for `amqps` connections.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the certificate authority that signed the broker's certificate.
        public var caCertificatePath: String?
        /// PEM client certificate and key, for brokers that require client certificates.
        public var clientCertificatePath: String?
        /// PEM private key of `clientCertificatePath`; give both or neither.
        public var clientKeyPath: String?
        /// Verify the broker's certificate chain (never turn off outside a test).
        public var verifyPeer: Bool
        /// Verify that the certificate names the host connected to.
        public var verifyHostname: Bool

        /// TLS settings; by default both the broker's certificate chain and its host name are verified.
        public init(
            caCertificatePath: String? = nil, clientCertificatePath: String? = nil,
            clientKeyPath: String? = nil, verifyPeer: Bool = true, verifyHostname: Bool = true
        ) {
            self.caCertificatePath = caCertificatePath
            self.clientCertificatePath = clientCertificatePath
            self.clientKeyPath = clientKeyPath
            self.verifyPeer = verifyPeer
            self.verifyHostname = verifyHostname
        }
    }

    /// The cluster's nodes in the order they are tried: on connect, and on every reconnect starting after the node
    /// just lost, the next is tried when one does not answer. Never empty.
    public var nodes: [Node]
    /// The first node's host name or IP address (an IPv6 address without its brackets).
    public var host: String {
        get { nodes[0].host }
        set { nodes[0].host = newValue }
    }
    /// The first node's TCP port: 5672 for amqp and 5671 for amqps unless the URL names another.
    public var port: Int {
        get { nodes[0].port }
        set { nodes[0].port = newValue }
    }
    /// The broker user to log in as; RabbitMQ refuses a published message whose `user_id` is not this user.
    public var user: String
    /// The broker user's password; kept out of logs and errors (`redactedURL` hides it).
    public var password: String
    /// The RabbitMQ virtual host to open (`/` is the default vhost).
    public var vhost: String
    /// Heartbeat interval asked of the broker, in seconds (0 disables heartbeats).
    public var heartbeat: Int
    /// The whole connect's limit, in seconds: name lookup, TCP, the TLS handshake, the login and the channel's
    /// opening share it. Afterwards, the limit of each call that waits for the broker's reply.
    public var connectTimeout: Double
    /// TLS settings; nil for plain TCP.
    public var tls: TLS?
    /// Name the connection shows in the broker's management tools.
    public var connectionName: String?

    /// Settings from their parts; a nil `port` picks 5672, or 5671 when `tls` is set.
    public init(
        host: String = "localhost", port: Int? = nil, user: String = "guest", password: String = "guest",
        vhost: String = "/", heartbeat: Int = 30, connectTimeout: Double = 10, tls: TLS? = nil,
        connectionName: String? = nil
    ) {
        self.nodes = [Node(host: host, port: port ?? (tls == nil ? 5672 : 5671))]
        self.user = user
        self.password = password
        self.vhost = vhost
        self.heartbeat = heartbeat
        self.connectTimeout = connectTimeout
        self.tls = tls
        self.connectionName = connectionName
    }

    /// Parses `amqp[s]://user:password@host:port/vhost?heartbeat=30&connection_timeout=10000&cacertfile=...`, or a
    /// comma-separated list of such URLs, one per node of a cluster, which may differ in host and port only.
    ///
    /// Query keys follow RabbitMQ's URI query parameters: `heartbeat` (s), `connection_timeout` (ms),
    /// `cacertfile`, `certfile`, `keyfile`, `verify` (`verify_peer` or `verify_none`), `server_name_indication`
    /// (`disable` turns off host name checking). An empty path means the default vhost `/`.
    public init(url: String) throws(AMQPError) {
        let urls = Self.split(list: url)
        guard urls.count > 1 else {
            try self.init(singleURL: url)
            return
        }
        try self.init(singleURL: urls[0])
        for (i, other) in urls.enumerated().dropFirst() {
            var node = try Self(singleURL: other)
            let extra = node.nodes[0]
            node.nodes = nodes
            guard node == self else {
                throw .invalidURL(
                    "broker URL \(i + 1) of \(urls.count) differs from the first in more than host and port: give every node the same user, password, vhost and options"
                )
            }
            guard !nodes.contains(extra) else { throw .invalidURL("node \(extra.host):\(extra.port) is listed twice: list each node once") }
            nodes.append(extra)
        }
    }

    /// Splits a list at each comma that starts another `amqp://` or `amqps://` URL, so a comma inside a password stays.
    private static func split(list: String) -> [String] {
        var parts: [String] = []
        var current = Substring(list)
        while let comma = current.indices.first(where: { i in
            current[i] == "," && ["amqp://", "amqps://"].contains { current[current.index(after: i)...].prefix(8).lowercased().hasPrefix($0) }
        }) {
            parts.append(String(current[..<comma]))
            current = current[current.index(after: comma)...]
        }
        parts.append(String(current))
        return parts
    }

    private init(singleURL url: String) throws(AMQPError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw .invalidURL("'\(Self.redacted(url))' has no scheme")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else {
            throw .invalidURL("unsupported scheme '\(scheme)'")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user = "guest"
        var password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let u = Self.percentDecoded(parts[0]) else { throw .invalidURL("bad percent-encoding in the user name") }
            user = u
            if parts.count == 2 {
                guard let p = Self.percentDecoded(parts[1]) else { throw .invalidURL("bad percent-encoding in the password") }
                password = p
            }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL("unclosed '[' in an IPv6 host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw .invalidURL("unexpected '\(after)' after the IPv6 host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .invalidURL("no host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:".contains($0) }) else {
            throw .invalidURL("'\(host)' is not a host name")
        }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .invalidURL("'\(portText)' is not a port number") }
            port = p
        }
        guard let vhostDecoded = Self.percentDecoded(path) else { throw .invalidURL("bad percent-encoding in the vhost") }
        let vhost = vhostDecoded.isEmpty ? "/" : vhostDecoded

        var tls: TLS? = scheme == "amqps" ? TLS() : nil
        var heartbeat = 30
        var timeout = 10.0
        // What the URL asks of TLS checking, settled after every parameter is read: the result must not depend on
        // their order, and turning peer verification off also turns host-name checking off.
        var verifyPeer = true
        var hostnameCheck = true
        var seen: Set<String> = []
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0])
            guard seen.insert(key).inserted else { throw .invalidURL("query parameter '\(key)' is given twice: give it once") }
            guard let value = kv.count == 2 ? Self.percentDecoded(kv[1]) : "" else {
                throw .invalidURL("bad percent-encoding in query parameter '\(key)'")
            }
            switch key {
            case "heartbeat":
                guard let h = Int(value), h >= 0 else { throw .invalidURL("heartbeat '\(value)' is not a number of seconds") }
                heartbeat = h
            case "connection_timeout":
                guard let ms = Double(value), ms > 0 else { throw .invalidURL("connection_timeout '\(value)' is not a number of milliseconds") }
                timeout = ms / 1000
            case "cacertfile", "certfile", "keyfile", "verify", "server_name_indication":
                guard tls != nil else { throw .invalidURL("'\(key)' needs an amqps:// URL") }
                switch key {
                case "cacertfile": tls?.caCertificatePath = value
                case "certfile": tls?.clientCertificatePath = value
                case "keyfile": tls?.clientKeyPath = value
                case "verify":
                    guard value == "verify_peer" || value == "verify_none" else {
                        throw .invalidURL("verify must be verify_peer or verify_none, not '\(value)'")
                    }
                    verifyPeer = value == "verify_peer"
                default: hostnameCheck = value != "disable"
                }
            default:
                throw .invalidURL("unknown query parameter '\(key)'")
            }
        }
        tls?.verifyPeer = verifyPeer
        tls?.verifyHostname = verifyPeer && hostnameCheck
        if let t = tls, (t.clientCertificatePath == nil) != (t.clientKeyPath == nil) {
            throw .invalidURL("certfile and keyfile must be given together")
        }
        self.init(
            host: String(host), port: port, user: user, password: password, vhost: vhost,
            heartbeat: heartbeat, connectTimeout: timeout, tls: tls)
    }

    /// How long a connection thread may block waiting for input: rabbitmq-c services heartbeats only inside
    /// its calls, so the thread must come back at least every heartbeat/2 (and at least once a second).
    var pollInterval: Double {
        heartbeat > 0 ? min(1, Double(heartbeat) / 2) : 1
    }

    /// The URL (one per node, comma-separated) with the password hidden, safe for logs and error messages.
    public var redactedURL: String {
        let scheme = tls == nil ? "amqp" : "amqps"
        let v = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost
        return nodes.map { n in
            let h = n.host.contains(":") ? "[\(n.host)]" : n.host
            return "\(scheme)://\(user):***@\(h):\(n.port)/\(v)"
        }.joined(separator: ",")
    }

    /// These settings with `node` as the only node: what one connection attempt uses.
    func only(_ node: Node) -> AMQPConnectionConfiguration {
        var c = self
        c.nodes = [node]
        return c
    }

    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        return "***" + url[at...]
    }

    private static func percentDecoded(_ s: Substring) -> String? {
        s.contains("%") ? String(s).removingPercentEncoding : String(s)
    }
}
