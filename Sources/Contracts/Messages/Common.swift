/// A message body of one contract type.
public protocol MessageBody: Codable, Sendable, Equatable {
    static var messageType: MessageType { get }
}

/// Why information is shared; consent and policy are per purpose.
public enum Purpose: String, Codable, Sendable, CaseIterable {
    case safeguardingSupport = "safeguarding-support"
    case riskAssessment = "risk-assessment"
    case housing
    case homeSecurity = "home-security"
    case childSafeguarding = "child-safeguarding"
    case perpetratorIntervention = "perpetrator-intervention"
    case partnerSupport = "partner-support"
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
    public var name: String
    public var role: String
    public var phone: String?
    public var email: String?
    public init(name: String, role: String, phone: String? = nil, email: String? = nil) {
        self.name = name
        self.role = role
        self.phone = phone
        self.email = email
    }
}

/// The service and professional that sent a referral or record.
public struct Referrer: Codable, Sendable, Equatable {
    public var service: PartyID
    /// Who wrote it; always sent, absent in a view that withholds it (the perpetrator service's).
    public var staff: Staff?
    public init(service: PartyID, staff: Staff) {
        self.service = service
        self.staff = staff
    }
}

/// A recorded decision to share without consent, with its reason.
public struct LawfulBasis: Codable, Sendable, Equatable {
    public var code: LawfulBasisCode
    /// Always sent; a view may carry the code alone (safe home and the sanctuary scheme receive only the code).
    public var justification: String?
    public var decidedBy: Staff?
    public var decidedAt: Timestamp?
    public init(code: LawfulBasisCode, justification: String, decidedBy: Staff, decidedAt: Timestamp) {
        self.code = code
        self.justification = justification
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// Why a message is shared: checked by the gateway against the consent registry and the policy.
public struct Sharing: Codable, Sendable, Equatable {
    public var purpose: Purpose
    public var consentId: String?
    public var lawfulBasis: LawfulBasis?
    public init(purpose: Purpose, consentId: String? = nil, lawfulBasis: LawfulBasis? = nil) {
        self.purpose = purpose
        self.consentId = consentId
        self.lawfulBasis = lawfulBasis
    }
}

public struct PersonName: Codable, Sendable, Equatable {
    public var given: String
    public var family: String
    public var preferred: String?
    public init(given: String, family: String, preferred: String? = nil) {
        self.given = given
        self.family = family
        self.preferred = preferred
    }
}

public struct PostalAddress: Codable, Sendable, Equatable {
    public var lines: [String]
    public var town: String?
    public var postcode: String
    public init(lines: [String], town: String? = nil, postcode: String) {
        self.lines = lines
        self.town = town
        self.postcode = postcode
    }
}

/// How to reach a person without alerting the perpetrator.
public struct SafeContact: Codable, Sendable, Equatable {
    public var phone: String?
    public var email: String?
    public var safeToCall: Bool
    public var safeToLeaveMessage: Bool
    public var safeTimes: String?
    public var codeWord: String?
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
    public var urc: URC
    public var name: PersonName
    public var dateOfBirth: CalendarDate?
    public var gender: Gender?
    public var language: LanguageTag?
    public var interpreterNeeded: Bool?
    public var disabilities: [Disability]?
    public var address: PostalAddress?
    /// false when the perpetrator knows this address.
    public var addressIsSafe: Bool?
    public var safeContact: SafeContact?
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

public struct School: Codable, Sendable, Equatable {
    public var name: String
    public var address: PostalAddress?
    public init(name: String, address: PostalAddress? = nil) {
        self.name = name
        self.address = address
    }
}

/// A child in the household, with a URC of its own.
public struct Child: Codable, Sendable, Equatable {
    public var urc: URC
    public var name: PersonName
    public var dateOfBirth: CalendarDate
    public var school: School?
    public init(urc: URC, name: PersonName, dateOfBirth: CalendarDate, school: School? = nil) {
        self.urc = urc
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.school = school
    }
}

/// One answer of the SafeLives Dash RIC, by question number: the copyrighted wording is never stored.
public struct DashAnswer: Codable, Sendable, Equatable {
    public enum Answer: String, Codable, Sendable {
        case yes, no
        case notKnown = "not-known"
    }
    public var question: Int
    public var answer: Answer
    public init(question: Int, answer: Answer) {
        self.question = question
        self.answer = answer
    }
}

/// A completed DASH risk assessment.
public struct DashAssessment: Codable, Sendable, Equatable {
    public var completedAt: Timestamp
    public var answers: [DashAnswer]
    /// Number of yes answers.
    public var score: Int
    public var professionalJudgement: Bool?
    public var policeIncidentsLast12Months: Int?
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
    case owner
    case socialTenant = "social-tenant"
    case privateTenant = "private-tenant"
    case temporary, refuge
    case noFixedAbode = "no-fixed-abode"
    case other
}

/// Gender as the person describes it, as a code (contracts: `$defs/gender`).
public enum Gender: String, Codable, Sendable, CaseIterable {
    case female, male
    case nonBinary = "non-binary"
    case other
    case notKnown = "not-known"
    case preferNotToSay = "prefer-not-to-say"
}

/// A disability or long-term condition, as a code (contracts: `$defs/disability`).
public enum Disability: String, Codable, Sendable, CaseIterable {
    case mobility, visual, hearing, learning
    case mentalHealth = "mental-health"
    case longTermCondition = "long-term-condition"
    case neurodivergence, other
    case preferNotToSay = "prefer-not-to-say"
}

/// How someone is related to the person a message is about (contracts: `$defs/relationship`).
public enum Relationship: String, Codable, Sendable, CaseIterable {
    case partner
    case exPartner = "ex-partner"
    case spouse
    case exSpouse = "ex-spouse"
    case parent, child, sibling
    case otherFamily = "other-family"
    case friend, neighbour, other
}

/// A preferred language as an ISO 639 code with an optional ISO 3166 region (`en`, `pl`, `pt-BR`).
public struct LanguageTag: CanonicalStringCodable, Hashable, Sendable, CustomStringConvertible {
    public let canonicalString: String

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

    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }
    public var description: String { canonicalString }
}
