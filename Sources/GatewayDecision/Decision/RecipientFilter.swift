import Contracts

/// What one recipient may have of a valid body under the policy: its own items only where the policy says so,
/// free text checked and withheld, the allow-list applied, and the result checked against the recipient's view.
/// No keys and no database: the gateway signs what this returns, and `refgw policy preview` prints it.
public struct RecipientFilter: Sendable {
    /// The sharing policy whose allow-lists, free-text and own-items rules are applied.
    public let policy: SharingPolicy
    /// The contract schemas: where each type's free text, name-like words and length limits are.
    public let schemas: ContractSchemas
    /// Each recipient's view of each type: every body is checked against it before the gateway signs it.
    public let views: RecipientViews
    /// The text checks toward recipients whose policy entry has `scrubContactDetails`.
    public let disclosureGuard: DisclosureGuard
    let redactor = Redactor()
    /// Per recipient and type, the free text withheld from it (`freeText` in the policy), by path.
    private let withheld: [PartyID: [MessageType: PathSet]]

    /// Throws when the policy and the schemas do not fit together (a view cannot be made).
    public init(policy: SharingPolicy, schemas: ContractSchemas, parties: PartyDirectory) throws {
        self.policy = policy
        self.schemas = schemas
        disclosureGuard = DisclosureGuard(
            gazetteer: policy.gazetteer, sensitiveTerms: policy.sensitiveTerms,
            readLimit: policy.maxCheckedTextCharacters)
        views = try RecipientViews(policy: policy, schemas: schemas, parties: parties)
        var withheld: [PartyID: [MessageType: PathSet]] = [:]
        for rule in policy.allRules {
            guard let only = rule.freeTextOnly else { continue }
            let free = schemas.freeTextPaths[rule.type]?.paths ?? []
            withheld[rule.recipient, default: [:]][rule.type] = PathSet(free.map { $0.joined(separator: ".") }.filter { !only.covers($0) })
        }
        self.withheld = withheld
    }

    /// What `recipient` receives of `json`, a valid `type` body, under `rule`, and the names (never the values) of
    /// what was removed; refused where it cannot be made safe or valid.
    public func view(
        of json: JSONValue, type: MessageType, for recipient: PartyID,
        under rule: SharingPolicy.Rule
    ) throws(Refusal) -> Redactor.Result {
        var filtered = json
        if let own = rule.ownItemsOnly {
            filtered = Self.keepOwnItems(filtered, list: own.list, field: own.field, owner: recipient)
            if filtered[own.list]?.arrayValue?.isEmpty == true {
                throw Refusal(
                    .forbiddenContent,
                    "none of its \(own.list) is owned by \(recipient), and the others' are not for it: send an agency a \(type.rawValue) only when it owns one"
                )
            }
        }
        let withheldText = withheld[recipient]?[type]
        var cleanedNotes: [String] = []
        if rule.scrubContactDetails {
            // Read with everything the message says (what is withheld is context), cleaned where it is delivered.
            let checked = try disclosureGuard.check(
                filtered, freeText: schemas.freeTextPaths[type] ?? PathSet(),
                words: schemas.wordPaths[type] ?? PathSet(),
                limits: schemas.lengthLimits[type] ?? [:],
                delivered: { path in rule.fields.covers(path) && !(withheldText?.covers(path) ?? false) },
                recipient: recipient)
            filtered = Self.wholeSeconds(checked.body)
            cleanedNotes = checked.removed
        }
        var redaction = redactor.redact(filtered, allowed: rule.fields, withholding: withheldText)
        redaction.removedFields += cleanedNotes
        // The gateway never signs a body that breaks its contract: what is left must be valid for the recipient.
        // The view is made from the same allow-list the redactor applies, so what only the allow-list changed is
        // valid by construction (RecipientViewPropertyTests proves it over every pair); a body whose text was
        // cleaned, or whose list was cut to the recipient's own items, is checked here.
        if rule.scrubContactDetails || rule.ownItemsOnly != nil {
            do { try views.validate(redaction.body, as: type, for: recipient) } catch {
                throw Refusal(
                    .redactionFailed,
                    "what \(recipient) may receive of this \(type.rawValue) would not be valid (\(error.description)); the policy needs review")
            }
        }
        return redaction
    }

    /// The body with every timestamp's fraction of a second dropped ("09:07:43.770090012Z" is "09:07:43Z"): the
    /// writer chooses those digits, and toward a recipient that must never learn a number they could carry one.
    static func wholeSeconds(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let members): return .object(members.map { .init($0.key, wholeSeconds($0.value)) })
        case .array(let items): return .array(items.map(wholeSeconds))
        case .string(let s):
            // yyyy-mm-ddThh:mm:ss.fraction then Z or an offset: the RFC 3339 form the contract's date-times take.
            let u = Array(s.utf8)
            guard u.count > 20, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t"), u[19] == UInt8(ascii: "."), u[13] == UInt8(ascii: ":"),
                u[16] == UInt8(ascii: ":"), u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-")
            else { return v }
            var end = 20
            while end < u.count, u[end] >= 0x30, u[end] <= 0x39 { end += 1 }
            guard end > 20, end < u.count else { return v }
            return .string(String(decoding: u[0..<19] + u[end...], as: UTF8.self))
        default: return v
        }
    }

    /// Keeps only the items of `list` whose `field` is the recipient (an agency sees its own MARAC actions).
    static func keepOwnItems(_ v: JSONValue, list: String, field: String, owner: PartyID) -> JSONValue {
        guard case .object(var members) = v, let i = members.firstIndex(where: { $0.key == list }),
            case .array(let items) = members[i].value
        else { return v }
        members[i].value = .array(items.filter { $0[field]?.stringValue == owner.rawValue })
        return .object(members)
    }
}
