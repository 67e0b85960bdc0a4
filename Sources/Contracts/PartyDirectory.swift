import Foundation

/// The parties on the gateway, their URC issuer codes and broker users, from `config/parties.json`.
public struct PartyDirectory: Sendable {
    /// One party's registration.
    public struct Entry: Codable, Sendable, Equatable {
        /// A registration as `config/parties.json` lists it; `issuer` is nil for a party that never allocates URCs.
        public init(id: PartyID, name: String, issuer: String?, brokerUser: String) {
            self.id = id
            self.name = name
            self.issuer = issuer
            self.brokerUser = brokerUser
        }

        /// The party's id, as envelopes and bodies carry it (`victim`, `safehome`).
        public var id: PartyID
        /// The service's name for people to read (e.g. "Safe Home Service (Lot 2)").
        public var name: String
        /// Two-symbol URC issuer code; nil for parties that never allocate URCs (the gateway).
        public var issuer: String?
        /// The RabbitMQ user the party logs in as; the gateway checks a message's broker-validated `user_id` against it.
        public var brokerUser: String
    }

    private struct File: Codable { var parties: [Entry] }

    /// Every party's registration, by party id.
    public let entries: [PartyID: Entry]
    /// Each issuer code's party (every URC a body names is looked up here).
    private let byIssuer: [String: PartyID]

    /// Checks the entries: party ids and issuer codes must each be unique, and every issuer code two URC symbols.
    public init(entries: [Entry]) throws(PartyDirectoryError) {
        var byID: [PartyID: Entry] = [:]
        var issuers: [String: PartyID] = [:]
        for e in entries {
            guard byID[e.id] == nil else { throw .duplicate("party '\(e.id)'") }
            if let issuer = e.issuer {
                guard let allocator = try? URCAllocator(issuer: issuer) else {
                    throw .invalid("issuer code '\(issuer)' of \(e.id) is not two URC symbols")
                }
                // Written as URCs carry it, or every URC it allocated would be looked up under another code.
                let canonical = allocator.allocate().issuer
                guard issuer == canonical else {
                    throw .invalid("issuer code '\(issuer)' of \(e.id) is not in canonical form: write it as '\(canonical)'")
                }
                guard issuer != "00" else { throw .invalid("issuer code '00' of \(e.id) is reserved: 0000-0000-0000 stands for no one") }
                if let other = issuers[issuer] { throw .duplicate("issuer code '\(issuer)' (\(other) and \(e.id))") }
                issuers[issuer] = e.id
            }
            byID[e.id] = e
        }
        self.entries = byID
        byIssuer = issuers
    }

    /// Reads and checks `config/parties.json` (`{"parties": [...]}`).
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

    /// The registration of party `id`; nil when it is not a party on this gateway.
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
    /// The file cannot be read, or an entry is wrong (what is wrong).
    case invalid(String)
    /// A party id or an issuer code is listed twice (which one).
    case duplicate(String)
    /// An id no entry of the file names.
    case unknownParty(String)

    /// The problem in one line, naming config/parties.json.
    public var description: String {
        switch self {
        case .invalid(let why): return "config/parties.json: \(why)"
        case .duplicate(let what): return "config/parties.json lists \(what) twice; each must be unique"
        case .unknownParty(let p): return "'\(p)' is not a party in config/parties.json"
        }
    }
}
