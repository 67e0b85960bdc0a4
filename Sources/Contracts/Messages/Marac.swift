/// A high-risk case referred to the MARAC. Nothing of it may reach the perpetrator service.
public struct MaracReferral: MessageBody {
    public static let messageType = MessageType.maracReferral

    public enum Criterion: String, Codable, Sendable, CaseIterable {
        case visibleHighRisk = "visible-high-risk"
        case professionalJudgement = "professional-judgement"
        case potentialEscalation = "potential-escalation"
    }

    public struct PerpetratorDetails: Codable, Sendable, Equatable {
        public var urc: URC
        public var name: PersonName?
        public var dateOfBirth: CalendarDate?
        public var address: PostalAddress?
        public init(urc: URC, name: PersonName? = nil, dateOfBirth: CalendarDate? = nil, address: PostalAddress? = nil) {
            self.urc = urc
            self.name = name
            self.dateOfBirth = dateOfBirth
            self.address = address
        }
    }

    public struct ContactPerson: Codable, Sendable, Equatable {
        public var name: String
        public var relationship: Relationship?
        public var phone: String?
        public init(name: String, relationship: Relationship? = nil, phone: String? = nil) {
            self.name = name
            self.relationship = relationship
            self.phone = phone
        }
    }

    public struct PreviousMarac: Codable, Sendable, Equatable {
        public var date: CalendarDate
        public var area: String?
        public init(date: CalendarDate, area: String? = nil) {
            self.date = date
            self.area = area
        }
    }

    public var maracReferralId: String
    public var referredAt: Timestamp
    public var referrer: Referrer
    public var sharing: Sharing
    public var victim: Person
    public var perpetrator: PerpetratorDetails?
    public var children: [Child]
    public var criteria: [Criterion]
    public var dash: DashAssessment
    public var victimAware: Bool
    public var victimConsented: Bool
    public var noConsentReason: String?
    public var victimFears: String?
    public var safeContacts: [ContactPerson]?
    public var unsafeContacts: [ContactPerson]?
    public var previousMaracs: [PreviousMarac]?
    public var `repeat`: Bool
    public var lastMaracReferralAt: CalendarDate?
    public var riskSummary: String

    public init(
        maracReferralId: String, referredAt: Timestamp, referrer: Referrer, sharing: Sharing, victim: Person,
        perpetrator: PerpetratorDetails? = nil, children: [Child], criteria: [Criterion], dash: DashAssessment,
        victimAware: Bool, victimConsented: Bool, noConsentReason: String? = nil, victimFears: String? = nil,
        safeContacts: [ContactPerson]? = nil, unsafeContacts: [ContactPerson]? = nil,
        previousMaracs: [PreviousMarac]? = nil, repeat: Bool, lastMaracReferralAt: CalendarDate? = nil,
        riskSummary: String
    ) {
        self.maracReferralId = maracReferralId
        self.referredAt = referredAt
        self.referrer = referrer
        self.sharing = sharing
        self.victim = victim
        self.perpetrator = perpetrator
        self.children = children
        self.criteria = criteria
        self.dash = dash
        self.victimAware = victimAware
        self.victimConsented = victimConsented
        self.noConsentReason = noConsentReason
        self.victimFears = victimFears
        self.safeContacts = safeContacts
        self.unsafeContacts = unsafeContacts
        self.previousMaracs = previousMaracs
        self.repeat = `repeat`
        self.lastMaracReferralAt = lastMaracReferralAt
        self.riskSummary = riskSummary
    }
}

/// The status an owning agency reports for a MARAC action.
public enum ActionStatus: String, Codable, Sendable, CaseIterable {
    case open
    case inProgress = "in-progress"
    case done
    case notPossible = "not-possible"
    case notDone = "not-done"
}

/// The actions agreed at a MARAC meeting for one case, each owned by one agency.
public struct MaracActionPlan: MessageBody {
    public static let messageType = MessageType.maracActionPlan

    public struct Action: Codable, Sendable, Equatable {
        public var actionId: String
        /// A party id or another agency (police, childrens-social-care, health...).
        public var owner: String
        public var description: String
        public var dueDate: CalendarDate
        public var status: ActionStatus
        public init(actionId: String, owner: String, description: String, dueDate: CalendarDate, status: ActionStatus = .open) {
            self.actionId = actionId
            self.owner = owner
            self.description = description
            self.dueDate = dueDate
            self.status = status
        }
    }

    public var caseId: String
    public var maracReferralId: String
    public var meetingDate: CalendarDate
    public var nextMeetingDate: CalendarDate?
    public var actions: [Action]

    public init(
        caseId: String, maracReferralId: String, meetingDate: CalendarDate, nextMeetingDate: CalendarDate? = nil,
        actions: [Action]
    ) {
        self.caseId = caseId
        self.maracReferralId = maracReferralId
        self.meetingDate = meetingDate
        self.nextMeetingDate = nextMeetingDate
        self.actions = actions
    }
}

/// The owning agency's report on one action, sent to the MARAC coordinator.
public struct MaracActionUpdate: MessageBody {
    public static let messageType = MessageType.maracActionUpdate
    public var caseId: String
    public var actionId: String
    public var status: ActionStatus
    public var note: String?
    public var updatedAt: Timestamp
    public var updatedBy: Referrer

    public init(
        caseId: String, actionId: String, status: ActionStatus, note: String? = nil, updatedAt: Timestamp,
        updatedBy: Referrer
    ) {
        self.caseId = caseId
        self.actionId = actionId
        self.status = status
        self.note = note
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// Something a service must act on now.
public struct SafetyAlert: MessageBody {
    public static let messageType = MessageType.safetyAlert

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case perpetratorAtAddress = "perpetrator-at-address"
        case worksSuspended = "works-suspended"
        case firstContactOverdue = "first-contact-overdue"
        case contactFailed = "contact-failed"
        case worksOverdue = "works-overdue"
        case emergencyLockChangeOverdue = "emergency-lock-change-overdue"
        case childProtection = "child-protection"
        case riskEscalation = "risk-escalation"
    }
    public enum Severity: String, Codable, Sendable { case immediate, urgent, routine }

    public struct RelatesTo: Codable, Sendable, Equatable {
        public var referralId: String?
        public var maracReferralId: String?
        public init(referralId: String? = nil, maracReferralId: String? = nil) {
            self.referralId = referralId
            self.maracReferralId = maracReferralId
        }
    }

    public var alertId: String
    public var kind: Kind
    public var severity: Severity
    public var raisedAt: Timestamp
    public var relatesTo: RelatesTo?
    public var summary: String
    public var actionRequired: String?

    public init(
        alertId: String, kind: Kind, severity: Severity, raisedAt: Timestamp, relatesTo: RelatesTo? = nil,
        summary: String, actionRequired: String? = nil
    ) {
        self.alertId = alertId
        self.kind = kind
        self.severity = severity
        self.raisedAt = raisedAt
        self.relatesTo = relatesTo
        self.summary = summary
        self.actionRequired = actionRequired
    }
}
