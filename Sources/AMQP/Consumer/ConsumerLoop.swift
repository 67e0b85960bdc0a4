import Foundation
import Logging

/// The consumer's thread: owns the connection, hands deliveries to the stream, sends settlements.
final class ConsumerLoop: ConnectionLoop {
    private let core: ConsumerCore
    private var connection: RawConnection?
    /// The cluster node to try first on the next connect: after a loss, the one after the node lost.
    private var nextNode = 0
    private var generation = 0
    private var ledger = DeliveryLedger()
    private var consumerTag: String?
    private var receiving = true

    /// Deliveries read per turn before settlements are sent again, so acks keep flowing under load.
    private let eventsPerTurn = 64

    init(core: ConsumerCore) {
        self.core = core
    }

    func finish(startError: AMQPError?) {
        connection?.close()
        connection = nil
        core.connectionState.closed()
        core.markClosed()
    }

    func step() -> Bool {
        let (settlements, stop, close) = core.take()
        if close {
            // Settlements the application made before closing still count.
            if let conn = connection { try? send(settlements, on: conn) }
            return false
        }
        guard let conn = connection else {
            if !receiving {
                // Stopped: nothing to reconnect for; wait to be closed.
                _ = waitForInput(socket: core.wakeup.readFD, wakeup: nil, timeout: core.configuration.pollInterval)
                core.wakeup.drain()
                return true
            }
            return reconnect()
        }
        do {
            try send(settlements, on: conn)
            if stop && receiving {
                receiving = false
                if let tag = consumerTag { try conn.cancel(consumerTag: tag) }
                consumerTag = nil
                // Deliveries that raced the cancel are still handed out; the stream ends after them.
                try readEvents(conn, limit: .max)
                core.markStopped()
                return true
            }
            if !conn.hasBufferedInput {
                let ready = waitForInput(socket: conn.socketFD, wakeup: core.wakeup, timeout: core.configuration.pollInterval)
                if ready.wakeup { core.wakeup.drain() }
            }
            try readEvents(conn, limit: eventsPerTurn)
        } catch {
            connectionLost(error)
        }
        return true
    }

    private func send(_ settlements: [Settlement], on conn: RawConnection) throws(AMQPError) {
        guard !settlements.isEmpty else { return }
        for s in settlements where s.generation == generation {
            switch s.kind {
            case .ack:
                _ = ledger.acknowledge(s.tag)
            case .nack(let requeue):
                if ledger.settle(s.tag) { try conn.nack(s.tag, requeue: requeue) }
            case .reject(let requeue):
                if ledger.settle(s.tag) { try conn.reject(s.tag, requeue: requeue) }
            }
        }
        let flush = ledger.flush()
        if let upTo = flush.multipleUpTo { try conn.ack(upTo, multiple: true) }
        for tag in flush.singles { try conn.ack(tag, multiple: false) }
    }

    private func readEvents(_ conn: RawConnection, limit: Int) throws(AMQPError) {
        var n = 0
        var read: [AMQPDelivery] = []
        defer { core.emit(read) }
        while n < limit, let event = try conn.nextEvent(timeout: 0) {
            n += 1
            switch event {
            case .delivery(let d):
                ledger.delivered(d.deliveryTag)
                read.append(
                    AMQPDelivery(
                        exchange: d.exchange, routingKey: d.routingKey, redelivered: d.redelivered,
                        properties: d.properties, body: d.body, deliveryTag: d.deliveryTag,
                        generation: generation, settler: core))
            case .consumerCancelled:
                // The queue was deleted or its leader moved: subscribe again on a fresh connection.
                throw .channelClosed(code: 0, text: "the broker cancelled the consumer of '\(core.queue)'")
            case .channelClosed(let error):
                throw error
            case .blocked, .unblocked, .ack, .nack, .returned:
                break
            }
        }
        conn.releaseBuffers()
    }

    func connect() throws(AMQPError) {
        let (conn, node) = try RawConnection.open(core.configuration, from: nextNode)
        nextNode = node + 1
        try conn.declare(core.topology)
        try conn.setPrefetch(core.options.prefetch)
        consumerTag = try conn.consume(queue: core.queue)
        generation += 1
        ledger = DeliveryLedger()
        connection = conn
        core.connectionState.connected()
    }

    private func connectionLost(_ error: AMQPError) {
        core.logger.warning(
            "consumer lost its connection; unacknowledged deliveries will come again",
            metadata: ["queue": "\(core.queue)", "error": "\(error)"])
        connection?.close()
        connection = nil
        consumerTag = nil
        generation += 1
        core.connectionState.lost()
    }

    private func reconnect() -> Bool {
        var attempt = 0
        while true {
            let (_, stop, close) = core.take()
            if close { return false }
            if stop {
                receiving = false
                core.markStopped()
                return true
            }
            do {
                try connect()
                core.logger.info(
                    "consumer reconnected", metadata: ["queue": "\(core.queue)", "broker": "\(connection?.configuration.redactedURL ?? "")"])
                return true
            } catch {
                let delay = core.options.reconnect.delay(beforeAttempt: attempt)
                core.logger.warning(
                    "consumer cannot reconnect yet",
                    metadata: ["queue": "\(core.queue)", "error": "\(error)"])
                attempt += 1
                _ = waitForInput(socket: core.wakeup.readFD, wakeup: nil, timeout: delay)
                core.wakeup.drain()
            }
        }
    }
}
