/// Tracks unsettled delivery tags of one channel so that acks can be coalesced: a run of acknowledged tags at
/// the head goes out as one `basic.ack multiple`, while tags acknowledged out of order go out singly and a
/// still-unsettled tag is never covered by a multiple ack.
struct DeliveryLedger {
    private enum State { case pending, acked, settled }
    private var states: [State] = []
    private var baseTag: UInt64 = 0

    /// What to send to the broker after a round of acks.
    struct Flush: Equatable {
        var multipleUpTo: UInt64?
        var singles: [UInt64] = []
    }

    var unsettledCount: Int { states.lazy.filter { $0 != .settled }.count }

    mutating func delivered(_ tag: UInt64) {
        if states.isEmpty { baseTag = tag }
        guard tag >= baseTag else { return }
        let index = Int(tag - baseTag)
        while states.count < index { states.append(.settled) }
        if index == states.count { states.append(.pending) }
    }

    /// Marks a tag acknowledged by the application; false if unknown or already settled.
    mutating func acknowledge(_ tag: UInt64) -> Bool {
        guard let i = index(of: tag), states[i] == .pending else { return false }
        states[i] = .acked
        return true
    }

    /// Marks a tag settled another way (nack, reject, sent immediately); false if unknown or already settled.
    mutating func settle(_ tag: UInt64) -> Bool {
        guard let i = index(of: tag), states[i] == .pending else { return false }
        states[i] = .settled
        return true
    }

    /// Returns the acks to send now and forgets them.
    mutating func flush() -> Flush {
        var flush = Flush()
        var i = 0
        var ackedInRun = 0
        while i < states.count && states[i] != .pending {
            if states[i] == .acked {
                flush.multipleUpTo = baseTag + UInt64(i)
                ackedInRun += 1
            }
            states[i] = .settled
            i += 1
        }
        if ackedInRun == 1, let tag = flush.multipleUpTo {
            flush.multipleUpTo = nil
            flush.singles.append(tag)
        }
        while i < states.count {
            if states[i] == .acked {
                flush.singles.append(baseTag + UInt64(i))
                states[i] = .settled
            }
            i += 1
        }
        compact()
        return flush
    }

    private func index(of tag: UInt64) -> Int? {
        guard tag >= baseTag, tag - baseTag < UInt64(states.count) else { return nil }
        return Int(tag - baseTag)
    }

    private mutating func compact() {
        let k = states.prefix { $0 == .settled }.count
        guard k > 0 else { return }
        states.removeFirst(k)
        baseTag += UInt64(k)
    }
}
