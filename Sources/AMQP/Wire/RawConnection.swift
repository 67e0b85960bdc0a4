import CRabbitMQ
import Foundation

/// One rabbitmq-c connection with one channel, confined to the thread that created it.
///
/// Every call blocks; callers run it on a dedicated thread. It maps rabbitmq-c's status codes and server
/// exceptions to `AMQPError`, answers the broker's close requests, and copies everything it returns into Swift
/// values so nothing points into rabbitmq-c's reusable buffers.
final class RawConnection {
    /// Something the broker sent that is not an RPC reply.
    enum Event {
        case ack(tag: UInt64, multiple: Bool)
        case nack(tag: UInt64, multiple: Bool)
        case returned(messageID: String?, exchange: String, routingKey: String, code: Int, text: String)
        case delivery(RawDelivery)
        case consumerCancelled
        case channelClosed(AMQPError)
        case blocked(String)
        case unblocked
    }

    /// A delivery copied out of rabbitmq-c.
    struct RawDelivery {
        var deliveryTag: UInt64
        var redelivered: Bool
        var exchange: String
        var routingKey: String
        var properties: AMQPProperties
        var body: Data
    }

    let configuration: AMQPConnectionConfiguration
    private let state: amqp_connection_state_t
    let channel: amqp_channel_t = 1
    private(set) var isOpen = false
    private(set) var channelIsOpen = false
    private let arena = CArena()

    /// Opens the socket (TLS if configured), logs in and opens channel 1, all within the connect timeout.
    init(_ configuration: AMQPConnectionConfiguration) throws(AMQPError) {
        self.configuration = configuration
        guard let state = amqp_new_connection() else { throw .library("cannot allocate a connection") }
        self.state = state
        // If this throws, deinit still runs (every stored property is set) and destroys the state: no
        // destroy here, or it would be freed twice.
        try open()
    }

