/// Everything that can go wrong talking to the broker, each with a one-line description naming the problem
/// and what to do about it.
public enum AMQPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection URL could not be understood.
    case invalidURL(String)
    /// No TCP (or TLS) connection could be made to the broker.
    case unreachable(host: String, port: Int, reason: String)
    /// The TLS handshake failed (unknown CA, bad certificate, expired certificate...).
    case tlsFailed(host: String, port: Int, reason: String)
    /// The broker refused the user name or password.
    case authenticationFailed(user: String)
    /// The user has no access to the virtual host, or it does not exist.
    case vhostAccessDenied(user: String, vhost: String)
    /// The broker refused an operation on a resource (`ACCESS_REFUSED`, code 403).
    case accessRefused(String)
    /// The broker closed the channel (e.g. a missing exchange, a queue declared with other arguments).
    case channelClosed(code: Int, text: String)
    /// The broker closed the connection.
    case connectionClosed(code: Int, text: String)
    /// Every node of a cluster was tried and none took the connection; one failure per node, in the order tried.
    case noNodeAnswered([AMQPError])
    /// The connection was lost (socket error, missed heartbeats).
    case connectionLost(String)
    /// A step did not finish in time.
    case timedOut(String)
    /// The broker did not take responsibility for a published message (`basic.nack`).
    case nacked(messageID: String?)
    /// A mandatory message could not be routed to any queue (`basic.return`).
    case unroutable(messageID: String?, exchange: String, routingKey: String, code: Int, text: String)
    /// The publisher or consumer was shut down before the operation could finish.
    case shutDown
    /// rabbitmq-c reported an error the other cases do not describe.
    case library(String)

    /// The one-line message for logs and operators: what went wrong and what to check or do about it.
    public var description: String {
        switch self {
        case .invalidURL(let why):
            return "invalid broker URL: \(why) (expected amqp://user:password@host:port/vhost or amqps://...)"
        case .unreachable(let host, let port, let reason):
            return "cannot reach the broker at \(host):\(port): \(reason); check the host, the port and that RabbitMQ is running"
        case .tlsFailed(let host, let port, let reason):
            return "TLS handshake with \(host):\(port) failed: \(reason); check the CA file and the certificates"
        case .authenticationFailed(let user):
            return "the broker refused the login of user '\(user)': check the user name and password"
        case .vhostAccessDenied(let user, let vhost):
            return
                "user '\(user)' has no access to virtual host '\(vhost)' (or it does not exist): check the vhost in the URL and the user's permissions"
        case .accessRefused(let text):
            return "the broker refused access: \(text)"
        case .channelClosed(let code, let text):
            return "the broker closed the channel (\(code)): \(text)"
        case .connectionClosed(let code, let text):
            return "the broker closed the connection (\(code)): \(text)"
        case .noNodeAnswered(let failures):
            return "no broker node answered (\(failures.count) tried): " + failures.map(\.description).joined(separator: " | ")
        case .connectionLost(let why):
            return "connection to the broker lost: \(why)"
        case .timedOut(let what):
            return "timed out: \(what)"
        case .nacked(let id):
            return "the broker did not accept message \(id ?? "(no id)") (nack); it was not stored and must be sent again"
        case .unroutable(let id, let exchange, let key, let code, let text):
            return
                "message \(id ?? "(no id)") could not be routed from exchange '\(exchange)' with key '\(key)' (\(code) \(text)); no queue is bound for it"
        case .shutDown:
            return "the AMQP client was shut down before the operation finished"
        case .library(let text):
            return "rabbitmq-c error: \(text)"
        }
    }

    /// Whether a new connection may succeed where this one failed (true for transient network problems).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .connectionLost, .timedOut, .connectionClosed, .noNodeAnswered: return true
        default: return false
        }
    }
}
