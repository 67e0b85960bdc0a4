import Foundation
import TestSupport
import Testing

@testable import AMQP

#if canImport(Glibc)
import Glibc
#endif

/// Every way a connection can fail gives a one-line error naming the problem, within the connect timeout.
@Suite(.needsBroker) struct ConnectErrorTests {
    private func connectError(_ url: String) async -> AMQPError? {
        do {
            let admin = try await AMQPAdminClient(configuration: try AMQPConnectionConfiguration(url: url))
            await admin.close()
            return nil
        } catch {
            return error
        }
    }

    private var port: String { TestBroker.env("REFGW_AMQP_PORT") }
    private var password: String { TestBroker.env("REFGW_ADMIN_PASSWORD") }

    @Test func wrongPassword() async {
        let e = await connectError("amqp://refgw-admin:not-the-password@127.0.0.1:\(port)/")
        #expect(e == .authenticationFailed(user: "refgw-admin"))
        #expect(e?.description.contains("password") == true)
    }

    @Test func vhostWithoutAccess() async {
        let e = await connectError("amqp://refgw-admin:\(password)@127.0.0.1:\(port)/refgw-locked")
        #expect(e == .vhostAccessDenied(user: "refgw-admin", vhost: "refgw-locked"))
    }

    @Test func vhostThatDoesNotExist() async {
        let e = await connectError("amqp://refgw-admin:\(password)@127.0.0.1:\(port)/no-such-vhost")
        #expect(e == .vhostAccessDenied(user: "refgw-admin", vhost: "no-such-vhost"))
    }

    @Test func nothingListening() async throws {
        // A bound socket that does not listen refuses connections, and holding it keeps the port from being
        // handed to a parallel test's listener.
        let (fd, closedPort) = try Self.bound()
        defer { close(fd) }
        let e = await connectError("amqp://u:p@127.0.0.1:\(closedPort)/?connection_timeout=3000")
        guard case .unreachable(_, let p, let reason)? = e else {
            Issue.record("got \(String(describing: e))")
            return
        }
        #expect(p == closedPort)
        #expect(reason.lowercased().contains("refused") || reason.lowercased().contains("socket"), "\(reason)")
    }

    @Test("a node that is down is passed over for the next in the list; when none answers, each one's failure is named")
    func listedNodesAreTriedInTurn() async throws {
        let (fd, closedPort) = try Self.bound()
        defer { close(fd) }
        let live = "amqp://refgw-admin:\(password)@127.0.0.1:\(port)/"
        let dead = "amqp://refgw-admin:\(password)@127.0.0.1:\(closedPort)/"
        #expect(await connectError("\(dead),\(live)") == nil)
        guard case .noNodeAnswered(let failures)? = await connectError("\(dead),\(dead.replacingOccurrences(of: "127.0.0.1", with: "localhost"))")
        else {
            Issue.record("two dead nodes connected, or failed otherwise")
            return
        }
        #expect(failures.count == 2 && failures.allSatisfy(\.isTransient))
        // A refusal every node would give alike is not hidden behind the next node's.
        let wrong = live.replacingOccurrences(of: password, with: "not-the-password")
        #expect(
            await connectError("\(wrong),\(wrong.replacingOccurrences(of: "127.0.0.1", with: "localhost"))")
                == .authenticationFailed(user: "refgw-admin"))
    }

    // The time is measured on the thread that connects, which blocks in `poll` for the deadline: what the test's
    // own task sees also includes waiting for a thread of the concurrency pool, which CPU-bound suites beside it
    // hold (24 s for a 1.5 s timeout, once). The bound is the deadline itself, with a second's grace.
    @Test func aPortThatNeverSpeaksAMQPTimesOutAtTheDeadline() async throws {
        // A listening socket that never accepts: TCP connects, the AMQP handshake never comes.
        let (fd, silentPort) = try Self.silentListener()
        defer { close(fd) }
        let configuration = try AMQPConnectionConfiguration(url: "amqp://u:p@127.0.0.1:\(silentPort)/?connection_timeout=1500")
        let (error, seconds) = await Self.connectOnAThreadOfItsOwn(configuration)
        guard case .unreachable(_, _, let reason)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(reason.contains("handshake") || reason.contains("no answer") || reason.contains("ran out"), "\(reason)")
        #expect(seconds >= 1.4 && seconds < 2.5, "the connect gave up after \(seconds) s for a deadline of 1.5 s")
    }

    @Test func theDeadlineIsSharedByTheSteps() throws {
        let start = ContinuousClock.now
        let d = ConnectDeadline(limit: 2, from: start)
        #expect(abs((d.remaining(at: start + .milliseconds(500)) ?? 0) - 1.5) < 0.001)
        #expect(d.remaining(at: start + .seconds(2)) == nil)
        #expect(throws: AMQPError.self) { try d.remaining(for: "the AMQP handshake", host: "h", port: 1, at: start + .seconds(3)) }
        do { _ = try d.remaining(for: "the AMQP handshake", host: "h", port: 1, at: start + .seconds(3)) } catch {
            #expect(error.description.contains("before the AMQP handshake"), "\(error)")
        }
    }

    /// Connects on a dedicated thread, as the client's loops do; the error and the seconds it took there.
    static func connectOnAThreadOfItsOwn(_ configuration: AMQPConnectionConfiguration) async -> (AMQPError?, Double) {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                let start = ContinuousClock.now
                var failure: AMQPError?
                do throws(AMQPError) { _ = try RawConnection(configuration) } catch { failure = error }
                let took = start.duration(to: .now)
                done.resume(returning: (failure, Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18))
            }
        }
    }

    @Test func unknownHost() async {
        let e = await connectError("amqp://u:p@no-such-host.invalid:5672/?connection_timeout=3000")
        guard case .unreachable(let host, _, _)? = e else {
            Issue.record("got \(String(describing: e))")
            return
        }
        #expect(host == "no-such-host.invalid")
    }

    @Test func malformedURL() async {
        let e = await connectError("amqp//missing-colon")
        guard case .invalidURL? = e else {
            Issue.record("got \(String(describing: e))")
            return
        }
    }

    @Test func everyErrorIsOneLine() async throws {
        let errors: [AMQPError] = [
            .invalidURL("x"), .unreachable(host: "h", port: 1, reason: "r"), .tlsFailed(host: "h", port: 1, reason: "r"),
            .authenticationFailed(user: "u"), .vhostAccessDenied(user: "u", vhost: "v"), .accessRefused("t"),
            .channelClosed(code: 1, text: "t"), .connectionClosed(code: 1, text: "t"), .connectionLost("x"),
            .timedOut("x"), .noNodeAnswered([.connectionLost("x"), .timedOut("y")]), .nacked(messageID: nil),
            .unroutable(messageID: "m", exchange: "e", routingKey: "k", code: 312, text: "NO_ROUTE"),
            .shutDown, .library("x"),
        ]
        for e in errors { #expect(!e.description.contains("\n") && !e.description.isEmpty) }
    }

    static func silentListener() throws -> (Int32, Int) {
        let (fd, port) = try bound()
        guard listen(fd, 8) == 0 else { throw AMQPError.library("listen failed") }
        return (fd, port)
    }

    static func bound() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw AMQPError.library("bind failed") }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}
