import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time used so far by this process and, when their pid files are known, by the broker and the PostgreSQL
/// server: on a shared two-core machine the CPU a message costs is a steadier figure than messages per second.
struct CPUTime {
    var process: Double
    var broker: Double?
    var database: Double?

    /// The broker's pid file: `$REFGW_BROKER_DIR/rabbitmq.pid`, as `scripts/broker.sh` writes it.
    static let brokerPID: Int32? = ProcessInfo.processInfo.environment["REFGW_BROKER_DIR"]
        .flatMap { try? String(contentsOfFile: $0 + "/rabbitmq.pid", encoding: .utf8) }
        .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

    static func now() -> CPUTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return CPUTime(
            process: seconds(usage.ru_utime) + seconds(usage.ru_stime), broker: brokerPID.flatMap(brokerSeconds),
            database: postmasterPID.flatMap(databaseSeconds))
    }

    /// The PostgreSQL server's postmaster: the first line of `$REFGW_POSTGRES_DIR/data/postmaster.pid` (scripts/postgres.sh).
    static let postmasterPID: Int32? = ProcessInfo.processInfo.environment["REFGW_POSTGRES_DIR"]
        .flatMap { try? String(contentsOfFile: $0 + "/data/postmaster.pid", encoding: .utf8) }
        .flatMap { $0.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) } }

    /// The postmaster's CPU and every child's (the backends serving the gateway's pooled connections, which stay
    /// open through a run, and the writer and WAL processes); children that exited are in the postmaster's own
    /// children's time, which /proc/PID/stat gives as cutime and cstime.
    static func databaseSeconds(_ postmaster: Int32) -> Double? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        var total = 0.0
        for name in names {
            guard let pid = Int32(name), let fields = statFields(pid) else { continue }
            if pid == postmaster || Int32(fields[1]) == postmaster {
                total += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
                if pid == postmaster { total += (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0) }
            }
        }
        return total / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The fields of /proc/PID/stat after the parenthesised command name (state first, so ppid is [1], utime [11]).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 14 ? fields : nil
    }

    /// utime + stime from /proc/PID/stat (fields 14 and 15, after the parenthesised command name).
    static func brokerSeconds(_ pid: Int32) -> Double? {
        guard let fields = statFields(pid), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Microseconds per message between `start` and now, for this process, the broker and the database server.
    static func perMessage(since start: CPUTime, messages: Int) -> (process: Double, broker: Double?, database: Double?) {
        let end = now()
        let n = Double(max(messages, 1))
        return (
            (end.process - start.process) / n * 1e6,
            end.broker.flatMap { b in start.broker.map { (b - $0) / n * 1e6 } },
            end.database.flatMap { d in start.database.map { (d - $0) / n * 1e6 } }
        )
    }
}
