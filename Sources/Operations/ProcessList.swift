import Foundation
import Yams

/// The processes `refgw status` asks, each by its admin listener: a YAML file of `processes: {NAME: URL}`, in order.
public struct ProcessList: Sendable, Equatable {
    /// Each process's name and admin listener (`http://HOST:PORT`), in the file's order.
    public var entries: [(name: String, url: URL)]

    /// A list as given.
    public init(entries: [(name: String, url: URL)]) { self.entries = entries }

    /// Reads the file at `path`; a name without an `http://HOST:PORT` URL is refused, naming it.
    public init(contentsOf path: String) throws(ProcessListError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ProcessListError("cannot read the process list \(path); pass --processes FILE (processes: {NAME: http://HOST:PORT})")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ProcessListError("\(path) is not YAML (\(error)); write processes: {NAME: http://HOST:PORT}")
        }
        guard let processes = node?.mapping?["processes"]?.mapping else {
            throw ProcessListError("\(path) has no 'processes' mapping; write processes: {NAME: http://HOST:PORT}")
        }
        var entries: [(String, URL)] = []
        for (key, value) in processes {
            guard let name = key.string, let text = value.string, let url = URL(string: text), url.scheme == "http" || url.scheme == "https",
                url.host != nil, url.port != nil
            else {
                throw ProcessListError("\(path): process '\(key.string ?? "?")' needs an admin URL http://HOST:PORT")
            }
            entries.append((name, url))
        }
        self.init(entries: entries)
    }

    /// Equal when the same names point at the same URLs in the same order.
    public static func == (a: ProcessList, b: ProcessList) -> Bool {
        a.entries.map(\.name) == b.entries.map(\.name) && a.entries.map(\.url) == b.entries.map(\.url)
    }
}

/// The process list could not be used.
public struct ProcessListError: Error, CustomStringConvertible {
    /// The problem in one line, with what to do.
    public let description: String
    init(_ d: String) { description = d }
}
