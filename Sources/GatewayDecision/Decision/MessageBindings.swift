import Contracts
import Foundation

/// How each message type's body is bound to its envelope (`contracts/bindings.json`): where the body names the
/// envelope's subject and in which role, which other people it may name, which fields must name the sender, what
/// the gateway remembers of a delivery, and what a body may refer to.
///
/// The gateway decides on exactly what it delivers: consent, policy and audit use the one subject checked here.
public struct MessageBindings: Sendable {
    /// Where a body names its subject.
    public struct SubjectPlace: Sendable {
        /// The path of the subject's URC in the body (such as `subject.urc`).
        public var urc: [String]
        /// The body field that says the subject's role (a referral's `subjectRole`).
        public var roleField: [String]?
        /// The role the place itself gives (a MARAC referral's victim).
        public var role: PersonRole?
    }

    /// A place where a body names someone besides its subject, and the role that place gives them.
    public struct PersonPlace: Sendable {
        /// The path of the URCs at this place, arrays transparent (such as `household.children.urc`).
        public var urc: [String]
        /// The role everyone named at this place has.
        public var role: PersonRole
    }

    /// What the gateway remembers of a delivered body, and what later bodies refer to.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A referral, by its `referralId`.
        case referral
        /// A MARAC referral, by its `maracReferralId`.
        case maracReferral = "marac-referral"
        /// An action of a MARAC action plan, by its `actionId`, remembered with its case.
        case maracAction = "marac-action"
    }

    /// Between whom a referenced item must have been delivered, seen from the message that refers to it.
    public enum Between: String, Sendable, Codable {
        /// From this message's recipient to its sender (an answer).
        case reply
        /// Between this message's sender and recipient, either way.
        case either
        /// To this message's sender, from anyone.
        case received
        /// Between any services (about the same subject).
        case any
    }

    /// An identifier a delivered body carries, remembered under `kind` (with its case, for MARAC actions).
    public struct Record: Sendable {
        /// What the identifier is remembered as.
        public var kind: Kind
        /// The path of the identifier in the body.
        public var id: [String]
        /// The path of the MARAC case the identifier belongs to (for actions); nil where there is none.
        public var caseField: [String]?
    }

    /// An identifier a body refers to, which the gateway must have delivered about the same subject.
    public struct Reference: Sendable {
        /// What the gateway must have delivered for the identifier to name.
        public var kind: Kind
        /// The path of the referenced identifier in the body.
        public var id: [String]
        /// The path of the case the referenced item must belong to; nil when no case is checked.
        public var caseField: [String]?
        /// Between whom the referenced item must have been delivered.
        public var between: Between
    }

    /// One message type's binding.
    public struct Binding: Sendable {
        /// Where the body names the envelope's subject; nil when it does not (a consent record).
        public var subject: SubjectPlace?
        /// The other places the body may name people, each with the role it gives them.
        public var people: [PersonPlace] = []
        /// Paths whose values must be the sender's party id (a service writes only as itself).
        public var senderFields: [[String]] = []
        /// Identifiers the gateway remembers once the body is delivered, for later messages to refer to.
        public var records: [Record] = []
        /// Identifiers in the body that must name something the gateway delivered earlier.
        public var refersTo: [Reference] = []

        /// Every place a URC may sit, the subject's first.
        var urcPlaces: [[String]] { (subject.map { [$0.urc] } ?? []) + people.map(\.urc) }
    }

    private let bindings: [MessageType: Binding]

    /// The binding of a type (every type has one; an empty one binds only the envelope).
    public func binding(for type: MessageType) -> Binding { bindings[type] ?? Binding() }

    private struct File: Decodable {
        struct Place: Decodable {
            var urc: String
            var roleField: String?
            var role: String?
        }
        struct Record: Decodable {
            var kind: String
            var id: String
            var `case`: String?
        }
        struct Reference: Decodable {
            var kind: String
            var id: String
            var `case`: String?
            var between: String
        }
        struct Entry: Decodable {
            var subject: Place?
            var people: [Place]?
            var sender: [String]?
            var records: [Record]?
            var refersTo: [Reference]?
        }
        var types: [String: Entry]
    }

    /// Reads `contracts/bindings.json`, checking it against the schemas: every URC a schema allows is bound, and
    /// every bound place is a URC (`urcPaths`: per type, each URC place of its schema, arrays transparent).
    public init(contentsOf url: URL, urcPaths: [MessageType: Set<[String]>]) throws(SchemaLoadError) {
        let source = url.lastPathComponent
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) } catch {
            throw SchemaLoadError("\(source): cannot read it: \(error)")
        }
        func path(_ s: String) -> [String] { s.split(separator: ".").map(String.init) }
        func role(_ s: String, _ at: String) throws(SchemaLoadError) -> PersonRole {
            guard let r = PersonRole(rawValue: s) else { throw SchemaLoadError("\(source): \(at): '\(s)' is not a role") }
            return r
        }
        func kind(_ s: String, _ at: String) throws(SchemaLoadError) -> Kind {
            guard let k = Kind(rawValue: s) else { throw SchemaLoadError("\(source): \(at): '\(s)' is not a kind of record") }
            return k
        }
        var out: [MessageType: Binding] = [:]
        for type in MessageType.allCases {
            guard let e = file.types[type.rawValue] else { throw SchemaLoadError("\(source): no entry for \(type.rawValue)") }
            var b = Binding()
            if let s = e.subject {
                guard (s.roleField == nil) != (s.role == nil) else {
                    throw SchemaLoadError("\(source): \(type.rawValue).subject needs exactly one of roleField and role")
                }
                b.subject = SubjectPlace(
                    urc: path(s.urc), roleField: s.roleField.map(path),
                    role: try s.role.map { (r: String) throws(SchemaLoadError) in try role(r, "\(type.rawValue).subject") })
            }
            for p in e.people ?? [] {
                guard let r = p.role else { throw SchemaLoadError("\(source): \(type.rawValue).people: \(p.urc) has no role") }
                b.people.append(PersonPlace(urc: path(p.urc), role: try role(r, "\(type.rawValue).people")))
            }
            b.senderFields = (e.sender ?? []).map(path)
            for r in e.records ?? [] {
                b.records.append(Record(kind: try kind(r.kind, "\(type.rawValue).records"), id: path(r.id), caseField: r.case.map(path)))
            }
            for r in e.refersTo ?? [] {
                guard let between = Between(rawValue: r.between) else {
                    throw SchemaLoadError("\(source): \(type.rawValue).refersTo: '\(r.between)' is not reply, either, received or any")
                }
                b.refersTo.append(
                    Reference(
                        kind: try kind(r.kind, "\(type.rawValue).refersTo"), id: path(r.id),
                        caseField: r.case.map(path), between: between))
            }
            let bound = Set(b.urcPlaces)
            let inSchema = urcPaths[type] ?? []
            if let missing = inSchema.subtracting(bound).sorted(by: { $0.joined() < $1.joined() }).first {
                throw SchemaLoadError(
                    "\(source): the \(type.rawValue) schema allows a URC at \(missing.joined(separator: ".")), which is not bound: add it to subject or people"
                )
            }
            if let extra = bound.subtracting(inSchema).first {
                throw SchemaLoadError("\(source): \(type.rawValue) binds \(extra.joined(separator: ".")), which its schema does not make a URC")
            }
            out[type] = b
        }
        bindings = out
    }
}

