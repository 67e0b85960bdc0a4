import Contracts
import Foundation
import Yams

/// The information-sharing agreement as data (`config/sharing-policy.yaml`), reviewed by information-governance
/// staff: for each recipient and message type, who may send it, for which purposes, whether consent is needed,
/// which lawful bases which senders may invoke instead, and the fields the recipient may receive (an allow-list).
/// No entry, no delivery.
public struct SharingPolicy: Sendable {
    /// Whether a delivery needs the person's consent.
    public enum ConsentRule: Sendable, Equatable {
        /// Consent covering the recipient and purpose, or an allowed lawful basis in the message.
        case required
        /// No consent needed, for the reason written in the policy (recorded in the audit log).
        case notRequired(reason: String)
    }

    /// What one recipient may receive of one message type.
    public struct Rule: Sendable {
        /// The service that receives messages under this entry.
        public var recipient: PartyID
        /// The message type the entry is for.
        public var type: MessageType
        /// The services that may send this type to this recipient; any other is refused (`no-policy`).
        public var senders: Set<PartyID>
        /// Purposes this may be shared for; the message's `sharing.purpose`, or `defaultPurpose`.
        public var purposes: Set<Purpose>
        /// The purpose of message types whose body carries none.
        public var defaultPurpose: Purpose?
        /// Whether the person's consent (or an allowed lawful basis) is needed.
        public var consent: ConsentRule
        /// Lawful bases that can stand in for consent, each with the senders allowed to invoke it.
        public var lawfulBases: [LawfulBasisCode: Set<PartyID>]
        /// Only referrals whose `subjectRole` is one of these (nil: any).
        public var subjectRoles: Set<PersonRole>?
        /// The allow-list as a path set: whatever it does not cover is removed before delivery.
        public var fields: PathSet
        /// The allow-list as written in the policy file, in its order (for `refgw policy` summaries).
        public var fieldList: [String]
        /// Scrub postcodes, phone numbers, emails and sentences with sensitive terms from free-text fields.
        public var scrubContactDetails: Bool
        /// `list.field`: keep only list items whose field is this recipient's id (e.g. `actions.owner`).
        public var ownItemsOnly: (list: String, field: String)?
        /// When set, the only free-text fields the recipient receives (written for it): every other free-text
        /// field of the type is withheld, whatever `fields` says.
        public var freeTextOnly: PathSet?
    }

    /// The largest body the gateway accepts, in bytes; a larger one is refused (`oversized`) before its signature is checked.
    public var maxMessageBytes: Int
    /// The most characters of text the check toward a recipient that must never learn where anyone is reads in
    /// one message (every string, delivered or context): more is refused (`oversized`), so that no message can
    /// hold the gateway up.
    public var maxCheckedTextCharacters: Int = 16_384
    /// How far `refgw-sent-at` may be from the gateway's clock, in seconds.
    public var acceptedClockSkew: Double
    /// Parties that may record consent with the gateway (for people they hold).
    public var consentRecorders: Set<PartyID>
    /// Besides the service that recorded a consent, who may withdraw it, by the role its person is known in.
    public var consentWithdrawnAlsoBy: [PersonRole: Set<PartyID>]
    /// Role changes a person may go through (each set: roles that may follow one another); any other is refused.
    public var roleChanges: [Set<PersonRole>]
    /// Recipients that may only be sent messages about, or naming, people known in these roles.
    public var onlyKnownAs: [PartyID: Set<PersonRole>]
    /// Sentences with these words are removed from free text wherever contact details are scrubbed.
    public var sensitiveTerms: [String]
    /// The area's places, streets and schools, removed from text wherever contact details are scrubbed.
    public var gazetteer: Gazetteer = .empty
    private var rules: [PartyID: [MessageType: Rule]]

    /// The rule for a recipient and type; nil means default deny.
    public func rule(for recipient: PartyID, type: MessageType) -> Rule? { rules[recipient]?[type] }

    /// Every party the policy has at least one entry for.
    public var recipients: Set<PartyID> { Set(rules.keys) }
    /// Every entry, in no particular order.
    public var allRules: [Rule] { rules.values.flatMap(\.values) }

    /// Whether the policy shares anything with `recipient` for `purpose` (what a consent to it can cover).
    public func shares(for purpose: Purpose, with recipient: PartyID) -> Bool {
        rules[recipient]?.values.contains { $0.purposes.contains(purpose) } ?? false
    }

