import Foundation
import TestSupport
import Testing

@testable import AMQP

#if canImport(Glibc)
import Glibc
#endif

/// A batch of publishes leaves the client in full TCP segments, not one small segment per message.
@Suite(.needsBroker) struct CorkedWritesTests {
    func corkIsOn(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &value, &length) == 0)
        return value != 0
    }

    @Test("the socket is corked while a batch is written and uncorked after it (also when the batch fails); a single message is not corked")
    func corkedWhileWritingABatch() throws {
        let conn = try RawConnection(TestBroker.configuration)
        defer { conn.close() }
        let fd = conn.socketFD
        #expect(!corkIsOn(fd))
        try conn.corked(if: true) { #expect(corkIsOn(fd)) }
        #expect(!corkIsOn(fd))
        try conn.corked(if: false) { #expect(!corkIsOn(fd)) }
        #expect(throws: AMQPError.self) { try conn.corked(if: true) { () throws(AMQPError) in throw .connectionLost("test") } }
        #expect(!corkIsOn(fd), "a failed batch left the socket corked: later writes would wait")
    }
}
