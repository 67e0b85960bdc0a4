import Foundation

/// Runs `body` on a new OS thread, so rabbitmq-c's blocking calls never occupy the Swift concurrency pool.
func startDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread { body() }
    thread.name = name
    thread.start()
}
