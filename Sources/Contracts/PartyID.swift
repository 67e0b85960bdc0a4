/// A party on the gateway: one of the six services, the gateway itself, or another agency named in config.
public struct PartyID: CanonicalStringCodable, RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The id as headers and bodies carry it (`victim`, `safehome`).
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

    /// Lot 3, the Victim & Survivor Service: helpline, outreach and IDVAs; the main entry point and the usual MARAC referrer.
    public static let victim = PartyID(known: "victim")
    /// Lot 1, the Family Service: children and young people aged 0–19, and their parents.
    public static let family = PartyID(known: "family")
    /// Lot 2, the Safe Home Service: housing; takes referrals only from the family, victim and perpetrator services.
    public static let safehome = PartyID(known: "safehome")
    /// Lot 4, Perpetrator Intervention: must never learn where a victim or child is, nor of any MARAC referral.
    public static let perpetrator = PartyID(known: "perpetrator")
    /// The Sanctuary scheme: home-security installations, so that a person can stay safely in their own home.
    public static let sanctuary = PartyID(known: "sanctuary")
    /// The MARAC coordinator: receives MARAC referrals, publishes action plans and collects action updates.
    public static let marac = PartyID(known: "marac")
    /// The gateway itself: signs what it delivers, keeps the consent registry and writes non-delivery reports.
    public static let gateway = PartyID(known: "gateway")

    /// The six services that exchange messages through the gateway.
    public static let services: [PartyID] = [.victim, .family, .safehome, .perpetrator, .sanctuary, .marac]

    /// The id itself, for logs and messages.
    public var description: String { rawValue }
    /// Orders parties by id, so that listings and reports come out in a stable order.
    public static func < (a: PartyID, b: PartyID) -> Bool { a.rawValue < b.rawValue }

}

extension PartyID {
    /// Decodes a party id from its JSON string; any other text is a decoding error.
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    /// Encodes the party id as its JSON string.
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }

    /// Accepts the id exactly as written: no case folding, as `init?(rawValue:)` checks it.
    public init(canonicalString text: String) throws {
        guard let p = PartyID(rawValue: text) else { throw CanonicalStringError("not a party id (lower-case letters, digits and hyphens)") }
        self = p
    }

    /// The id itself: a party id has one written form.
    public var canonicalString: String { rawValue }
}
