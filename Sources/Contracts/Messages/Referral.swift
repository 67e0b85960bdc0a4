/// A request that another service supports a person, identified by URC.
public struct Referral: MessageBody {
    /// The type this body travels as: `referral`.
    public static let messageType = MessageType.referral

    /// How urgently the receiving service should act: `standard`, `high` or `emergency`.
    public enum Priority: String, Codable, Sendable { case standard, high, emergency }
    /// The role of the person referred; the gateway holds every URC to the role it was first seen in.
    public enum SubjectRole: String, Codable, Sendable, CaseIterable {
        /// The person experiencing abuse, a child of the household, or the person causing the harm.
        case victim, child, perpetrator
        /// Another adult of the household (who may later be referred as a victim in her own right).
        case otherAdult = "other-adult"
    }
    /// A kind of support the referral asks for.
    public enum Need: String, Codable, Sendable, CaseIterable {
        /// Help with housing (to stay safely or to move), or a place in a refuge.
        case housing, refuge
        /// Home-security works by the sanctuary scheme.
        case homeSecurity = "home-security"
        /// A lock change the same day.
        case emergencyLockChange = "emergency-lock-change"
        /// Support for the children of the household.
        case childrenSupport = "children-support"
        /// A place on the perpetrator programme.
        case perpetratorProgramme = "perpetrator-programme"
        /// Support for the partner of a man on the perpetrator programme.
        case partnerSupport = "partner-support"
        /// Counselling or therapeutic support.
        case counselling
        /// Legal advice, e.g. on protective orders or family proceedings.
        case legalAdvice = "legal-advice"
        /// Help with money: benefits, debts, access to funds.
        case financialSupport = "financial-support"
    }

    /// The assessed risk to the person, and whether the case went to MARAC.
    public struct Risk: Codable, Sendable, Equatable {
        /// Risk level as assessed: `standard`, `medium` or `high`.
        public enum Level: String, Codable, Sendable { case standard, medium, high }
        /// The risk level the referrer assessed.
        public var level: Level
        /// The DASH assessment behind the level; absent when none was done.
        public var dash: DashAssessment?
        /// Whether the case has been referred to the MARAC; absent when not said.
        public var maracReferred: Bool?
        /// A risk at `level`, with its DASH and MARAC referral when there are any.
        public init(level: Level, dash: DashAssessment? = nil, maracReferred: Bool? = nil) {
            self.level = level
            self.dash = dash
            self.maracReferred = maracReferred
        }
    }

    /// The household's perpetrator, by URC, with what the receiving service needs to keep the person safe.
    public struct HouseholdPerpetrator: Codable, Sendable, Equatable {
        /// The perpetrator's URC; from then on the gateway holds it to the perpetrator role.
        public var urc: URC
        /// The perpetrator's name; absent when not known or not shared.
        public var name: PersonName?
        /// How the perpetrator is related to the person referred.
        public var relationship: Relationship?
        /// Whether the perpetrator lives at the person's address.
        public var livesAtAddress: Bool?
        /// Whether the perpetrator visits the person's address.
        public var visitsAddress: Bool?
        /// Bail conditions or court orders on the perpetrator, as free text (up to 1,000 characters).
        public var bailConditions: String?
        /// A household perpetrator; only the URC is required.
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

    /// The people linked to the referral, each by their own URC, shared under the subject's consent or lawful basis.
    public struct Household: Codable, Sendable, Equatable {
        /// The children of the household (up to 20).
        public var children: [Child]?
        /// The perpetrator; absent when none is named.
        public var perpetrator: HouseholdPerpetrator?
        /// A household; either part may be left out.
        public init(children: [Child]? = nil, perpetrator: HouseholdPerpetrator? = nil) {
            self.children = children
            self.perpetrator = perpetrator
        }
    }

    /// The landlord, whose permission home-security works or a move may need.
    public struct Landlord: Codable, Sendable, Equatable {
        /// The landlord's name, a person's or an organisation's (up to 200 characters).
        public var name: String
        /// The landlord's phone number; absent when not known.
        public var phone: String?
        /// A landlord; the phone may be left out.
        public init(name: String, phone: String? = nil) {
            self.name = name
            self.phone = phone
        }
    }

