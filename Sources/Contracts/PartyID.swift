/// A party on the gateway: one of the six services, the gateway itself, or another agency named in config.
public struct PartyID: CanonicalStringCodable, RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts lower-case ids of 2–32 characters: letters, digits and hyphens, starting with a letter.
    public init?(rawValue: String) {
        guard (2...32).contains(rawValue.utf8.count),
            let first = rawValue.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            rawValue.utf8.allSatisfy({
                ("a"..."z").contains(Character(UnicodeScalar($0))) || ("0"..."9").contains(Character(UnicodeScalar($0))) || $0 == UInt8(ascii: "-")
            })
        else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) { rawValue = known }

    public static let victim = PartyID(known: "victim")
    public static let family = PartyID(known: "family")
    public static let safehome = PartyID(known: "safehome")
    public static let perpetrator = PartyID(known: "perpetrator")
    public static let sanctuary = PartyID(known: "sanctuary")
    public static let marac = PartyID(known: "marac")
    public static let gateway = PartyID(known: "gateway")

    /// The six services that exchange messages through the gateway.
    public static let services: [PartyID] = [.victim, .family, .safehome, .perpetrator, .sanctuary, .marac]

    public var description: String { rawValue }
    public static func < (a: PartyID, b: PartyID) -> Bool { a.rawValue < b.rawValue }

}

extension PartyID {
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }

    public init(canonicalString text: String) throws {
        guard let p = PartyID(rawValue: text) else { throw CanonicalStringError("not a party id (lower-case letters, digits and hyphens)") }
        self = p
    }

    public var canonicalString: String { rawValue }
}
