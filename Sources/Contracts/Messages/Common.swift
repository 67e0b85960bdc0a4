/// A message body of one contract type.
public protocol MessageBody: Codable, Sendable, Equatable {
    /// The type this body travels as (the AMQP `type` property), which names its schema.
    static var messageType: MessageType { get }
}

/// Why information is shared; consent and policy are per purpose.
public enum Purpose: String, Codable, Sendable, CaseIterable {
    /// Support to keep a person safe: the purpose of most referrals, outcomes and alerts between the services.
    case safeguardingSupport = "safeguarding-support"
    /// Assessing the risk the person faces (the DASH risk checklist).
    case riskAssessment = "risk-assessment"
    /// Housing support from the safe home service: securing the home, a move, a refuge.
    case housing
    /// Home-security works by the sanctuary scheme.
    case homeSecurity = "home-security"
    /// Safeguarding children: referrals and alerts to the family service.
    case childSafeguarding = "child-safeguarding"
    /// Work with the perpetrator on the perpetrator programme.
    case perpetratorIntervention = "perpetrator-intervention"
    /// Support for the partner of a man on the perpetrator programme, from the victim service.
    case partnerSupport = "partner-support"
    /// A high-risk case at MARAC: its referral, action plan and updates (MARAC sharing at high risk needs no consent).
    case marac
}

/// A lawful basis that can stand in for consent (contracts/lawful-bases.md).
public enum LawfulBasisCode: String, Codable, Sendable, CaseIterable {
    /// DPA 2018 Schedule 1 paragraph 18: safeguarding of children and individuals at risk.
    case safeguarding = "dpa2018-sch1-para18-safeguarding"
    /// DPA 2018 Schedule 1 paragraph 10: preventing or detecting unlawful acts.
    case preventingCrime = "dpa2018-sch1-para10-preventing-crime"
    /// MARAC sharing at high risk.
    case maracHighRisk = "marac-high-risk"
    /// Children Act 1989 section 47 enquiries.
    case childProtectionEnquiry = "children-act-1989-s47"
}

/// A professional's work identity and work contact details.
public struct Staff: Codable, Sendable, Equatable {
    /// The professional's name as they sign it (given and family name; letters only, no digits).
    public var name: String
    /// Job title (IDVA, Family worker, Housing officer).
    public var role: String
    /// Work phone number; absent when not given.
    public var phone: String?
    /// Work email address; absent when not given.
    public var email: String?
    /// A professional with their work contact details.
    public init(name: String, role: String, phone: String? = nil, email: String? = nil) {
        self.name = name
        self.role = role
        self.phone = phone
        self.email = email
    }
}

/// The service and professional that sent a referral or record.
public struct Referrer: Codable, Sendable, Equatable {
    /// The sending service; the gateway requires it to be the envelope's sender.
    public var service: PartyID
    /// Who wrote it; always sent, absent in a view that withholds it (the perpetrator service's).
    public var staff: Staff?
    /// A referrer with the professional who wrote it (always sent; only a recipient's view may lack the staff).
    public init(service: PartyID, staff: Staff) {
        self.service = service
        self.staff = staff
    }
}

