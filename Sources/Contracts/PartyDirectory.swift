import Foundation

/// The parties on the gateway, their URC issuer codes and broker users, from `config/parties.json`.
public struct PartyDirectory: Sendable {
    /// One party's registration.
    public struct Entry: Codable, Sendable, Equatable {
        public init(id: PartyID, name: String, issuer: String?, brokerUser: String) {
            self.id = id
            self.name = name
            self.issuer = issuer
            self.brokerUser = brokerUser
        }

        public var id: PartyID
        public var name: String
        /// Two-symbol URC issuer code; nil for parties that never allocate URCs (the gateway).
        public var issuer: String?
        public var brokerUser: String
    }

    private struct File: Codable { var parties: [Entry] }

    public let entries: [PartyID: Entry]
    /// Each issuer code's party (every URC a body names is looked up here).
    private let byIssuer: [String: PartyID]

    public init(entries: [Entry]) throws(PartyDirectoryError) {
        var byID: [PartyID: Entry] = [:]
        var issuers: [String: PartyID] = [:]
        for e in entries {
            guard byID[e.id] == nil else { throw .duplicate("party '\(e.id)'") }
            if let issuer = e.issuer {
                guard (try? URCAllocator(issuer: issuer)) != nil else { throw .invalid("issuer code '\(issuer)' of \(e.id) is not two URC symbols") }
                if let other = issuers[issuer] { throw .duplicate("issuer code '\(issuer)' (\(other) and \(e.id))") }
                issuers[issuer] = e.id
            }
            byID[e.id] = e
        }
        self.entries = byID
        byIssuer = issuers
    }

    public init(contentsOf url: URL) throws(PartyDirectoryError) {
        do {
            let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
            try self.init(entries: file.parties)
        } catch let e as PartyDirectoryError {
            throw e
        } catch {
            throw .invalid("cannot read \(url.path): \(error)")
        }
    }

    public subscript(_ id: PartyID) -> Entry? { entries[id] }

    /// The party whose issuer code `urc` carries (nil: no party allocates URCs with that code).
    public func party(issuing urc: URC) -> PartyID? {
        byIssuer[urc.issuer]
    }

    /// The URC allocator of a party that allocates URCs.
    public func allocator(for id: PartyID) throws(PartyDirectoryError) -> URCAllocator {
        guard let e = entries[id] else { throw .unknownParty(id.rawValue) }
        guard let issuer = e.issuer, let a = try? URCAllocator(issuer: issuer) else { throw .invalid("\(id) has no URC issuer code") }
        return a
    }
}

/// Why the party directory could not be used.
public enum PartyDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case duplicate(String)
    case unknownParty(String)

    public var description: String {
        switch self {
        case .invalid(let why): return "config/parties.json: \(why)"
        case .duplicate(let what): return "config/parties.json lists \(what) twice; each must be unique"
        case .unknownParty(let p): return "'\(p)' is not a party in config/parties.json"
        }
    }
}
