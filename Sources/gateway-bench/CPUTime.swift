import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time used so far by this process and, when its pid file is known, by the broker: on a shared two-core
/// machine the CPU a message costs is a steadier figure than messages per second.
struct CPUTime {
    var process: Double
    var broker: Double?

    /// The broker's pid file: `$REFGW_BROKER_DIR/rabbitmq.pid`, as `scripts/broker.sh` writes it.
    static let brokerPID: Int32? = ProcessInfo.processInfo.environment["REFGW_BROKER_DIR"]
        .flatMap { try? String(contentsOfFile: $0 + "/rabbitmq.pid", encoding: .utf8) }
        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

    static func now() -> CPUTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return CPUTime(process: seconds(usage.ru_utime) + seconds(usage.ru_stime), broker: brokerPID.flatMap(brokerSeconds))
    }

    /// utime + stime from /proc/PID/stat (fields 14 and 15, after the parenthesised command name).
    static func brokerSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Microseconds per message between `start` and now, for this process and the broker.
    static func perMessage(since start: CPUTime, messages: Int) -> (process: Double, broker: Double?) {
        let end = now()
        let n = Double(max(messages, 1))
        return (
            (end.process - start.process) / n * 1e6,
            end.broker.flatMap { b in start.broker.map { (b - $0) / n * 1e6 } }
        )
    }
}
