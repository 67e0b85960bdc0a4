/// What every connection thread does: connect and tell the caller waiting in `init` how that went, then turn
/// until done, then clean up. Publisher and consumer supply the parts.
protocol ConnectionLoop: AnyObject {
    /// Opens the connection and prepares it (topology, confirms or subscription).
    func connect() throws(AMQPError)
    /// One turn; false when the loop is done.
    func step() -> Bool
    /// Releases everything and tells waiters; `error` is set when the first connect failed.
    func finish(startError: AMQPError?)
}

extension ConnectionLoop {
    func run(started: CheckedContinuation<Result<Void, AMQPError>, Never>) {
        do {
            try connect()
        } catch {
            finish(startError: error)
            started.resume(returning: .failure(error))
            return
        }
        started.resume(returning: .success(()))
        while step() {}
        finish(startError: nil)
    }
}