    /// The person's housing situation, for the safe home service.
    public struct Housing: Codable, Sendable, Equatable {
        /// How the person holds their home.
        public var tenure: Tenure
        /// Whether the person wants to stay in their own home, made safe, rather than move.
        public var wantsToStayHome: Bool?
        /// Whether the person needs to move for their safety.
        public var needsMove: Bool?
        /// The landlord, for a tenant; absent when there is none or it is not known.
        public var landlord: Landlord?
        /// A housing situation; only the tenure is required.
        public init(tenure: Tenure, wantsToStayHome: Bool? = nil, needsMove: Bool? = nil, landlord: Landlord? = nil) {
            self.tenure = tenure
            self.wantsToStayHome = wantsToStayHome
            self.needsMove = needsMove
            self.landlord = landlord
        }
    }

    /// What the sanctuary scheme needs to decide eligibility and plan works.
    public struct HomeSecurity: Codable, Sendable, Equatable {
        /// Whether the landlord allows the works: the scheme installs only with permission where it is needed.
        public enum LandlordPermission: String, Codable, Sendable {
            /// The landlord agreed, refused, or has not answered yet (refused or pending: not eligible for now).
            case granted, refused, pending
            /// No permission is needed (e.g. the person owns the home).
            case notNeeded = "not-needed"
        }
        /// Whether the person is 18 or over; under 18 the scheme declines and a child protection referral is needed.
        public var aged18OrOver: Bool
        /// Whether the person lives in the scheme's area (the borough).
        public var livesInArea: Bool
        /// How the person holds the home; the eligible tenures are set in config/lots.yaml.
        public var tenure: Tenure
        /// Whether the landlord allows the works.
        public var landlordPermission: LandlordPermission
        /// Whether the person is in contact with the perpetrator (then not eligible).
        public var inContactWithPerpetrator: Bool
        /// Whether the perpetrator lives at the address (then not eligible).
        public var perpetratorLivesAtAddress: Bool
        /// Whether the locks must be changed the same day; absent means no.
        public var emergencyLockChange: Bool?
        /// How the installer can get in and reach the person safely (free text, up to 1,000 characters).
        public var accessNotes: String?
        /// The eligibility answers, with the emergency lock change and access notes when there are any.
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

    /// What the perpetrator programme needs: whether he referred himself, and why he wants to change.
    public struct PerpetratorProgramme: Codable, Sendable, Equatable {
        /// True when the man referred himself (the self-referral route), false for an agency referral.
        public var selfReferral: Bool
        /// Why he wants to change, written for the programme: the only free text of a referral the perpetrator service receives.
        public var motivation: String?
        /// Programme details; the motivation may be left out.
        public init(selfReferral: Bool, motivation: String? = nil) {
            self.selfReferral = selfReferral
            self.motivation = motivation
        }
    }

    /// Lower-case UUID naming this referral; outcomes and alerts refer to it.
    public var referralId: String
    /// When the referrer made the referral.
    public var referredAt: Timestamp
    /// The referring service and professional; the service must be the envelope's sender.
    public var referrer: Referrer
    /// The purpose, and the consent or lawful basis the sharing relies on.
    public var sharing: Sharing
    /// How urgently the receiving service should act.
    public var priority: Priority
    /// Why the person is referred; absent in a view that withholds it (the perpetrator service's).
    public var reason: String?
    /// The person referred; their URC is also the envelope's subject.
    public var subject: Person
    /// The role of the person referred; held to the role the gateway first saw the URC in.
    public var subjectRole: SubjectRole
    /// The assessed risk; absent when none was assessed.
    public var risk: Risk?
    /// The children and the perpetrator linked to the referral.
    public var household: Household?
    /// The kinds of support asked for, each listed once.
    public var needs: [Need]?
    /// The housing situation, for a referral to the safe home service.
    public var housing: Housing?
    /// The sanctuary scheme's eligibility answers, for a referral to it (the scheme declines a referral without them).
    public var homeSecurity: HomeSecurity?
    /// Programme details, for a referral to the perpetrator service.
    public var perpetratorProgramme: PerpetratorProgramme?
    /// Anything else about the case, as free text (up to 4,000 characters); never delivered to the perpetrator service.
    public var notes: String?

    /// A referral as its sender builds it; `reason` is required on submission and nil only in a recipient's view.
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

/// The role a message names a person in: the referral's `subjectRole` values.
public typealias PersonRole = Referral.SubjectRole