    /// Whether a person first seen as `known` may be named as `claimed`.
    public func role(_ claimed: PersonRole, fits known: PersonRole) -> Bool {
        claimed == known || roleChanges.contains { $0.contains(claimed) && $0.contains(known) }
    }

    // MARK: Loading

    private struct File: Decodable {
        struct Limits: Decodable {
            var maxMessageBytes: Int
            var acceptedClockSkewSeconds: Double
            var maxCheckedTextCharacters: Int?
        }
        struct Entry: Decodable {
            var senders: [String]
            var purposes: [String]
            var purpose: String?
            var consent: String
            var reason: String?
            var lawfulBases: [String: [String]]?
            var subjectRoles: [String]?
            var scrubContactDetails: Bool?
            var ownItemsOnly: String?
            var freeText: [String]?
            var fields: [String]
        }
        struct Consent: Decodable {
            var recorders: [String]
            var withdrawnAlsoBy: [String: [String]]?
        }
        struct People: Decodable {
            var roleChanges: [[String]]?
            var onlyKnownAs: [String: [String]]?
        }
        var version: Int
        var limits: Limits
        var consent: Consent
        var people: People?
        var sensitiveTerms: [String]?
        /// The gazetteer file, beside the policy file.
        var gazetteer: String?
        var recipients: [String: [String: Entry]]
    }