/// The people a body names and what it refers to, as its binding reads them.
public struct BoundBody: Sendable, Equatable {
    /// Someone a body names, in the role it names them in (nil: the body does not say, e.g. a consent record).
    public struct Named: Sendable, Hashable {
        /// The person's URC, checked, canonical and issued by a party.
        public var urc: URC
        /// The role the body names them in; nil when it does not say.
        public var role: PersonRole?
    }

    /// An identifier the body refers to.
    public struct ReferenceUse: Sendable, Equatable {
        /// What kind of delivered record it must be.
        public var kind: MessageBindings.Kind
        /// The identifier the body refers to.
        public var id: String
        /// The MARAC case the body names beside it, where the binding reads one.
        public var caseID: String?
        /// Between whom it must have been delivered.
        public var between: MessageBindings.Between
    }

    /// The subject (the envelope's), first, then everyone else named, each once.
    public var people: [Named]
    /// Every identifier the body refers to, each checked against what the gateway delivered.
    public var references: [ReferenceUse]

    /// The envelope's subject as the body names it.
    public var subject: Named { people[0] }
    /// Everyone besides the subject.
    public var linked: ArraySlice<Named> { people.dropFirst() }
}

extension MessageBindings.Binding {
    /// Checks a parsed body against its envelope and returns who it names: every URC valid and issued by a party,
    /// the body's subject the envelope's, the sender fields the sender, and nobody in two roles.
    public func bind(_ body: JSONValue, envelope env: Envelope, parties: PartyDirectory) throws(Refusal) -> BoundBody {
        try Self.checkIssued(env.subject, at: Envelope.Header.subject, parties: parties)
        var subjectRole: PersonRole?
        if let s = subject {
            let values = body.values(at: s.urc)
            guard values.count == 1, let text = values[0].stringValue else {
                throw Refusal(.subjectMismatch, "the body must name its subject once, at \(s.urc.joined(separator: "."))")
            }
            let urc = try Self.urc(text, at: s.urc, parties: parties)
            guard urc == env.subject else {
                throw Refusal(
                    .subjectMismatch,
                    "the body is about \(urc.canonical) (\(s.urc.joined(separator: "."))) but \(Envelope.Header.subject) is \(env.subject.canonical): a message is about one checked person"
                )
            }
            if let field = s.roleField {
                guard let text = body.values(at: field).first?.stringValue, let r = PersonRole(rawValue: text) else {
                    throw Refusal(.invalidSchema, "the body does not say its subject's role at \(field.joined(separator: "."))")
                }
                subjectRole = r
            } else {
                subjectRole = s.role
            }
        }
        var people = [BoundBody.Named(urc: env.subject, role: subjectRole)]
        var roleOf: [URC: PersonRole] = [:]
        if let subjectRole { roleOf[env.subject] = subjectRole }
        for place in self.people {
            for v in body.values(at: place.urc) {
                guard let text = v.stringValue else { throw Refusal(.invalidURC, "\(place.urc.joined(separator: ".")) must be a URC") }
                let urc = try Self.urc(text, at: place.urc, parties: parties)
                if urc == env.subject {
                    throw Refusal(
                        .subjectRoleConflict,
                        "the subject \(urc.canonical) is also named as a \(place.role.rawValue) at \(place.urc.joined(separator: ".")): one person, one role in a message"
                    )
                }
                if let earlier = roleOf[urc] {
                    guard earlier == place.role else {
                        throw Refusal(.subjectRoleConflict, "\(urc.canonical) is named both as a \(earlier.rawValue) and as a \(place.role.rawValue)")
                    }
                    continue
                }
                roleOf[urc] = place.role
                people.append(BoundBody.Named(urc: urc, role: place.role))
            }
        }
        for field in senderFields {
            for v in body.values(at: field) where v.stringValue != env.sender.rawValue {
                throw Refusal(
                    .senderMismatch,
                    "\(field.joined(separator: ".")) names another service than the sender \(env.sender): a service writes only as itself")
            }
        }
        var references: [BoundBody.ReferenceUse] = []
        for r in refersTo {
            for v in body.values(at: r.id) {
                guard let id = v.stringValue else { continue }
                let caseID = r.caseField.flatMap { body.values(at: $0).first?.stringValue }
                references.append(.init(kind: r.kind, id: id, caseID: caseID, between: r.between))
            }
        }
        return BoundBody(people: people, references: references)
    }

