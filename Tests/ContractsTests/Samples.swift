import Contracts
import Foundation

/// Realistic message bodies of every type, fully populated and minimal, for conformance tests.
enum Samples {
    static let victimURC = try! URC(parsing: "10BH-P5N4-0BAA")
    static let at = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let idva = Staff(name: "Sam Idva", role: "IDVA", phone: "0116 454 0000", email: "sam.idva@victim-service.example")
    static let referrer = Referrer(service: .victim, staff: idva)
    static func id(_ n: Int) -> String { String(format: "6f1c2a7e-0c3b-4e8a-9d2f-%012d", n) }
    static let dash = DashAssessment(
        completedAt: at,
        answers: (1...24).map { DashAnswer(question: $0, answer: $0 <= 16 ? .yes : ($0 == 24 ? .notKnown : .no)) },
        score: 16, professionalJudgement: false, policeIncidentsLast12Months: 2)
    static let allocator = try! URCAllocator(issuer: "10")
    static let child1 = Child(
        urc: allocator.allocate(), name: PersonName(given: "Ada", family: "Example"),
        dateOfBirth: CalendarDate("2016-03-02")!,
        school: School(name: "Example Primary", address: PostalAddress(lines: ["1 School Lane"], town: "Leicester", postcode: "LE1 1AA")))
    static let victim = Person(
        urc: victimURC, name: PersonName(given: "Jo", family: "Example", preferred: "Jo"),
        dateOfBirth: CalendarDate("1990-05-17")!, gender: .female, language: LanguageTag("en"),
        interpreterNeeded: false, disabilities: [.hearing],
        address: PostalAddress(lines: ["12 Example Road"], town: "Leicester", postcode: "LE2 3AB"),
        addressIsSafe: false,
        safeContact: SafeContact(
            phone: "07700 900123", email: "jo@example.org", safeToCall: true,
            safeToLeaveMessage: false, safeTimes: "weekdays 10-12", codeWord: "bluebell"))
    static let perpetratorURC = allocator.allocate()

    static let referral = Referral(
        referralId: id(1), referredAt: at, referrer: referrer,
        sharing: Sharing(purpose: .homeSecurity, consentId: id(99)),
        priority: .high, reason: "Wants to stay at home with better locks; ex-partner has a key.",
        subject: victim, subjectRole: .victim,
        risk: .init(level: .high, dash: dash, maracReferred: true),
        household: .init(
            children: [child1],
            perpetrator: .init(
                urc: perpetratorURC, name: PersonName(given: "Alex", family: "Example"),
                relationship: .exPartner, livesAtAddress: false, visitsAddress: true,
                bailConditions: "not to enter LE2")),
        needs: [.homeSecurity, .emergencyLockChange],
        housing: .init(tenure: .socialTenant, wantsToStayHome: true, needsMove: false, landlord: .init(name: "City Homes", phone: "0116 000 0000")),
        homeSecurity: .init(
            aged18OrOver: true, livesInArea: true, tenure: .socialTenant, landlordPermission: .granted,
            inContactWithPerpetrator: false, perpetratorLivesAtAddress: false, emergencyLockChange: true,
            accessNotes: "Call first; dog in house"),
        perpetratorProgramme: nil, notes: "Prefers a female installer.")

    static let minimalReferral = Referral(
        referralId: id(2), referredAt: at, referrer: referrer, sharing: Sharing(purpose: .housing), priority: .standard,
        reason: "Needs a move.", subject: Person(urc: victimURC, name: PersonName(given: "Jo", family: "Example")),
        subjectRole: .victim)

