/// A request that another service supports a person, identified by URC.
public struct Referral: MessageBody {
    public static let messageType = MessageType.referral

    public enum Priority: String, Codable, Sendable { case standard, high, emergency }
    public enum SubjectRole: String, Codable, Sendable {
        case victim, child, perpetrator
        case otherAdult = "other-adult"
    }
    public enum Need: String, Codable, Sendable, CaseIterable {
        case housing, refuge
        case homeSecurity = "home-security"
        case emergencyLockChange = "emergency-lock-change"
        case childrenSupport = "children-support"
        case perpetratorProgramme = "perpetrator-programme"
        case partnerSupport = "partner-support"
        case counselling
        case legalAdvice = "legal-advice"
        case financialSupport = "financial-support"
    }

    public struct Risk: Codable, Sendable, Equatable {
        public enum Level: String, Codable, Sendable { case standard, medium, high }
        public var level: Level
        public var dash: DashAssessment?
        public var maracReferred: Bool?
        public init(level: Level, dash: DashAssessment? = nil, maracReferred: Bool? = nil) {
            self.level = level
            self.dash = dash
            self.maracReferred = maracReferred
        }
    }

    public struct HouseholdPerpetrator: Codable, Sendable, Equatable {
        public var urc: URC
        public var name: PersonName?
        public var relationship: Relationship?
        public var livesAtAddress: Bool?
        public var visitsAddress: Bool?
        public var bailConditions: String?
        public init(
            urc: URC, name: PersonName? = nil, relationship: Relationship? = nil, livesAtAddress: Bool? = nil,
            visitsAddress: Bool? = nil, bailConditions: String? = nil
        ) {
            self.urc = urc
            self.name = name
            self.relationship = relationship
            self.livesAtAddress = livesAtAddress
            self.visitsAddress = visitsAddress
            self.bailConditions = bailConditions
        }
    }

    public struct Household: Codable, Sendable, Equatable {
        public var children: [Child]?
        public var perpetrator: HouseholdPerpetrator?
        public init(children: [Child]? = nil, perpetrator: HouseholdPerpetrator? = nil) {
            self.children = children
            self.perpetrator = perpetrator
        }
    }

    public struct Landlord: Codable, Sendable, Equatable {
        public var name: String
        public var phone: String?
        public init(name: String, phone: String? = nil) {
            self.name = name
            self.phone = phone
        }
    }

    public struct Housing: Codable, Sendable, Equatable {
        public var tenure: Tenure
        public var wantsToStayHome: Bool?
        public var needsMove: Bool?
        public var landlord: Landlord?
        public init(tenure: Tenure, wantsToStayHome: Bool? = nil, needsMove: Bool? = nil, landlord: Landlord? = nil) {
            self.tenure = tenure
            self.wantsToStayHome = wantsToStayHome
            self.needsMove = needsMove
            self.landlord = landlord
        }
    }

    /// What the sanctuary scheme needs to decide eligibility and plan works.
    public struct HomeSecurity: Codable, Sendable, Equatable {
        public enum LandlordPermission: String, Codable, Sendable {
            case granted, refused, pending
            case notNeeded = "not-needed"
        }
        public var aged18OrOver: Bool
        public var livesInArea: Bool
        public var tenure: Tenure
        public var landlordPermission: LandlordPermission
        public var inContactWithPerpetrator: Bool
        public var perpetratorLivesAtAddress: Bool
        public var emergencyLockChange: Bool?
        public var accessNotes: String?
        public init(
            aged18OrOver: Bool, livesInArea: Bool, tenure: Tenure, landlordPermission: LandlordPermission,
            inContactWithPerpetrator: Bool, perpetratorLivesAtAddress: Bool, emergencyLockChange: Bool? = nil,
            accessNotes: String? = nil
        ) {
            self.aged18OrOver = aged18OrOver
            self.livesInArea = livesInArea
            self.tenure = tenure
            self.landlordPermission = landlordPermission
            self.inContactWithPerpetrator = inContactWithPerpetrator
            self.perpetratorLivesAtAddress = perpetratorLivesAtAddress
            self.emergencyLockChange = emergencyLockChange
            self.accessNotes = accessNotes
        }
    }

    public struct PerpetratorProgramme: Codable, Sendable, Equatable {
        public var selfReferral: Bool
        public var motivation: String?
        public init(selfReferral: Bool, motivation: String? = nil) {
            self.selfReferral = selfReferral
            self.motivation = motivation
        }
    }

    public var referralId: String
    public var referredAt: Timestamp
    public var referrer: Referrer
    public var sharing: Sharing
    public var priority: Priority
    /// Why the person is referred; absent in a view that withholds it (the perpetrator service's).
    public var reason: String?
    public var subject: Person
    public var subjectRole: SubjectRole
    public var risk: Risk?
    public var household: Household?
    public var needs: [Need]?
    public var housing: Housing?
    public var homeSecurity: HomeSecurity?
    public var perpetratorProgramme: PerpetratorProgramme?
    public var notes: String?

    public init(
        referralId: String, referredAt: Timestamp, referrer: Referrer, sharing: Sharing, priority: Priority,
        reason: String?, subject: Person, subjectRole: SubjectRole, risk: Risk? = nil, household: Household? = nil,
        needs: [Need]? = nil, housing: Housing? = nil, homeSecurity: HomeSecurity? = nil,
        perpetratorProgramme: PerpetratorProgramme? = nil, notes: String? = nil
    ) {
        self.referralId = referralId
        self.referredAt = referredAt
        self.referrer = referrer
        self.sharing = sharing
        self.priority = priority
        self.reason = reason
        self.subject = subject
        self.subjectRole = subjectRole
        self.risk = risk
        self.household = household
        self.needs = needs
        self.housing = housing
        self.homeSecurity = homeSecurity
        self.perpetratorProgramme = perpetratorProgramme
        self.notes = notes
    }
}