    /// Reads and checks a policy file; every mistake is reported with where it is.
    public init(contentsOf url: URL) throws(PolicyError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw PolicyError("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: url.lastPathComponent, directory: url.deletingLastPathComponent())
    }

    /// A policy from its text; `directory` is where the files it names (the gazetteer) are.
    public init(yaml: String, source: String = "policy", directory: URL? = nil) throws(PolicyError) {
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: yaml) } catch { throw PolicyError("\(source): \(error)") }
        guard file.version == 1 else { throw PolicyError("\(source): version \(file.version) is not supported (expected 1)") }
        func party(_ s: String, _ at: String) throws(PolicyError) -> PartyID {
            guard let p = PartyID(rawValue: s) else { throw PolicyError("\(source): \(at): '\(s)' is not a party id") }
            return p
        }
        func purpose(_ s: String, _ at: String) throws(PolicyError) -> Purpose {
            guard let p = Purpose(rawValue: s) else {
                throw PolicyError("\(source): \(at): '\(s)' is not a purpose (\(Purpose.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return p
        }
        maxMessageBytes = file.limits.maxMessageBytes
        if let n = file.limits.maxCheckedTextCharacters {
            guard n >= 1_000 else {
                throw PolicyError("\(source): limits.maxCheckedTextCharacters is \(n); the check needs at least 1000 to read one referral")
            }
            maxCheckedTextCharacters = n
        }
        acceptedClockSkew = file.limits.acceptedClockSkewSeconds
        func role(_ s: String, _ at: String) throws(PolicyError) -> PersonRole {
            guard let r = PersonRole(rawValue: s) else {
                throw PolicyError("\(source): \(at): '\(s)' is not a role (victim, child, perpetrator, other-adult)")
            }
            return r
        }
        var recorders = Set<PartyID>()
        for s in file.consent.recorders { recorders.insert(try party(s, "consent.recorders")) }
        consentRecorders = recorders
        var withdrawers: [PersonRole: Set<PartyID>] = [:]
        for (r, who) in file.consent.withdrawnAlsoBy ?? [:] {
            let at = "consent.withdrawnAlsoBy.\(r)"
            var set = Set<PartyID>()
            for w in who { set.insert(try party(w, at)) }
            withdrawers[try role(r, at)] = set
        }
        consentWithdrawnAlsoBy = withdrawers
        var changes: [Set<PersonRole>] = []
        for group in file.people?.roleChanges ?? [] {
            var set = Set<PersonRole>()
            for r in group { set.insert(try role(r, "people.roleChanges")) }
            changes.append(set)
        }
        roleChanges = changes
        var known: [PartyID: Set<PersonRole>] = [:]
        for (p, roles) in file.people?.onlyKnownAs ?? [:] {
            let at = "people.onlyKnownAs.\(p)"
            var set = Set<PersonRole>()
            for r in roles { set.insert(try role(r, at)) }
            known[try party(p, at)] = set
        }
        onlyKnownAs = known
        sensitiveTerms = file.sensitiveTerms ?? []
        if let name = file.gazetteer {
            guard let directory else { throw PolicyError("\(source): gazetteer '\(name)' cannot be found without the policy file's folder") }
            gazetteer = try Gazetteer(contentsOf: directory.appendingPathComponent(name))
        }
        var rules: [PartyID: [MessageType: Rule]] = [:]
        for (recipientName, entries) in file.recipients {
            let recipient = try party(recipientName, "recipients")
            for (typeName, e) in entries {
                let at = "recipients.\(recipientName).\(typeName)"
                guard let type = MessageType(rawValue: typeName) else { throw PolicyError("\(source): \(at): '\(typeName)' is not a message type") }
                guard !type.isGatewayOnly, type != .consent else {
                    throw PolicyError(
                        "\(source): \(at): the gateway itself sends non-delivery reports and acknowledgements, and keeps consent records")
                }
                var senders = Set<PartyID>()
                for s in e.senders { senders.insert(try party(s, "\(at).senders")) }
                var purposes = Set<Purpose>()
                for p in e.purposes { purposes.insert(try purpose(p, "\(at).purposes")) }
                let defaultPurpose: Purpose? = try e.purpose.map { (p: String) throws(PolicyError) in try purpose(p, "\(at).purpose") }
                if let d = defaultPurpose, !purposes.contains(d) {
                    throw PolicyError("\(source): \(at): purpose '\(d.rawValue)' must be one of its purposes")
                }
                let consent: ConsentRule
                switch e.consent {
                case "required": consent = .required
                case "not-required":
                    guard let reason = e.reason, reason.count >= 20 else {
                        throw PolicyError("\(source): \(at): consent not-required needs a reason of at least 20 characters for the audit log")
                    }
                    consent = .notRequired(reason: reason)
                default: throw PolicyError("\(source): \(at): consent must be 'required' or 'not-required'")
                }
                var bases: [LawfulBasisCode: Set<PartyID>] = [:]
                for (code, who) in e.lawfulBases ?? [:] {
                    guard let c = LawfulBasisCode(rawValue: code) else {
                        throw PolicyError("\(source): \(at).lawfulBases: '\(code)' is not a lawful basis code")
                    }
                    var s = Set<PartyID>()
                    for w in who {
                        let p = try party(w, "\(at).lawfulBases.\(code)")
                        guard senders.contains(p) else { throw PolicyError("\(source): \(at).lawfulBases.\(code): \(p) is not among the senders") }
                        s.insert(p)
                    }
                    bases[c] = s
                }
                guard !e.fields.isEmpty else { throw PolicyError("\(source): \(at): an empty field list shares nothing; remove the entry instead") }
                var own: (String, String)?
                if let o = e.ownItemsOnly {
                    let parts = o.split(separator: ".").map(String.init)
                    guard parts.count == 2 else { throw PolicyError("\(source): \(at).ownItemsOnly: '\(o)' must be list.field") }
                    own = (parts[0], parts[1])
                }
                var roles: Set<PersonRole>?
                for text in e.subjectRoles ?? [] {
                    guard let role = PersonRole(rawValue: text) else {
                        throw PolicyError(
                            "\(source): \(at).subjectRoles: '\(text)' is not a role (\(PersonRole.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    roles = (roles ?? []).union([role])
                }
                if e.subjectRoles?.isEmpty == true {
                    throw PolicyError("\(source): \(at).subjectRoles: an empty list lets no one through; remove it to allow every role")
                }
                let fieldSet = PathSet(e.fields)
                for f in e.freeText ?? [] where !fieldSet.covers(f) {
                    throw PolicyError("\(source): \(at).freeText: '\(f)' is not among the fields; list it there too")
                }
                rules[recipient, default: [:]][type] = Rule(
                    recipient: recipient, type: type, senders: senders, purposes: purposes, defaultPurpose: defaultPurpose,
                    consent: consent, lawfulBases: bases, subjectRoles: roles, fields: PathSet(e.fields),
                    fieldList: e.fields, scrubContactDetails: e.scrubContactDetails ?? false, ownItemsOnly: own,
                    freeTextOnly: e.freeText.map(PathSet.init))
            }
        }
        self.rules = rules
    }
}

/// A policy file problem, saying where.
public struct PolicyError: Error, CustomStringConvertible, Equatable {
    /// The problem, naming the file and the place in it (such as `recipients.safehome.referral.fields`).
    public let description: String
    /// A problem described by `d`, which should say where it is.
    public init(_ d: String) { description = d }
}
