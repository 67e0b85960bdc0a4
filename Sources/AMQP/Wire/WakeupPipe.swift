import CRabbitMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A self-pipe that wakes a connection thread blocked in `poll` when async code hands it work.
final class WakeupPipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "cannot create a pipe: out of file descriptors")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes the thread; a full pipe already means it will wake.
    func wake() {
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }
}

/// What `waitForInput` saw.
struct Readiness {
    var socket = false
    var wakeup = false
}

/// Blocks until the socket or the wake-up pipe is readable, or `timeout` (seconds) passes.
func waitForInput(socket: Int32, wakeup: WakeupPipe?, timeout: Double) -> Readiness {
    var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
    if let wakeup { fds.append(pollfd(fd: wakeup.readFD, events: Int16(POLLIN), revents: 0)) }
    let ms = Int32(max(0, min(timeout, 3600)) * 1000)
    let n = poll(&fds, nfds_t(fds.count), ms)
    guard n > 0 else { return Readiness() }
    var r = Readiness()
    r.socket = fds[0].revents != 0
    if fds.count > 1 { r.wakeup = fds[1].revents != 0 }
    return r
}
