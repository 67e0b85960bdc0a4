import Testing

@testable import AMQP

@Suite struct DeliveryLedgerTests {
    @Test func inOrderAcksBecomeOneMultipleAck() {
        var l = DeliveryLedger()
        for t in 1...5 { l.delivered(UInt64(t)) }
        for t in 1...4 {
            let r = l.acknowledge(UInt64(t))
            #expect(r)
        }
        #expect(l.flush() == .init(multipleUpTo: 4, singles: []))
        #expect(l.unsettledCount == 1)
    }

    @Test func outOfOrderAcksNeverCoverAPendingTag() {
        var l = DeliveryLedger()
        for t in 10...14 { l.delivered(UInt64(t)) }
        _ = l.acknowledge(12)
        _ = l.acknowledge(14)
        // 10 is still being processed: nothing may be acked with `multiple` past it.
        #expect(l.flush() == .init(multipleUpTo: nil, singles: [12, 14]))
        do {
            let r = l.settle(10)
            #expect(r)
        }  // nacked
        _ = l.acknowledge(11)
        #expect(l.flush() == .init(multipleUpTo: nil, singles: [11]))
        _ = l.acknowledge(13)
        #expect(l.flush() == .init(multipleUpTo: nil, singles: [13]))
        #expect(l.unsettledCount == 0)
    }

    @Test func aTagIsSettledOnce() {
        var l = DeliveryLedger()
        l.delivered(1)
        do {
            let r = l.acknowledge(1)
            #expect(r)
        }
        do {
            let r = l.acknowledge(1)
            #expect(!r)
        }
        _ = l.flush()
        do {
            let r = l.acknowledge(1)
            #expect(!r)
        }
        do {
            let r = l.settle(1)
            #expect(!r)
        }
        do {
            let r = l.acknowledge(99)
            #expect(!r)
        }
    }
}
