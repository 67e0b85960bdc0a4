/// A high-risk case referred to the MARAC. Nothing of it may reach the perpetrator service.
public struct MaracReferral: MessageBody {
    /// The type this body travels as: `marac-referral`.
    public static let messageType = MessageType.maracReferral

    /// Why the case meets the MARAC threshold.
    public enum Criterion: String, Codable, Sendable, CaseIterable {
        /// Visible high risk: a DASH score of 14 or more.
        case visibleHighRisk = "visible-high-risk"
        /// The professional judges the risk high, whatever the score.
        case professionalJudgement = "professional-judgement"
        /// Police-reported incidents reached the area's number within 12 months (3 by default).
        case potentialEscalation = "potential-escalation"
    }

    /// The perpetrator, as the MARAC needs to know him.
    public struct PerpetratorDetails: Codable, Sendable, Equatable {
        /// The perpetrator's URC.
        public var urc: URC
        /// The perpetrator's name; absent when not known.
        public var name: PersonName?
        /// The perpetrator's date of birth; absent when not known.
        public var dateOfBirth: CalendarDate?
        /// Where the perpetrator lives; absent when not known.
        public var address: PostalAddress?
        /// A perpetrator; only the URC is required.
        public init(urc: URC, name: PersonName? = nil, dateOfBirth: CalendarDate? = nil, address: PostalAddress? = nil) {
            self.urc = urc
            self.name = name
            self.dateOfBirth = dateOfBirth
            self.address = address
        }
    }

    /// Someone the victim names as safe, or unsafe, to contact.
    public struct ContactPerson: Codable, Sendable, Equatable {
        /// Their name, in the characters of a full name (no digits).
        public var name: String
        /// How they are related to the victim.
        public var relationship: Relationship?
        /// Their phone number; absent when not given.
        public var phone: String?
        /// A contact; the relationship and the phone may be left out.
        public init(name: String, relationship: Relationship? = nil, phone: String? = nil) {
            self.name = name
            self.relationship = relationship
            self.phone = phone
        }
    }

    /// An earlier MARAC referral for the victim, for spotting repeats.
    public struct PreviousMarac: Codable, Sendable, Equatable {
        /// The date of the earlier referral.
        public var date: CalendarDate
        /// The area whose MARAC it was (up to 100 characters); absent when not recorded.
        public var area: String?
        /// An earlier MARAC referral; the area may be left out.
        public init(date: CalendarDate, area: String? = nil) {
            self.date = date
            self.area = area
        }
    }

    /// Lower-case UUID naming this MARAC referral; the case's action plan refers to it.
    public var maracReferralId: String
    /// When the referral was made.
    public var referredAt: Timestamp
    /// The referring service and professional; the service must be the envelope's sender.
    public var referrer: Referrer
    /// The purpose (`marac`) and the consent, or the `marac-high-risk` lawful basis, relied on.
    public var sharing: Sharing
    /// The victim; their URC is the envelope's subject.
    public var victim: Person
    /// The perpetrator; absent when not known.
    public var perpetrator: PerpetratorDetails?
    /// The children of the household, each by their own URC; empty when there are none.
    public var children: [Child]
    /// The MARAC criteria the case meets, at least one.
    public var criteria: [Criterion]
    /// The DASH assessment behind the referral.
    public var dash: DashAssessment
    /// Whether the victim knows of the referral.
    public var victimAware: Bool
    /// Whether the victim consented to it; when not, `noConsentReason` is required.
    public var victimConsented: Bool
    /// Why the victim did not consent or was not asked (required when `victimConsented` is false).
    public var noConsentReason: String?
    /// Who and what the victim fears (free text, up to 1,000 characters).
    public var victimFears: String?
    /// People the victim says it is safe to contact.
    public var safeContacts: [ContactPerson]?
    /// People who must not be contacted about the victim.
    public var unsafeContacts: [ContactPerson]?
    /// The victim's earlier MARAC referrals.
    public var previousMaracs: [PreviousMarac]?
    /// A repeat: an incident within 12 months of the last MARAC referral for this victim and perpetrator, flagged to the coordinator.
    public var `repeat`: Bool
    /// The date of the victim's last MARAC referral; absent when there was none.
    public var lastMaracReferralAt: CalendarDate?
    /// The referrer's summary of the risk (free text, up to 4,000 characters).
    public var riskSummary: String

    /// A MARAC referral; give `noConsentReason` when the victim did not consent.
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
    /// Not started yet.
    case open
    /// Under way.
    case inProgress = "in-progress"
    /// Carried out.
    case done
    /// No longer possible: circumstances changed.
    case notPossible = "not-possible"
    /// Not carried out, for a reason other than changed circumstances.
    case notDone = "not-done"
}

