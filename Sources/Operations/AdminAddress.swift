/// Where a process's admin listener (`/metrics`, `/livez`, `/readyz`) binds, from `--admin-listen HOST:PORT`.
///
/// Off unless asked for. A loopback host is the usual choice; any other host must be named outright (such as a
/// container's `0.0.0.0`, behind the region's own network), never assumed.
public struct AdminAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host or IP address to bind, without brackets.
    public var host: String
    /// The TCP port; 0 lets the system choose one (tests read it back from `AdminServer.boundPort`).
    public var port: Int

    /// An address to bind.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`127.0.0.1:9464`, `localhost:9464`, `[::1]:9464`, `0.0.0.0:9464`).
    public init(parsing text: String) throws(AdminAddressError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw AdminAddressError(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw AdminAddressError(text) }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let number = Int(port), (0...65_535).contains(number) else {
            throw AdminAddressError(text)
        }
        self.init(host: String(host), port: number)
    }

    /// Whether only this machine can reach it.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An admin address that could not be read.
public struct AdminAddressError: Error, CustomStringConvertible {
    /// What was given.
    public let text: String
    init(_ text: String) { self.text = text }
    /// One line saying what to give instead.
    public var description: String {
        "the admin listener address '\(text)' is not HOST:PORT; give e.g. 127.0.0.1:9464 (or [::1]:9464)"
    }
}