/// A recorded decision to share without consent, with its reason.
public struct LawfulBasis: Codable, Sendable, Equatable {
    /// Which lawful basis is invoked (contracts/lawful-bases.md).
    public var code: LawfulBasisCode
    /// Always sent; a view may carry the code alone (safe home and the sanctuary scheme receive only the code).
    public var justification: String?
    /// Who took the decision; always sent, absent in a view that carries the code alone.
    public var decidedBy: Staff?
    /// When the decision was taken; always sent, absent in a view that carries the code alone.
    public var decidedAt: Timestamp?
    /// A decision as the sender records it; the justification must be at least 20 characters to validate.
    public init(code: LawfulBasisCode, justification: String, decidedBy: Staff, decidedAt: Timestamp) {
        self.code = code
        self.justification = justification
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// Why a message is shared: checked by the gateway against the consent registry and the policy.
public struct Sharing: Codable, Sendable, Equatable {
    /// What the message is shared for; consent and policy are checked per purpose.
    public var purpose: Purpose
    /// The consent relied on (a consent record's id); absent, any current consent covering this sharing is used.
    public var consentId: String?
    /// A recorded decision to share without consent; it counts only where the policy lets this sender invoke it.
    public var lawfulBasis: LawfulBasis?
    /// Sharing for `purpose`, relying on a named consent, a lawful basis, or (neither) any current consent.
    public init(purpose: Purpose, consentId: String? = nil, lawfulBasis: LawfulBasis? = nil) {
        self.purpose = purpose
        self.consentId = consentId
        self.lawfulBasis = lawfulBasis
    }
}

/// A person's name in parts: letters of any script only, so that a name cannot carry a phone number or an address.
public struct PersonName: Codable, Sendable, Equatable {
    /// Given name (up to 60 characters: letters, single spaces, hyphens, apostrophes and dots).
    public var given: String
    /// Family name, in the same characters as `given`.
    public var family: String
    /// The name the person wants to be called by; absent when it is the given name.
    public var preferred: String?
    /// A name; `preferred` only when the person uses another name.
    public init(given: String, family: String, preferred: String? = nil) {
        self.given = given
        self.family = family
        self.preferred = preferred
    }
}

/// A UK postal address: for a victim or child, what must never reach the perpetrator service.
public struct PostalAddress: Codable, Sendable, Equatable {
    /// One to four address lines (house, street...), each up to 200 characters.
    public var lines: [String]
    /// Town or city; absent when the lines and postcode suffice.
    public var town: String?
    /// UK postcode, upper case (`SW1A 1AA`).
    public var postcode: String
    /// An address; `town` may be left out.
    public init(lines: [String], town: String? = nil, postcode: String) {
        self.lines = lines
        self.town = town
        self.postcode = postcode
    }
}

/// How to reach a person without alerting the perpetrator.
public struct SafeContact: Codable, Sendable, Equatable {
    /// A phone number that is safe to use; absent when there is none.
    public var phone: String?
    /// An email address that is safe to use; absent when there is none.
    public var email: String?
    /// Whether it is safe to ring the person; false means do not call.
    public var safeToCall: Bool
    /// Whether a voicemail or message may be left: one heard by the perpetrator can give the person away.
    public var safeToLeaveMessage: Bool
    /// When contact is safe, as the person said (free text, up to 200 characters).
    public var safeTimes: String?
    /// A code word agreed with the person for contact (up to 50 characters).
    public var codeWord: String?
    /// Safe-contact details; whether calling and leaving messages are safe must always be said.
    public init(
        phone: String? = nil, email: String? = nil, safeToCall: Bool, safeToLeaveMessage: Bool,
        safeTimes: String? = nil, codeWord: String? = nil
    ) {
        self.phone = phone
        self.email = email
        self.safeToCall = safeToCall
        self.safeToLeaveMessage = safeToLeaveMessage
        self.safeTimes = safeTimes
        self.codeWord = codeWord
    }
}

/// A person identified by URC, with what services may need to know.
public struct Person: Codable, Sendable, Equatable {
    /// The person's URC; a referral's subject URC is also the envelope's `refgw-subject`.
    public var urc: URC
    /// The person's name, in the structured form that cannot carry contact details.
    public var name: PersonName
    /// Date of birth; absent when not known or not shared.
    public var dateOfBirth: CalendarDate?
    /// Gender as the person describes it (equality monitoring); absent when not recorded.
    public var gender: Gender?
    /// Preferred language; absent when not recorded.
    public var language: LanguageTag?
    /// Whether an interpreter is needed to talk with the person.
    public var interpreterNeeded: Bool?
    /// Disabilities or long-term conditions, each listed once (Equality Act 2010 categories); absent when not recorded.
    public var disabilities: [Disability]?
    /// Where the person lives; the policy allows it to few recipients, and never to the perpetrator service.
    public var address: PostalAddress?
    /// false when the perpetrator knows this address.
    public var addressIsSafe: Bool?
    /// How to reach the person without alerting the perpetrator; absent when not given.
    public var safeContact: SafeContact?
    /// A person; only the URC and the name are required.
    public init(
        urc: URC, name: PersonName, dateOfBirth: CalendarDate? = nil, gender: Gender? = nil,
        language: LanguageTag? = nil, interpreterNeeded: Bool? = nil, disabilities: [Disability]? = nil,
        address: PostalAddress? = nil, addressIsSafe: Bool? = nil, safeContact: SafeContact? = nil
    ) {
        self.urc = urc
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.gender = gender
        self.language = language
        self.interpreterNeeded = interpreterNeeded
        self.disabilities = disabilities
        self.address = address
        self.addressIsSafe = addressIsSafe
        self.safeContact = safeContact
    }
}

/// A child's school: where the child can be found, so it never reaches the perpetrator service.
public struct School: Codable, Sendable, Equatable {
    /// The school's name (up to 200 characters).
    public var name: String
    /// The school's address; absent when the name suffices.
    public var address: PostalAddress?
    /// A school; the address may be left out.
    public init(name: String, address: PostalAddress? = nil) {
        self.name = name
        self.address = address
    }
}

/// A child in the household, with a URC of its own.
public struct Child: Codable, Sendable, Equatable {
    /// The child's own URC: every child gets one, linked to the adult's.
    public var urc: URC
    /// The child's name, in the structured form that cannot carry contact details.
    public var name: PersonName
    /// Date of birth, always given for a child: services work by age (0–19, under 18).
    public var dateOfBirth: CalendarDate
    /// The child's school; absent when not known or not shared.
    public var school: School?
    /// A child; the school may be left out.
    public init(urc: URC, name: PersonName, dateOfBirth: CalendarDate, school: School? = nil) {
        self.urc = urc
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.school = school
    }
}

/// One answer of the SafeLives Dash RIC, by question number: the copyrighted wording is never stored.
public struct DashAnswer: Codable, Sendable, Equatable {
    /// The answer to one question.
    public enum Answer: String, Codable, Sendable {
        /// The person answered yes (each yes counts towards the score) or no.
        case yes, no
        /// The answer is not known; it does not count towards the score.
        case notKnown = "not-known"
    }
    /// Question number, 1 to 24, as the SafeLives Dash RIC numbers them.
    public var question: Int
    /// The answer to that question.
    public var answer: Answer
    /// The answer to question number `question` (1–24).
    public init(question: Int, answer: Answer) {
        self.question = question
        self.answer = answer
    }
}

/// A completed DASH risk assessment.
public struct DashAssessment: Codable, Sendable, Equatable {
    /// When the assessment was completed.
    public var completedAt: Timestamp
    /// All 24 answers, one per question.
    public var answers: [DashAnswer]
    /// Number of yes answers.
    public var score: Int
    /// True when the assessor judges the risk high whatever the score: grounds for a MARAC referral below 14.
    public var professionalJudgement: Bool?
    /// Police-reported incidents in the last 12 months; 3 or more (areas set their own number) is potential escalation.
    public var policeIncidentsLast12Months: Int?
    /// A completed assessment; `score` is the number of yes answers.
    public init(
        completedAt: Timestamp, answers: [DashAnswer], score: Int, professionalJudgement: Bool? = nil,
        policeIncidentsLast12Months: Int? = nil
    ) {
        self.completedAt = completedAt
        self.answers = answers
        self.score = score
        self.professionalJudgement = professionalJudgement
        self.policeIncidentsLast12Months = policeIncidentsLast12Months
    }
}

/// Tenure of the person's home.
public enum Tenure: String, Codable, Sendable, CaseIterable {
    /// Owner-occupier.
    case owner
    /// Tenant of a council or housing association.
    case socialTenant = "social-tenant"
    /// Tenant of a private landlord.
    case privateTenant = "private-tenant"
    /// Living in temporary accommodation, or in a refuge.
    case temporary, refuge
    /// No fixed address.
    case noFixedAbode = "no-fixed-abode"
    /// Any other arrangement (e.g. staying with family or friends).
    case other
}

/// Gender as the person describes it, as a code (contracts: `$defs/gender`).
public enum Gender: String, Codable, Sendable, CaseIterable {
    /// Female or male, as the person describes themselves.
    case female, male
    /// Neither exclusively female nor male.
    case nonBinary = "non-binary"
    /// Another gender the person describes.
    case other
    /// Not recorded or not known.
    case notKnown = "not-known"
    /// The person chose not to say.
    case preferNotToSay = "prefer-not-to-say"
}

/// A disability or long-term condition, as a code (contracts: `$defs/disability`).
public enum Disability: String, Codable, Sendable, CaseIterable {
    /// Mobility, visual or hearing impairment, or a learning disability.
    case mobility, visual, hearing, learning
    /// A mental health condition.
    case mentalHealth = "mental-health"
    /// A long-term illness or condition.
    case longTermCondition = "long-term-condition"
    /// Neurodivergence (e.g. autism, ADHD), or another disability.
    case neurodivergence, other
    /// The person chose not to say.
    case preferNotToSay = "prefer-not-to-say"
}

/// How someone is related to the person a message is about (contracts: `$defs/relationship`).
public enum Relationship: String, Codable, Sendable, CaseIterable {
    /// Current partner, other than a spouse.
    case partner
    /// Former partner.
    case exPartner = "ex-partner"
    /// Husband, wife or civil partner.
    case spouse
    /// Former husband, wife or civil partner.
    case exSpouse = "ex-spouse"
    /// Their parent, their child, or their brother or sister.
    case parent, child, sibling
    /// Another relative.
    case otherFamily = "other-family"
    /// A friend, a neighbour, or someone else.
    case friend, neighbour, other
}

/// A preferred language as an ISO 639 code with an optional ISO 3166 region (`en`, `pl`, `pt-BR`).
public struct LanguageTag: CanonicalStringCodable, Hashable, Sendable, CustomStringConvertible {
    /// The tag as written, e.g. `pt-BR`: lower-case language, optional upper-case region.
    public let canonicalString: String

    /// Parses a tag: a lower-case ISO 639 code of 2–3 letters, optionally `-` and a 2-letter upper-case region.
    public init(canonicalString s: String) throws {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        let isLanguage = (2...3).contains(parts[0].count) && parts[0].allSatisfy { $0.isASCII && $0.isLowercase }
        let isRegion = parts.count == 1 || (parts.count == 2 && parts[1].count == 2 && parts[1].allSatisfy { $0.isASCII && $0.isUppercase })
        guard isLanguage, isRegion else {
            throw CanonicalStringError("a language is an ISO 639 code with an optional region, like en, pl or pt-BR")
        }
        canonicalString = s
    }

    /// A tag from its text, nil when it is not one.
    public init?(_ s: String) { try? self.init(canonicalString: s) }

    /// Decodes a tag from its JSON string; any other text is a decoding error.
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    /// Encodes the tag as its JSON string.
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }
    /// The tag as written.
    public var description: String { canonicalString }
}