    static let outcomeCompleted = ReferralOutcome(
        referralId: id(1), outcome: .completed, at: at, contactAttempts: 1,
        works: .init(
            items: [
                .init(code: "LOCK-5L", description: "5-lever mortice lock", quantity: 2, unitCostPence: 8500),
                .init(code: "DOOR-CHAIN", quantity: 1, unitCostPence: 1500),
            ], completedAt: at),
        note: "Works done within 3 working days.")
    static let outcomeDeclined = ReferralOutcome(
        referralId: id(1), outcome: .declined, at: at,
        declineReason: .init(code: .outOfArea, text: "Lives outside the borough"))
    static let ndr = NonDeliveryReport(
        originalMessageId: id(3), originalType: "referral", intendedRecipient: .safehome,
        reasonCode: .noConsent, refusedAt: at)
    static let consentGiven = ConsentRecord.given(
        consentId: id(99), recipients: [.safehome, .sanctuary], purposes: [.housing, .homeSecurity],
        givenAt: at, expiresAt: at.adding(seconds: 86_400 * 365), method: .verbal, recordedBy: referrer)
    static let consentWithdrawn = ConsentRecord.withdrawn(consentId: id(99), at: at, recordedBy: referrer)
    static let consentAcknowledged = ConsentAcknowledgement(originalMessageId: id(4), consentId: id(99), status: .given, recordedAt: at)
    static let maracReferral = MaracReferral(
        maracReferralId: id(4), referredAt: at, referrer: referrer,
        sharing: Sharing(
            purpose: .marac,
            lawfulBasis: LawfulBasis(
                code: .maracHighRisk, justification: "DASH 16: visible high risk; MARAC sharing without consent.", decidedBy: idva, decidedAt: at)),
        victim: victim,
        perpetrator: .init(urc: perpetratorURC, name: PersonName(given: "Alex", family: "Example"), dateOfBirth: CalendarDate("1988-01-01")!),
        children: [child1], criteria: [.visibleHighRisk], dash: dash, victimAware: true, victimConsented: false,
        noConsentReason: "Fears retaliation if agencies contact the perpetrator.", victimFears: "Being found at the new address",
        safeContacts: [.init(name: "Mary Example", relationship: .parent, phone: "07700 900456")], unsafeContacts: [.init(name: "Sam Example")],
        previousMaracs: [.init(date: CalendarDate("2026-01-10")!, area: "Leicester")], repeat: true,
        lastMaracReferralAt: CalendarDate("2026-01-10")!, riskSummary: "Escalating stalking and threats to kill.")
    static let actionPlan = MaracActionPlan(
        caseId: "LEI-2026-0042", maracReferralId: id(4), meetingDate: CalendarDate("2026-11-26")!,
        nextMeetingDate: CalendarDate("2026-12-10")!,
        actions: [
            .init(actionId: id(5), owner: "sanctuary", description: "Fit door and window locks", dueDate: CalendarDate("2026-12-01")!),
            .init(actionId: id(6), owner: "police", description: "Flag address for urgent response", dueDate: CalendarDate("2026-11-27")!),
        ])
    static let actionUpdate = MaracActionUpdate(
        caseId: "LEI-2026-0042", actionId: id(5), status: .done, note: "Locks fitted",
        updatedAt: at, updatedBy: Referrer(service: .sanctuary, staff: Staff(name: "Pat Fitter", role: "Installer")))
    static let alert = SafetyAlert(
        alertId: id(7), kind: .perpetratorAtAddress, severity: .immediate, raisedAt: at,
        relatesTo: .init(referralId: id(1)), summary: "Installer saw the perpetrator at the address; works suspended.",
        actionRequired: "Sanctuary Project Officer to call the client on the safe number.")

    /// (type, name, body) for every valid sample.
    static var all: [(MessageType, String, Data)] {
        func e<B: MessageBody>(_ b: B) -> Data { try! ContractJSON.encode(b) }
        return [
            (.referral, "full", e(referral)), (.referral, "minimal", e(minimalReferral)),
            (.referralOutcome, "completed", e(outcomeCompleted)), (.referralOutcome, "declined", e(outcomeDeclined)),
            (.nonDeliveryReport, "no-consent", e(ndr)),
            (.consentAcknowledgement, "given", e(consentAcknowledged)),
            (.consent, "given", e(consentGiven)), (.consent, "withdrawn", e(consentWithdrawn)),
            (.maracReferral, "full", e(maracReferral)),
            (.maracActionPlan, "two-actions", e(actionPlan)),
            (.maracActionUpdate, "done", e(actionUpdate)),
            (.safetyAlert, "perpetrator-at-address", e(alert)),
        ]
    }
}
