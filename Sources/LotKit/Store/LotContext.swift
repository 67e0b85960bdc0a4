import Contracts
import Foundation
import GRDB
import GatewayDecision

/// One transaction on a service's store, as rules and commands see it: every change made and every message
/// sent through a context commits together or not at all.
public final class LotContext {
    /// The open write transaction: whatever is written through it commits or rolls back with everything else.
    public let db: Database
    /// The service acting: the sender of every message this context writes to the outbox.
    public let party: PartyID
    /// The rule thresholds and timescales from config/lots.yaml.
    public let settings: LotSettings
    /// The time of this transaction (a test or a timer run may set it).
    public let now: Timestamp
    let allocator: URCAllocator?
    let holdsContactDetails: Bool
    let whereabouts: DisclosureGuard?
    /// The rule or command on whose behalf changes are made, recorded with each outgoing message.
    public var cause: String

    init(
        db: Database, party: PartyID, settings: LotSettings, now: Timestamp, allocator: URCAllocator?,
        holdsContactDetails: Bool, whereabouts: DisclosureGuard? = nil, cause: String
    ) {
        self.db = db
        self.party = party
        self.settings = settings
        self.now = now
        self.allocator = allocator
        self.holdsContactDetails = holdsContactDetails
        self.whereabouts = whereabouts
        self.cause = cause
    }

    // MARK: Rule log

    /// Records why the service did something automatically (no personal data beyond the URC).
    public func log(_ rule: String, subject: URC, _ detail: String) throws {
        try RuleLogEntry(at: now, rule: rule, subject: subject, detail: detail).insert(db)
    }

    // MARK: People

    /// A URC this service has not used, with its issuer code.
    public func allocateURC() throws -> URC {
        guard let allocator else { throw LotError.configuration("\(party) has no URC issuer code in config/parties.json") }
        return try allocator.allocate { urc in try HeldPerson.exists(db, key: urc) }
    }

    /// Records a person (or updates what is held); a service that must not hold contact details never stores them.
    public func hold(_ person: Person, role: Referral.SubjectRole, linkedTo: URC? = nil, allocatedHere: Bool) throws {
        var p = person
        if !holdsContactDetails {
            p.address = nil
            p.safeContact = nil
            p.addressIsSafe = nil
        }
        try hold(p.urc, role: role, name: p.name, details: try ContractJSON.encoder.encode(p), linkedTo: linkedTo, allocatedHere: allocatedHere)
    }

    /// Records a child with its own URC, linked to the adult it came with.
    public func hold(_ child: Child, linkedTo adult: URC, allocatedHere: Bool) throws {
        var c = child
        if !holdsContactDetails { c.school = nil }
        try hold(c.urc, role: .child, name: c.name, details: try ContractJSON.encoder.encode(c), linkedTo: adult, allocatedHere: allocatedHere)
    }

    /// A person held anew, or what is held updated: the role and the first link and allocation stay as recorded.
    private func hold(_ urc: URC, role: Referral.SubjectRole, name: PersonName, details: Data, linkedTo: URC?, allocatedHere: Bool) throws {
        let text = String(decoding: details, as: UTF8.self)
        if var held = try HeldPerson.fetchOne(db, key: urc) {
            held.details = text
            held.displayName = "\(name.given) \(name.family)"
            held.linkedTo = held.linkedTo ?? linkedTo
            try held.update(db)
        } else {
            try HeldPerson(
                urc: urc, role: role, linkedTo: linkedTo, displayName: "\(name.given) \(name.family)", allocatedHere: allocatedHere,
                details: text, createdAt: now
            ).insert(db)
        }
    }

    /// The person this service holds under `urc`, or a "not found" error naming the URC.
    public func person(_ urc: URC) throws -> HeldPerson {
        guard let held = try HeldPerson.fetchOne(db, key: urc) else {
            throw LotError.notFound("\(party) holds nobody with URC \(urc.canonical): check the code, or use `case` with a URC this service holds")
        }
        return held
    }

    /// The people linked to `urc` (children, partner), in the order they were recorded.
    public func linked(to urc: URC) throws -> [HeldPerson] {
        try HeldPerson.linked(to: urc).fetchAll(db)
    }

    // MARK: Free text

