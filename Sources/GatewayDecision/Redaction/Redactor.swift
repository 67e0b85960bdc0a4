import Contracts

/// Removes from a body every field the recipient may not see (allow-list: what is not listed goes) and the free
/// text withheld from it. Works on the parsed tree in one pass, without decoding into the message types; what is
/// left of the text is checked by `DisclosureGuard`.
public struct Redactor: Sendable {
    /// What redaction did: the body to forward and the names (never the values) of what was removed.
    public struct Result: Sendable, Equatable {
        /// The body to forward: only the allowed fields, without the withheld free text.
        public var body: JSONValue
        /// Dotted paths of what was removed, each once (never the values), for the audit log.
        public var removedFields: [String]
    }

    /// A redactor; it holds no state, so one serves every message.
    public init() {}

    /// `allowed` is the recipient's allow-list; `withheld`, free-text fields it never receives whatever the
    /// allow-list says.
    public func redact(_ body: JSONValue, allowed: PathSet, withholding withheld: PathSet? = nil) -> Result {
        var removed: [String] = []
        var seen = Set<String>()
        let out = walk(
            body, allowed: allowed, allowAll: allowed.terminal, withheld: withheld, path: "",
            removed: &removed, seen: &seen)
        return Result(body: out, removedFields: removed)
    }

    private func walk(
        _ v: JSONValue, allowed: PathSet, allowAll: Bool, withheld: PathSet?, path: String,
        removed: inout [String], seen: inout Set<String>
    ) -> JSONValue {
        func note(_ name: String) { if seen.insert(name).inserted { removed.append(name) } }
        switch v {
        case .object(let members):
            var kept: [JSONValue.Member] = []
            kept.reserveCapacity(members.count)
            for m in members {
                let childPath = path.isEmpty ? m.key : "\(path).\(m.key)"
                let child = allowed.children[m.key]
                let childAllowsAll = allowAll || child?.terminal == true
                guard childAllowsAll || child != nil else {
                    note(childPath)
                    continue
                }
                if withheld?.children[m.key]?.terminal == true {
                    note("\(childPath) (free text withheld)")
                    continue
                }
                if !childAllowsAll {
                    // Only parts of this field are allowed: a scalar here has no allowed parts.
                    switch m.value {
                    case .object, .array: break
                    default:
                        note(childPath)
                        continue
                    }
                }
                kept.append(
                    .init(
                        m.key,
                        walk(
                            m.value, allowed: child ?? PathSet(), allowAll: childAllowsAll,
                            withheld: withheld?.children[m.key], path: childPath,
                            removed: &removed, seen: &seen)))
            }
            return .object(kept)
        case .array(let items):
            return .array(
                items.map {
                    walk(
                        $0, allowed: allowed, allowAll: allowAll, withheld: withheld, path: path,
                        removed: &removed, seen: &seen)
                })
        default:
            return v
        }
    }
}
