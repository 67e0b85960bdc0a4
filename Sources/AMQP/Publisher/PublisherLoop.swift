import Foundation
import Logging

/// The publisher's thread: owns the connection, publishes within the window, reads confirms and returns.
final class PublisherLoop: ConnectionLoop {
    private struct InFlight {
        var request: PublishRequest
        var returned: AMQPError?
    }

    private let core: PublisherCore
    private var connection: RawConnection?
    /// The cluster node to try first on the next connect: after a loss, the one after the node lost.
    private var nextNode = 0
    private var inFlight: [UInt64: InFlight] = [:]
    private var nextTag: UInt64 = 1
    private var lowestTag: UInt64 = 1
    private var lastExpiryCheck = ContinuousClock.now
    /// Messages that were in flight when the broker closed the channel. The close does not say which message
    /// caused it (quorum queues confirm asynchronously, so earlier messages may be unconfirmed too), so these
    /// are sent again one at a time: the one that closes the channel alone is the culprit.
    private var suspects = 0

    private var window: Int { suspects > 0 ? 1 : core.options.window }

    init(core: PublisherCore) {
        self.core = core
    }

    func finish(startError: AMQPError?) {
        connection?.close()
        connection = nil
        core.connectionState.closed()
        failAllInFlight(.shutDown)
        core.finish()
    }

    /// One turn of the loop; false when the publisher is done.
    func step() -> Bool {
        let (batch, moreQueued, shuttingDown) = core.take(limit: max(0, window - inFlight.count))
        guard let conn = connection else {
            core.putBack(batch)
            return reconnect()
        }
        do throws(AMQPError) {
            try conn.corked(if: batch.count > 1) { () throws(AMQPError) in
                for (i, request) in batch.enumerated() {
                    if request.deadline <= .now {
                        request.complete(.failure(.timedOut("no confirm from the broker within \(core.options.confirmTimeout) s")))
                        continue
                    }
                    do throws(AMQPError) {
                        try conn.publish(request.message)
                    } catch {
                        core.putBack(Array(batch[i...]))
                        throw error
                    }
                    inFlight[nextTag] = InFlight(request: request)
                    nextTag += 1
                }
            }
        } catch {
            connectionLost(error)
            return true
        }
        if shuttingDown && inFlight.isEmpty && !moreQueued {
            return false
        }
        if batch.isEmpty || !moreQueued || inFlight.count >= window {
            if !conn.hasBufferedInput {
                let ready = waitForInput(socket: conn.socketFD, wakeup: core.wakeup, timeout: core.configuration.pollInterval)
                if ready.wakeup { core.wakeup.drain() }
            }
        }
        do {
            try readEvents(conn)
        } catch {
            connectionLost(error)
        }
        expireIfDue()
        return true
    }

    private func readEvents(_ conn: RawConnection) throws(AMQPError) {
        while let event = try conn.nextEvent(timeout: 0) {
            switch event {
            case .ack(let tag, let multiple):
                settle(upTo: tag, multiple: multiple) { $0.returned.map { .failure($0) } ?? .success(()) }
            case .nack(let tag, let multiple):
                settle(upTo: tag, multiple: multiple) { .failure(.nacked(messageID: $0.request.message.properties.messageID)) }
            case .returned(let id, let exchange, let key, let code, let text):
                if let tag = (lowestTag..<nextTag).first(where: {
                    inFlight[$0]?.returned == nil && inFlight[$0]?.request.message.properties.messageID == id
                }) {
                    inFlight[tag]?.returned = .unroutable(messageID: id, exchange: exchange, routingKey: key, code: code, text: text)
                }
            case .channelClosed(let error):
                if inFlight.count == 1, let (tag, entry) = inFlight.first {
                    inFlight.removeValue(forKey: tag)
                    suspects = max(0, suspects - 1)
                    core.logger.warning("publish refused by the broker", metadata: ["error": "\(error)"])
                    entry.request.complete(.failure(error))
                } else {
                    suspects = inFlight.count
                }
                requeueInFlight()
                try conn.openChannel()
                try conn.selectConfirms()
            case .blocked(let reason):
                core.logger.warning("broker blocked publishing", metadata: ["reason": "\(reason)"])
            case .unblocked:
                core.logger.info("broker unblocked publishing")
            case .delivery, .consumerCancelled:
                break
            }
        }
        conn.releaseBuffers()
    }

