/// A set of field paths (`subject.name`, `household.children.urc`) as a trie. Arrays are transparent: a path
/// names object keys, and applies to every element of an array on the way.
public struct PathSet: Sendable, Equatable {
    /// The path ending here is in the set (and so is everything below it, for allow-lists).
    public var terminal = false
    /// The next part of each path in the set, with the set of what follows it.
    public var children: [String: PathSet] = [:]

    /// The empty set: it covers nothing.
    public init() {}

    /// A set from dotted paths.
    public init(_ paths: [String]) {
        for p in paths { insert(p.split(separator: ".").map(String.init)) }
    }

    /// Adds a path given as its parts (`["subject", "name"]`); an empty path makes this node terminal.
    public mutating func insert(_ path: [String]) {
        guard let first = path.first else {
            terminal = true
            return
        }
        children[first, default: PathSet()].insert(Array(path.dropFirst()))
    }

    /// Every path in the set, as its parts.
    public var paths: [[String]] {
        var out: [[String]] = terminal ? [[]] : []
        for (k, child) in children.sorted(by: { $0.key < $1.key }) { out += child.paths.map { [k] + $0 } }
        return out
    }

    /// Whether a dotted path, or one of its ancestors, is in the set.
    public func covers(_ path: String) -> Bool {
        var node = self
        for part in path.split(separator: ".") {
            if node.terminal { return true }
            guard let next = node.children[String(part)] else { return false }
            node = next
        }
        return node.terminal
    }
}