/// The actions agreed at a MARAC meeting for one case, each owned by one agency.
public struct MaracActionPlan: MessageBody {
    /// The type this body travels as: `marac-action-plan`.
    public static let messageType = MessageType.maracActionPlan

    /// One action agreed at the meeting, owned by one agency.
    public struct Action: Codable, Sendable, Equatable {
        /// Lower-case UUID naming the action; the owner's updates refer to it.
        public var actionId: String
        /// A party id or another agency (police, childrens-social-care, health...).
        public var owner: String
        /// What is to be done (free text, up to 1,000 characters).
        public var description: String
        /// When the action is due.
        public var dueDate: CalendarDate
        /// The action's status when the plan was sent (`open` for a new action).
        public var status: ActionStatus
        /// An action, open unless said otherwise.
        public init(actionId: String, owner: String, description: String, dueDate: CalendarDate, status: ActionStatus = .open) {
            self.actionId = actionId
            self.owner = owner
            self.description = description
            self.dueDate = dueDate
            self.status = status
        }
    }

    /// The coordinator's case reference (upper-case letters, digits and hyphens, e.g. `MC-1A2B3C4D`).
    public var caseId: String
    /// The MARAC referral the case came from: one the gateway delivered to the coordinator.
    public var maracReferralId: String
    /// The date of the meeting that agreed the actions.
    public var meetingDate: CalendarDate
    /// The date of the next meeting, before which owners report on their actions; absent when not set.
    public var nextMeetingDate: CalendarDate?
    /// The actions, at least one; each owning agency receives only its own.
    public var actions: [Action]

    /// The plan for one case from one meeting.
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
    /// The type this body travels as: `marac-action-update`.
    public static let messageType = MessageType.maracActionUpdate
    /// The coordinator's case reference the action belongs to.
    public var caseId: String
    /// The action reported on: one delivered to this sender in that case.
    public var actionId: String
    /// The action's status now.
    public var status: ActionStatus
    /// What was done, or why not (free text, up to 2,000 characters).
    public var note: String?
    /// When the owning agency made the update.
    public var updatedAt: Timestamp
    /// The reporting service and professional; the service must be the envelope's sender.
    public var updatedBy: Referrer

    /// A status report on one action; the note may be left out.
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
    /// The type this body travels as: `safety-alert`.
    public static let messageType = MessageType.safetyAlert

    /// The kind of event to act on.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The perpetrator is living at or visiting the address: works are suspended and the referrer told at once.
        case perpetratorAtAddress = "perpetrator-at-address"
        /// Works at the person's home are suspended.
        case worksSuspended = "works-suspended"
        /// No first contact within the time allowed (48 hours for the sanctuary scheme).
        case firstContactOverdue = "first-contact-overdue"
        /// The service could not reach the person; check that they are safe.
        case contactFailed = "contact-failed"
        /// Works not completed within the working days allowed.
        case worksOverdue = "works-overdue"
        /// An emergency lock change was not done the same day.
        case emergencyLockChangeOverdue = "emergency-lock-change-overdue"
        /// A child may be at risk, or the person referred is under 18: a child protection referral is needed.
        case childProtection = "child-protection"
        /// The risk to the person has risen.
        case riskEscalation = "risk-escalation"
    }
    /// How fast the recipient must act: `immediate`, `urgent` or `routine`.
    public enum Severity: String, Codable, Sendable { case immediate, urgent, routine }

    /// The referral or MARAC referral an alert concerns.
    public struct RelatesTo: Codable, Sendable, Equatable {
        /// A referral between the two services, about the same person.
        public var referralId: String?
        /// A MARAC referral about the same person.
        public var maracReferralId: String?
        /// A link to a referral, a MARAC referral, or both.
        public init(referralId: String? = nil, maracReferralId: String? = nil) {
            self.referralId = referralId
            self.maracReferralId = maracReferralId
        }
    }

    /// Lower-case UUID naming this alert.
    public var alertId: String
    /// What happened.
    public var kind: Kind
    /// How fast the recipient must act.
    public var severity: Severity
    /// When the alert was raised.
    public var raisedAt: Timestamp
    /// The referral or MARAC referral it concerns; absent when it concerns neither.
    public var relatesTo: RelatesTo?
    /// What happened, in words (up to 1,000 characters).
    public var summary: String
    /// What the recipient should do (up to 1,000 characters); absent when the kind says it.
    public var actionRequired: String?

    /// An alert; link it to a referral or MARAC referral with `relatesTo` where there is one.
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