    private func settle(upTo tag: UInt64, multiple: Bool, _ outcome: (InFlight) -> Result<Void, AMQPError>) {
        var settled = 0
        if multiple {
            var t = lowestTag
            while t <= tag {
                if let entry = inFlight.removeValue(forKey: t) {
                    entry.request.complete(outcome(entry))
                    settled += 1
                }
                t += 1
            }
        } else if let entry = inFlight.removeValue(forKey: tag) {
            entry.request.complete(outcome(entry))
            settled = 1
        }
        suspects = max(0, suspects - settled)
        while lowestTag < nextTag && inFlight[lowestTag] == nil { lowestTag += 1 }
    }

    func connect() throws(AMQPError) {
        let (conn, node) = try RawConnection.open(core.configuration, from: nextNode)
        nextNode = node + 1
        try conn.declare(core.topology)
        try conn.selectConfirms()
        connection = conn
        core.connectionState.connected()
        nextTag = 1
        lowestTag = 1
    }

    /// Moves unconfirmed messages back to the head of the queue, oldest first, to be sent again.
    private func requeueInFlight() {
        let pending = inFlight.sorted { $0.key < $1.key }.map(\.value.request)
        inFlight.removeAll()
        nextTag = 1
        lowestTag = 1
        core.putBack(pending)
    }

    private func connectionLost(_ error: AMQPError) {
        core.logger.warning(
            "publisher lost its connection; reconnecting",
            metadata: ["broker": "\(connection?.configuration.redactedURL ?? core.configuration.redactedURL)", "error": "\(error)"])
        connection?.close()
        connection = nil
        core.connectionState.lost()
        requeueInFlight()
    }

    /// Reconnects with backoff; false when shut down meanwhile with nothing left to send.
    private func reconnect() -> Bool {
        var attempt = 0
        while true {
            let (stop, empty) = core.shared.withLock { ($0.shuttingDown, $0.queue.isEmpty) }
            if stop && empty { return false }
            core.expireQueued(now: .now)
            do {
                try connect()
                core.logger.info("publisher reconnected", metadata: ["broker": "\(connection?.configuration.redactedURL ?? "")"])
                return true
            } catch {
                let delay = core.options.reconnect.delay(beforeAttempt: attempt)
                core.logger.warning(
                    "publisher cannot reconnect yet",
                    metadata: ["error": "\(error)", "retry_in_s": "\(String(format: "%.2f", delay))"])
                attempt += 1
                let ready = waitForInput(socket: core.wakeup.readFD, wakeup: nil, timeout: delay)
                if ready.socket { core.wakeup.drain() }
            }
        }
    }

    private func expireIfDue() {
        let now = ContinuousClock.now
        guard now - lastExpiryCheck > .milliseconds(200) else { return }
        lastExpiryCheck = now
        core.expireQueued(now: now)
        let expired = inFlight.filter { $0.value.request.deadline <= now }
        for (tag, entry) in expired {
            inFlight.removeValue(forKey: tag)
            entry.request.complete(.failure(.timedOut("no confirm from the broker within \(core.options.confirmTimeout) s")))
        }
        while lowestTag < nextTag && inFlight[lowestTag] == nil { lowestTag += 1 }
    }

    private func failAllInFlight(_ error: AMQPError) {
        for (_, entry) in inFlight { entry.request.complete(.failure(error)) }
        inFlight.removeAll()
    }
}