    deinit {
        if isOpen {
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        amqp_destroy_connection(state)
    }

    private func open() throws(AMQPError) {
        let c = configuration
        let deadline = ConnectDeadline(limit: c.connectTimeout)
        // Looked up within the deadline. Plain TCP connects to the address found; TLS needs the name itself (the
        // certificate is checked against it), so rabbitmq-c looks it up again, now answered at once as a rule.
        let address = try HostLookup.address(of: c.host, port: c.port, within: deadline.remaining(for: "name lookup", host: c.host, port: c.port))
        let socket: OpaquePointer?
        if let tls = c.tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw .library("cannot create a TLS socket") }
            if let ca = tls.caCertificatePath {
                guard amqp_ssl_socket_set_cacert(socket, ca) == AMQP_STATUS_OK.rawValue else {
                    throw .tlsFailed(host: c.host, port: c.port, reason: "cannot read CA file '\(ca)'")
                }
            }
            if let cert = tls.clientCertificatePath, let key = tls.clientKeyPath {
                guard amqp_ssl_socket_set_key(socket, cert, key) == AMQP_STATUS_OK.rawValue else {
                    throw .tlsFailed(host: c.host, port: c.port, reason: "cannot read client certificate '\(cert)' or key '\(key)'")
                }
            }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
        } else {
            socket = amqp_tcp_socket_new(state)
            guard socket != nil else { throw .library("cannot create a socket") }
        }
        var timeout = timeval(seconds: try deadline.remaining(for: "the TCP connection", host: c.host, port: c.port))
        let status = amqp_socket_open_noblock(socket, c.tls == nil ? address : c.host, Int32(c.port), &timeout)
        if status != AMQP_STATUS_OK.rawValue {
            let reason = Self.statusText(status)
            switch status {
            case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue,
                AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
                throw .tlsFailed(host: c.host, port: c.port, reason: reason)
            case AMQP_STATUS_TIMEOUT.rawValue:
                throw .unreachable(host: c.host, port: c.port, reason: "no answer within \(c.connectTimeout) s")
            default:
                throw .unreachable(host: c.host, port: c.port, reason: reason)
            }
        }
        // The login's frames and the channel's opening share what is left.
        timeout = timeval(seconds: try deadline.remaining(for: "the AMQP handshake", host: c.host, port: c.port))
        _ = amqp_set_handshake_timeout(state, &timeout)
        _ = amqp_set_rpc_timeout(state, &timeout)
        let reply = refgw_amqp_login_plain(state, c.vhost, 0, 131072, Int32(c.heartbeat), c.user, c.password)
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            let error = mapReply(reply, context: "login")
            switch error {
            case .connectionClosed(403, _), .accessRefused:
                throw .authenticationFailed(user: c.user)
            case .connectionClosed(530, _):
                throw .vhostAccessDenied(user: c.user, vhost: c.vhost)
            case .connectionLost:
                // RabbitMQ closes the socket without a reason when a client does not ask for one.
                throw .authenticationFailed(user: c.user)
            case .timedOut:
                throw .unreachable(host: c.host, port: c.port, reason: "no AMQP handshake within \(c.connectTimeout) s (is this an AMQP port?)")
            default:
                throw error
            }
        }
        isOpen = true
        timeout = timeval(seconds: try deadline.remaining(for: "the channel's opening", host: c.host, port: c.port))
        _ = amqp_set_rpc_timeout(state, &timeout)
        try openChannel()
        // From now on the RPC timeout protects each call against a broker that stops answering.
        var perCall = timeval(seconds: c.connectTimeout)
        _ = amqp_set_rpc_timeout(state, &perCall)
    }

    /// Opens (or reopens after the broker closed it) the connection's channel.
    func openChannel() throws(AMQPError) {
        _ = amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "channel.open")
        channelIsOpen = true
    }

    /// The socket's file descriptor, for `poll`.
    var socketFD: Int32 { amqp_get_sockfd(state) }

    /// Whether rabbitmq-c holds bytes or frames not yet handed out (so `poll` on the socket would be wrong).
    var hasBufferedInput: Bool { amqp_data_in_buffer(state) != 0 || amqp_frames_enqueued(state) != 0 }

    /// Closes politely; errors are ignored because the connection is going away anyway.
    func close() {
        guard isOpen else { return }
        isOpen = false
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
    }

    // MARK: Topology and queue management

    func declare(_ topology: AMQPTopology) throws(AMQPError) {
        for e in topology.exchanges {
            defer { arena.reset() }
            _ = amqp_exchange_declare(
                state, channel, arena.bytes(e.name), arena.bytes(e.kind.rawValue), 0,
                e.durable ? 1 : 0, 0, e.internal ? 1 : 0, arena.table(e.arguments))
            try check(amqp_get_rpc_reply(state), "declaring exchange '\(e.name)'")
        }
        for q in topology.queues {
            _ = try declareQueue(q, passive: false)
        }
        for b in topology.bindings {
            defer { arena.reset() }
            _ = amqp_queue_bind(
                state, channel, arena.bytes(b.queue), arena.bytes(b.exchange),
                arena.bytes(b.routingKey), arena.table(b.arguments))
            try check(amqp_get_rpc_reply(state), "binding queue '\(b.queue)' to '\(b.exchange)'")
        }
    }

    /// Declares a queue; returns its message and consumer counts.
    func declareQueue(_ q: AMQPTopology.Queue, passive: Bool) throws(AMQPError) -> (messages: UInt32, consumers: UInt32) {
        defer { arena.reset() }
        let ok = amqp_queue_declare(
            state, channel, arena.bytes(q.name), passive ? 1 : 0, q.durable ? 1 : 0,
            q.exclusive ? 1 : 0, q.autoDelete ? 1 : 0,
            passive ? amqp_table_t(num_entries: 0, entries: nil) : arena.table(q.arguments))
        try check(amqp_get_rpc_reply(state), "declaring queue '\(q.name)'")
        guard let ok else { return (0, 0) }
        return (ok.pointee.message_count, ok.pointee.consumer_count)
    }

    func deleteQueue(_ name: String) throws(AMQPError) {
        defer { arena.reset() }
        _ = amqp_queue_delete(state, channel, arena.bytes(name), 0, 0)
        try check(amqp_get_rpc_reply(state), "deleting queue '\(name)'")
    }

    func deleteExchange(_ name: String) throws(AMQPError) {
        defer { arena.reset() }
        _ = amqp_exchange_delete(state, channel, arena.bytes(name), 0)
        try check(amqp_get_rpc_reply(state), "deleting exchange '\(name)'")
    }

    func purgeQueue(_ name: String) throws(AMQPError) -> UInt32 {
        defer { arena.reset() }
        let ok = amqp_queue_purge(state, channel, arena.bytes(name))
        try check(amqp_get_rpc_reply(state), "purging queue '\(name)'")
        return ok?.pointee.message_count ?? 0
    }

    /// Takes one message with `basic.get` (not acknowledged: the caller settles it), or nil when the queue is empty.
    func get(queue: String) throws(AMQPError) -> RawDelivery? {
        defer { arena.reset() }
        let reply = amqp_basic_get(state, channel, arena.bytes(queue), 0)
        try check(reply, "basic.get on '\(queue)'")
        guard reply.reply.id == REFGW_BASIC_GET_OK, let decoded = reply.reply.decoded else { return nil }
        let ok = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let tag = ok.delivery_tag
        let redelivered = ok.redelivered != 0
        let exchange = ok.exchange.string
        let key = ok.routing_key.string
        let (properties, body) = try readContent()
        return RawDelivery(
            deliveryTag: tag, redelivered: redelivered, exchange: exchange, routingKey: key,
            properties: properties, body: body)
    }

    // MARK: Publishing

    func selectConfirms() throws(AMQPError) {
        _ = amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
    }

    /// Writes one message to the socket; a failure here means the connection is gone.
    func publish(_ m: OutgoingMessage) throws(AMQPError) {
        defer { arena.reset() }
        var props = amqp_basic_properties_t(m.properties, arena: arena)
        let exchange = arena.bytes(m.exchange)
        let key = arena.bytes(m.routingKey)
        let status = m.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, channel, exchange, key, m.mandatory ? 1 : 0, 0, &props,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw .connectionLost(Self.statusText(status))
        }
    }

    /// Runs `body`, which writes several messages, with the socket corked: rabbitmq-c sends each message's frames
    /// itself and pushes them out at once, so without this every message is its own TCP segment and wakes the
    /// broker's reader once. Corked, they leave in full segments when the batch is written.
    func corked(if many: Bool, _ body: () throws(AMQPError) -> Void) throws(AMQPError) {
        let fd = socketFD
        // A socket that cannot be corked (not TCP) is written as before; one message needs no corking.
        let isCorked = many && fd >= 0 && refgw_set_cork(fd, 1) == 0
        defer { if isCorked { _ = refgw_set_cork(fd, 0) } }
        try body()
    }

    // MARK: Consuming

    func setPrefetch(_ count: UInt16) throws(AMQPError) {
        _ = amqp_basic_qos(state, channel, 0, count, 0)
        try check(amqp_get_rpc_reply(state), "basic.qos")
    }

    /// Starts a consumer; returns its tag.
    func consume(queue: String, arguments: AMQPFieldTable = [:]) throws(AMQPError) -> String {
        defer { arena.reset() }
        let ok = amqp_basic_consume(
            state, channel, arena.bytes(queue), amqp_bytes_t(len: 0, bytes: nil), 0, 0, 0,
            arena.table(arguments))
        try check(amqp_get_rpc_reply(state), "consuming from '\(queue)'")
        return ok?.pointee.consumer_tag.string ?? ""
    }

    func cancel(consumerTag: String) throws(AMQPError) {
        defer { arena.reset() }
        _ = amqp_basic_cancel(state, channel, arena.bytes(consumerTag))
        try check(amqp_get_rpc_reply(state), "basic.cancel")
    }

    func ack(_ tag: UInt64, multiple: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_ack(state, channel, tag, multiple ? 1 : 0))
    }

    func nack(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_nack(state, channel, tag, 0, requeue ? 1 : 0))
    }

    func reject(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_reject(state, channel, tag, requeue ? 1 : 0))
    }

    // MARK: Events

    /// Reads the next asynchronous event, waiting at most `timeout` seconds; nil when nothing arrived.
    /// Also sends heartbeats when due and notices missed ones.
    func nextEvent(timeout: Double) throws(AMQPError) -> Event? {
        while true {
            var frame = amqp_frame_t()
            var tv = timeval(seconds: timeout)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &tv)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            guard status == AMQP_STATUS_OK.rawValue else {
                isOpen = false
                throw .connectionLost(Self.statusText(status))
            }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            let method = frame.payload.method
            let decoded = method.decoded
            switch method.id {
            case REFGW_BASIC_ACK:
                let m = decoded!.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                return .ack(tag: m.delivery_tag, multiple: m.multiple != 0)
            case REFGW_BASIC_NACK:
                let m = decoded!.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                return .nack(tag: m.delivery_tag, multiple: m.multiple != 0)
            case REFGW_BASIC_RETURN:
                let m = decoded!.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
                let exchange = m.exchange.string
                let key = m.routing_key.string
                let code = Int(m.reply_code)
                let text = m.reply_text.string
                let (properties, _) = try readContent()
                return .returned(messageID: properties.messageID, exchange: exchange, routingKey: key, code: code, text: text)
            case REFGW_BASIC_DELIVER:
                let m = decoded!.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
                let tag = m.delivery_tag
                let redelivered = m.redelivered != 0
                let exchange = m.exchange.string
                let key = m.routing_key.string
                let (properties, body) = try readContent()
                return .delivery(
                    RawDelivery(
                        deliveryTag: tag, redelivered: redelivered, exchange: exchange,
                        routingKey: key, properties: properties, body: body))
            case REFGW_BASIC_CANCEL:
                return .consumerCancelled
            case REFGW_CHANNEL_CLOSE:
                let m = decoded!.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let error = Self.channelError(code: Int(m.reply_code), text: m.reply_text.string)
                var ok = amqp_channel_close_ok_t()
                _ = amqp_send_method(state, channel, REFGW_CHANNEL_CLOSE_OK, &ok)
                channelIsOpen = false
                return .channelClosed(error)
            case REFGW_CONNECTION_CLOSE:
                let m = decoded!.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let code = Int(m.reply_code)
                let text = m.reply_text.string
                var ok = amqp_connection_close_ok_t()
                _ = amqp_send_method(state, 0, REFGW_CONNECTION_CLOSE_OK, &ok)
                isOpen = false
                throw .connectionClosed(code: code, text: text)
            case REFGW_CONNECTION_BLOCKED:
                let m = decoded!.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
                return .blocked(m.reason.string)
            case REFGW_CONNECTION_UNBLOCKED:
                return .unblocked
            default:
                continue
            }
        }
    }

    /// Reads the content header and body frames that follow a deliver, return or get-ok.
    private func readContent() throws(AMQPError) -> (AMQPProperties, Data) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        defer { amqp_destroy_message(&message) }
        try check(reply, "reading message content")
        return (message.properties.swiftProperties, message.body.data)
    }

    /// Releases rabbitmq-c's frame memory when nothing is pending.
    func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }

    // MARK: Error mapping

    private func checkStatus(_ status: Int32) throws(AMQPError) {
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw .connectionLost(Self.statusText(status))
        }
    }

    private func check(_ reply: amqp_rpc_reply_t, _ context: String) throws(AMQPError) {
        guard reply.reply_type != AMQP_RESPONSE_NORMAL else { return }
        throw mapReply(reply, context: context)
    }

    private func mapReply(_ reply: amqp_rpc_reply_t, context: String) -> AMQPError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            if status == AMQP_STATUS_TIMEOUT.rawValue {
                isOpen = false
                return .timedOut("\(context): the broker did not answer")
            }
            isOpen = false
            return .connectionLost("\(context): \(Self.statusText(status))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case REFGW_CONNECTION_CLOSE:
                let m = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let code = Int(m.reply_code)
                let text = m.reply_text.string
                var ok = amqp_connection_close_ok_t()
                _ = amqp_send_method(state, 0, REFGW_CONNECTION_CLOSE_OK, &ok)
                isOpen = false
                return .connectionClosed(code: code, text: text)
            case REFGW_CHANNEL_CLOSE:
                let m = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let error = Self.channelError(code: Int(m.reply_code), text: m.reply_text.string)
                var ok = amqp_channel_close_ok_t()
                _ = amqp_send_method(state, channel, REFGW_CHANNEL_CLOSE_OK, &ok)
                channelIsOpen = false
                return error
            default:
                return .library("\(context): unexpected server method \(reply.reply.id)")
            }
        default:
            return .library("\(context): no reply")
        }
    }

    static func channelError(code: Int, text: String) -> AMQPError {
        code == 403 ? .accessRefused(text) : .channelClosed(code: code, text: text)
    }

    static func statusText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }
}

extension timeval {
    init(seconds: Double) {
        let s = max(0, seconds)
        self.init(tv_sec: Int(s), tv_usec: Int((s - s.rounded(.down)) * 1_000_000))
    }
}
