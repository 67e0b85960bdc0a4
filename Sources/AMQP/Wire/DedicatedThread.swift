import Foundation

/// Runs `body` on a new OS thread, so rabbitmq-c's blocking calls never occupy the Swift concurrency pool.
func startDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        #if os(Linux)
        // Named as the kernel sees it (`top -H`, `perf`), from inside: `Thread.name` alone leaves it with the name
        // of the thread that started it, a Dispatch worker's. Linux keeps 15 characters.
        try? String(name.prefix(15)).write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
        body()
    }
    thread.name = name
    thread.start()
}