    /// Refuses free text that says where someone is or how to reach them (an address, a postcode, a phone number,
    /// a place in the area, a school, a refuge), in a service that must never hold it: kept here, it would reach
    /// anyone who may read this service's records, the man himself by a subject access request. Elsewhere it passes.
    public func refuseWhereabouts(in text: String?, field: String) throws {
        guard let whereabouts, let text, !text.isEmpty else { return }
        let (_, found) = whereabouts.scrub(text)
        guard found.isEmpty else {
            throw LotError.badInput(
                "\(field) holds \(found.map(\.rawValue).joined(separator: ", ")): the \(party) service never keeps where anyone is or how to reach them; write it without that"
            )
        }
    }

    // MARK: Outbox

    /// Writes a message to the outbox; the worker signs and publishes it after this transaction commits.
    @discardableResult
    public func send<B: MessageBody>(
        _ body: B, to recipient: PartyID, about subject: URC,
        messageID: String = UUID.randomLowercased()
    ) throws -> String {
        try OutboxEntry(
            messageId: messageID, type: B.messageType, recipient: recipient, subject: subject, body: try ContractJSON.encode(body),
            cause: cause, createdAt: now
        ).insert(db)
        return messageID
    }

    // MARK: Consent

    /// Records the person's consent here and sends it to the gateway's registry; returns the consent id.
    @discardableResult
    public func recordConsent(
        subject: URC, recipients: [PartyID], purposes: [Purpose], days: Int? = nil,
        method: ConsentRecord.Method = .verbal, recordedBy: Staff
    ) throws -> String {
        guard !recipients.isEmpty, !purposes.isEmpty else { throw LotError.badInput("a consent needs at least one recipient and one purpose") }
        if let days, days < 1 {
            throw LotError.badInput("a consent lasts at least one day; \(days) days is not a consent (leave it out for the default)")
        }
        let id = UUID.randomLowercased()
        let expires = now.adding(seconds: Double((days ?? settings.consentDays) * 86_400))
        let record = ConsentRecord.given(
            consentId: id, recipients: recipients, purposes: purposes, givenAt: now,
            expiresAt: expires, method: method,
            recordedBy: Referrer(service: party, staff: recordedBy))
        try HeldConsent(
            consentId: id, subject: subject, recipients: recipients.map(\.rawValue).joined(separator: " "),
            purposes: purposes.map(\.rawValue).joined(separator: " "), givenAt: now, expiresAt: expires
        ).insert(db)
        try send(record, to: .gateway, about: subject)
        return id
    }

    /// Withdraws a consent this service recorded, here and at the gateway.
    public func withdrawConsent(_ consentID: String, recordedBy: Staff) throws {
        guard var consent = try HeldConsent.filter(key: consentID).filter(Column("withdrawn_at") == nil).fetchOne(db) else {
            throw LotError.notFound("\(party) holds no current consent \(consentID): `case URC` lists the person's consents")
        }
        consent.withdrawnAt = now
        try consent.update(db)
        try send(
            ConsentRecord.withdrawn(consentId: consentID, at: now, recordedBy: Referrer(service: party, staff: recordedBy)),
            to: .gateway, about: consent.subject)
    }

    /// Records that the gateway answered the consent record sent as message `messageID`, acknowledging or refusing
    /// it: the messages about the same person that waited for the answer may go.
    func markConsentAnswered(sentAs messageID: String) throws {
        try db.execute(
            sql: "UPDATE outbox SET answered_at = ? WHERE message_id = ? AND type = 'consent' AND answered_at IS NULL",
            arguments: [now.millisecondsSince1970, messageID])
    }

    /// Records that the gateway refused the consent record sent as message `messageID` (from its report).
    func markConsentRefused(sentAs messageID: String, detail: String) throws {
        guard let sent = try OutboxEntry.filter(Column("message_id") == messageID && Column("type") == MessageType.consent).fetchOne(db),
            let record = try? ContractJSON.decode(ConsentRecord.self, from: sent.body),
            var consent = try HeldConsent.fetchOne(db, key: record.consentId)
        else { return }
        if record.status == .withdrawn {
            // The gateway still holds the consent: say so rather than pretend it ended there.
            consent.gatewayDetail = "withdrawal refused: \(detail)"
        } else {
            consent.gatewayStatus = .refused
            consent.gatewayDetail = detail
        }
        try consent.update(db)
    }

