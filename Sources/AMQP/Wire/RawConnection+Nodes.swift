extension RawConnection {
    /// Connects to the first of the configuration's nodes that answers, trying them in turn from `start` (wrapping
    /// round), and returns the connection with the index of the node that took it.
    ///
    /// A node that is down, unreachable or whose TLS handshake fails is passed over for the next; a refusal every
    /// node would give alike (a wrong password, no access to the vhost) is thrown at once.
    static func open(_ configuration: AMQPConnectionConfiguration, from start: Int = 0) throws(AMQPError) -> (connection: RawConnection, node: Int) {
        let nodes = configuration.nodes
        guard nodes.count > 1 else { return (try RawConnection(configuration), 0) }
        var failures: [AMQPError] = []
        for k in 0..<nodes.count {
            let i = (start + k) % nodes.count
            do {
                return (try RawConnection(configuration.only(nodes[i])), i)
            } catch {
                guard error.concernsOneNode else { throw error }
                failures.append(error)
            }
        }
        throw .noNodeAnswered(failures)
    }
}

extension AMQPError {
    /// Whether another node of the cluster may answer where this one failed.
    fileprivate var concernsOneNode: Bool {
        if case .tlsFailed = self { return true }
        return isTransient
    }
}