    /// The people a delivered body names (after redaction), the subject first: who its recipient now holds.
    func named(in body: JSONValue, envelope env: Envelope) -> [BoundBody.Named] {
        var people = [
            BoundBody.Named(
                urc: env.subject,
                role: subject?.role ?? subject?.roleField.flatMap { body.values(at: $0).first?.stringValue }.flatMap(PersonRole.init))
        ]
        var seen: Set<URC> = [env.subject]
        for place in self.people {
            for v in body.values(at: place.urc) {
                guard let urc = v.stringValue.flatMap({ try? URC(parsing: $0) }), seen.insert(urc).inserted else { continue }
                people.append(.init(urc: urc, role: place.role))
            }
        }
        return people
    }

    /// The identifiers a delivered body carries that later messages may refer to (kind, id, case).
    func records(in body: JSONValue) -> [DeliveredRecord] {
        records.flatMap { r in
            let caseID = r.caseField.flatMap { body.values(at: $0).first?.stringValue }
            return body.values(at: r.id).compactMap(\.stringValue).map { DeliveredRecord(kind: r.kind, id: $0, caseID: caseID) }
        }
    }

    /// A URC from a body: canonical, its check symbol right, issued by a party.
    static func urc(_ text: String, at path: [String], parties: PartyDirectory) throws(Refusal) -> URC {
        let where_ = path.joined(separator: ".")
        let urc: URC
        do { urc = try URC(parsing: text) } catch {
            throw Refusal(.invalidURC, "the URC at \(where_) is not valid (\(error.description)): check it with `refgw urc check`")
        }
        guard urc.canonical == text else { throw Refusal(.invalidURC, "the URC at \(where_) is not in canonical form") }
        try checkIssued(urc, at: where_, parties: parties)
        return urc
    }

    /// Refuses the reserved URC and URCs whose issuer code is no party's.
    static func checkIssued(_ urc: URC, at where_: String, parties: PartyDirectory) throws(Refusal) {
        guard urc != URC.noSubject else {
            throw Refusal(.invalidURC, "\(where_) is the reserved URC 0000-0000-0000, which names nobody")
        }
        guard parties.party(issuing: urc) != nil else {
            throw Refusal(.invalidURC, "the URC at \(where_) carries issuer code \(urc.issuer), which is no party's (config/parties.json)")
        }
    }
}

extension JSONValue {
    /// Every value at a path of object keys, arrays transparent (`household.children.urc`: each child's URC).
    func values(at path: [String]) -> [JSONValue] {
        var current: [JSONValue] = [self]
        for key in path {
            var next: [JSONValue] = []
            for v in current {
                switch v {
                case .object: if let child = v[key] { next.append(child) }
                case .array(let items): for item in items { if let child = item[key] { next.append(child) } }
                default: break
                }
            }
            // Arrays at the end of a step are opened too, so a path may end on a list of strings.
            current = next.flatMap { v -> [JSONValue] in if case .array(let items) = v { return items } else { return [v] } }
        }
        return current
    }
}