    /// A current consent this service recorded for `subject` covering `recipient` and `purpose` (one the gateway
    /// refused is not current: the gateway will not share on it).
    public func consent(of subject: URC, for recipient: PartyID, purpose: Purpose) throws -> String? {
        try HeldConsent
            .filter(Column("subject") == subject && Column("withdrawn_at") == nil && Column("given_at") <= now && Column("expires_at") > now)
            .filter(Column("gateway_status") == nil || Column("gateway_status") != ConsentRegistration.refused)
            .order(Column("given_at").desc)
            .fetchAll(db)
            .first { $0.covers(recipient, purpose) }?.consentId
    }

    /// The sharing block for a message to `recipient`: this service's consent if it has one, else the lawful
    /// basis staff gave (with its justification), else none (the gateway will refuse it for no consent).
    public func sharing(of subject: URC, to recipient: PartyID, purpose: Purpose, lawfulBasis: LawfulBasis? = nil) throws -> Sharing {
        if let id = try consent(of: subject, for: recipient, purpose: purpose) { return Sharing(purpose: purpose, consentId: id) }
        return Sharing(purpose: purpose, lawfulBasis: lawfulBasis)
    }

    // MARK: Referrals

    /// Records a referral this service sends and puts it in the outbox.
    @discardableResult
    public func sendReferral(_ referral: Referral, to recipient: PartyID) throws -> String {
        // What this service writes is stored here as sent: its free text must not say where anyone is.
        try refuseWhereabouts(in: referral.reason, field: "the reason")
        try refuseWhereabouts(in: referral.notes, field: "the notes")
        try refuseWhereabouts(in: referral.sharing.lawfulBasis?.justification, field: "the justification")
        try refuseWhereabouts(in: referral.perpetratorProgramme?.motivation, field: "the motivation")
        let messageID = try send(referral, to: recipient, about: referral.subject.urc)
        try recordReferral(
            id: referral.referralId, direction: .outgoing, counterpart: recipient, subject: referral.subject.urc,
            messageID: messageID, type: .referral, status: .sent, body: try ContractJSON.encode(referral))
        return messageID
    }

    /// Records a MARAC referral this service sends and puts it in the outbox.
    @discardableResult
    public func sendMaracReferral(_ referral: MaracReferral) throws -> String {
        let messageID = try send(referral, to: .marac, about: referral.victim.urc)
        try recordReferral(
            id: referral.maracReferralId, direction: .outgoing, counterpart: .marac, subject: referral.victim.urc,
            messageID: messageID, type: .maracReferral, status: .sent, body: try ContractJSON.encode(referral))
        return messageID
    }

    /// Records a referral (in or out) with its first status.
    public func recordReferral(
        id: String, direction: ReferralDirection, counterpart: PartyID, subject: URC, messageID: String,
        type: MessageType, status: ReferralStatus, detail: String? = nil, body: Data
    ) throws {
        try ReferralRecord(
            referralId: id, direction: direction, counterpart: counterpart, subject: subject, messageId: messageID, type: type,
            status: status, statusDetail: detail, createdAt: now, updatedAt: now, body: body
        ).insert(db)
        try ReferralEvent(referralId: id, at: now, status: status, detail: detail).insert(db)
    }

    /// Moves a referral to a new status, keeping the history.
    public func updateReferral(_ id: String, status: ReferralStatus, detail: String? = nil) throws {
        guard var referral = try ReferralRecord.fetchOne(db, key: id) else {
            throw LotError.notFound("\(party) holds no referral \(id)")
        }
        referral.status = status
        referral.statusDetail = detail
        referral.updatedAt = now
        try referral.update(db)
        try ReferralEvent(referralId: id, at: now, status: status, detail: detail).insert(db)
    }

    /// A referral this service received, or a "not found" error naming it.
    public func receivedReferral(_ id: String) throws -> ReferralRecord {
        try unique(
            ReferralRecord.filter(Column("direction") == ReferralDirection.incoming), idColumn: "referral_id", id: id, what: "referral",
            notFound: "\(party) has received no referral \(id): `inbox` lists the referrals received")
    }

    /// The one record of `request` whose `idColumn` is `id`, or starts with it (staff may type the first 8
    /// characters, as lists show them); a clear error when there is none, or more than one.
    public func unique<R: FetchableRecord & TableRecord>(
        _ request: QueryInterfaceRequest<R>, idColumn: String, id: String, what: String, notFound: String
    ) throws -> R {
        let column = Column(idColumn)
        // Typed text is matched as text: `%` and `_` are escaped, so "%%%%%%%%" matches nothing rather than anything.
        let escaped = id.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let matches = try request.filter(column == id || (id.count >= 8 && column.like("\(escaped)%", escape: "\\"))).limit(2).fetchAll(db)
        guard matches.count == 1 else {
            throw LotError.notFound(matches.isEmpty ? notFound : "more than one \(what) starts with \(id): type more of it")
        }
        return matches[0]
    }

    /// Records a referral received and the people in it (keeping the URCs given).
    public func recordReceived(
        _ referral: Referral, from sender: PartyID, messageID: String, status: ReferralStatus,
        detail: String? = nil
    ) throws {
        try hold(referral.subject, role: referral.subjectRole, allocatedHere: false)
        for child in referral.household?.children ?? [] { try hold(child, linkedTo: referral.subject.urc, allocatedHere: false) }
        var stored = referral
        if !holdsContactDetails {
            stored.subject.address = nil
            stored.subject.addressIsSafe = nil
            stored.subject.safeContact = nil
            stored.housing = nil
            stored.homeSecurity = nil
            stored.household = nil
        }
        try recordReferral(
            id: referral.referralId, direction: .incoming, counterpart: sender, subject: referral.subject.urc,
            messageID: messageID, type: .referral, status: status, detail: detail,
            body: try ContractJSON.encode(stored))
    }

    /// Records a referral received and answers the referrer that it is accepted (the `accept-referral` rule).
    public func acceptReferral(_ referral: Referral, from sender: PartyID, messageID: String, note: String? = nil) throws {
        cause = "accept-referral"
        try recordReceived(referral, from: sender, messageID: messageID, status: .received)
        try sendOutcome(for: try receivedReferral(referral.referralId), .accepted, note: note)
        try log("accept-referral", subject: referral.subject.urc, "referral \(referral.referralId) from \(sender) accepted")
    }

    /// Tells the referrer where its referral stands, and records the new status here.
    public func sendOutcome(
        for referral: ReferralRecord, _ outcome: ReferralOutcome.Outcome,
        declineReason: ReferralOutcome.DeclineReason? = nil, contactAttempts: Int? = nil,
        works: ReferralOutcome.Works? = nil, note: String? = nil
    ) throws {
        let body = ReferralOutcome(
            referralId: referral.referralId, outcome: outcome, at: now, declineReason: declineReason,
            contactAttempts: contactAttempts, works: works, note: note)
        try send(body, to: referral.counterpart, about: referral.subject)
        try updateReferral(referral.referralId, status: ReferralStatus(outcome), detail: declineReason?.summary ?? note)
    }

    // MARK: Alerts

    /// Raises a safety alert to `recipient` and records it.
    @discardableResult
    public func raiseAlert(
        _ kind: SafetyAlert.Kind, severity: SafetyAlert.Severity, to recipient: PartyID, about subject: URC,
        relatesTo: SafetyAlert.RelatesTo? = nil, summary: String, actionRequired: String? = nil
    ) throws -> String {
        let alert = SafetyAlert(
            alertId: UUID.randomLowercased(), kind: kind, severity: severity, raisedAt: now,
            relatesTo: relatesTo, summary: summary, actionRequired: actionRequired)
        try send(alert, to: recipient, about: subject)
        try AlertRecord(
            alertId: alert.alertId, direction: .outgoing, counterpart: recipient, subject: subject, kind: kind, severity: severity, at: now,
            summary: summary, reference: relatesTo?.referralId ?? relatesTo?.maracReferralId
        ).insert(db)
        return alert.alertId
    }

    // MARK: Timers

    /// Schedules a timer; the worker fires it when due (the lot's `fire`).
    public func schedule(_ kind: String, subject: URC, reference: String, dueAt: Timestamp) throws {
        try TimerRecord(kind: kind, subject: subject, reference: reference, dueAt: dueAt).insert(db)
    }

    /// Cancels the pending timers of `reference` (all kinds, or those named).
    public func cancelTimers(reference: String, kinds: [String]? = nil) throws {
        var pending = TimerRecord.filter(Column("reference") == reference && Column("fired_at") == nil && Column("cancelled_at") == nil)
        if let kinds { pending = pending.filter(kinds.contains(Column("kind"))) }
        try pending.updateAll(db, Column("cancelled_at").set(to: now))
    }
}

extension ReferralOutcome.DeclineReason {
    /// "code: text", as referral histories show it.
    var summary: String { [code.rawValue, text].compactMap { $0 }.joined(separator: ": ") }
}
