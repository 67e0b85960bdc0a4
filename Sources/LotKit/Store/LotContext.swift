import Contracts
import Foundation
import GRDB

/// One transaction on a service's store, as rules and commands see it: every change made and every message
/// sent through a context commits together or not at all.
public final class LotContext {
    public let db: Database
    public let party: PartyID
    public let settings: LotSettings
    /// The time of this transaction (a test or a timer run may set it).
    public let now: Timestamp
    let allocator: URCAllocator?
    let holdsContactDetails: Bool
    /// The rule or command on whose behalf changes are made, recorded with each outgoing message.
    public var cause: String

    init(
        db: Database, party: PartyID, settings: LotSettings, now: Timestamp, allocator: URCAllocator?,
        holdsContactDetails: Bool, cause: String
    ) {
        self.db = db
        self.party = party
        self.settings = settings
        self.now = now
        self.allocator = allocator
        self.holdsContactDetails = holdsContactDetails
        self.cause = cause
    }

    // MARK: Rule log

    /// Records why the service did something automatically (no personal data beyond the URC).
    public func log(_ rule: String, subject: URC, _ detail: String) {
        try? db.execute(
            sql: "INSERT INTO rule_log (at, rule, subject, detail) VALUES (?, ?, ?, ?)",
            arguments: [now.millisecondsSince1970, rule, subject.canonical, detail])
    }

    // MARK: People

    /// A URC this service has not used, with its issuer code.
    public func allocateURC() throws -> URC {
        guard let allocator else { throw LotError.configuration("\(party) has no URC issuer code in config/parties.json") }
        return try allocator.allocate { urc in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM person WHERE urc = ?", arguments: [urc.canonical]) ?? false
        }
    }

    /// Records a person (or updates what is held); a service that must not hold contact details never stores them.
    public func hold(_ person: Person, role: Referral.SubjectRole, linkedTo: URC? = nil, allocatedHere: Bool) throws {
        var p = person
        if !holdsContactDetails {
            p.address = nil
            p.safeContact = nil
            p.addressIsSafe = nil
        }
        let details = String(decoding: try ContractJSON.encoder.encode(p), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO person (urc, role, linked_to, display_name, allocated_here, details, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(urc) DO UPDATE SET details = excluded.details, display_name = excluded.display_name,
                    linked_to = COALESCE(person.linked_to, excluded.linked_to)
                """,
            arguments: [
                p.urc.canonical, role.rawValue, linkedTo?.canonical,
                "\(p.name.given) \(p.name.family)", allocatedHere, details, now.millisecondsSince1970,
            ])
    }

    /// Records a child with its own URC, linked to the adult it came with.
    public func hold(_ child: Child, linkedTo adult: URC, allocatedHere: Bool) throws {
        var c = child
        if !holdsContactDetails { c.school = nil }
        let details = String(decoding: try ContractJSON.encoder.encode(c), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO person (urc, role, linked_to, display_name, allocated_here, details, created_at)
                VALUES (?, 'child', ?, ?, ?, ?, ?)
                ON CONFLICT(urc) DO UPDATE SET details = excluded.details, linked_to = COALESCE(person.linked_to, excluded.linked_to)
                """,
            arguments: [
                c.urc.canonical, adult.canonical, "\(c.name.given) \(c.name.family)", allocatedHere,
                details, now.millisecondsSince1970,
            ])
    }

    /// The person this service holds under `urc`, or a "not found" error naming the URC.
    public func person(_ urc: URC) throws -> HeldPerson {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE urc = ?", arguments: [urc.canonical]) else {
            throw LotError.notFound("\(party) holds nobody with URC \(urc.canonical): check the code, or use `case` with a URC this service holds")
        }
        return HeldPerson(row: row)
    }

    /// The people linked to `urc` (children, partner), in the order they were recorded.
    public func linked(to urc: URC) throws -> [HeldPerson] {
        try Row.fetchAll(db, sql: "SELECT * FROM person WHERE linked_to = ? ORDER BY created_at, urc", arguments: [urc.canonical])
            .map(HeldPerson.init(row:))
    }

    // MARK: Outbox

    /// Writes a message to the outbox; the worker signs and publishes it after this transaction commits.
    @discardableResult
    public func send<B: MessageBody>(
        _ body: B, to recipient: PartyID, about subject: URC,
        messageID: String = UUID.randomLowercased()
    ) throws -> String {
        try db.execute(
            sql: """
                INSERT INTO outbox (message_id, type, recipient, subject, body, cause, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                messageID, B.messageType.rawValue, recipient.rawValue, subject.canonical,
                try ContractJSON.encode(body), cause, now.millisecondsSince1970,
            ])
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
        try db.execute(
            sql: "INSERT INTO consent (consent_id, subject, recipients, purposes, given_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                id, subject.canonical, recipients.map(\.rawValue).joined(separator: " "),
                purposes.map(\.rawValue).joined(separator: " "), now.millisecondsSince1970,
                expires.millisecondsSince1970,
            ])
        try send(record, to: .gateway, about: subject)
        return id
    }

    /// Withdraws a consent this service recorded, here and at the gateway.
    public func withdrawConsent(_ consentID: String, recordedBy: Staff) throws {
        guard
            let subjectText = try String.fetchOne(
                db, sql: "SELECT subject FROM consent WHERE consent_id = ? AND withdrawn_at IS NULL", arguments: [consentID]),
            let subject = try? URC(parsing: subjectText)
        else {
            throw LotError.notFound("\(party) holds no current consent \(consentID): `case URC` lists the person's consents")
        }
        try db.execute(sql: "UPDATE consent SET withdrawn_at = ? WHERE consent_id = ?", arguments: [now.millisecondsSince1970, consentID])
        try send(
            ConsentRecord.withdrawn(consentId: consentID, at: now, recordedBy: Referrer(service: party, staff: recordedBy)),
            to: .gateway, about: subject)
    }

    /// Records what the gateway made of the consent record sent as message `messageID` (a refusal, from its report).
    func markConsent(sentAs messageID: String, status: String, detail: String?) throws {
        guard
            let body = try Data.fetchOne(
                db, sql: "SELECT body FROM outbox WHERE message_id = ? AND type = ?",
                arguments: [messageID, MessageType.consent.rawValue]),
            let record = try? ContractJSON.decode(ConsentRecord.self, from: body)
        else { return }
        if record.status == .withdrawn {
            // The gateway still holds the consent: say so rather than pretend it ended there.
            try db.execute(
                sql: "UPDATE consent SET gateway_detail = ? WHERE consent_id = ?",
                arguments: ["withdrawal refused: \(detail ?? status)", record.consentId])
        } else {
            try db.execute(
                sql: "UPDATE consent SET gateway_status = ?, gateway_detail = ? WHERE consent_id = ?",
                arguments: [status, detail, record.consentId])
        }
    }

    /// A current consent this service recorded for `subject` covering `recipient` and `purpose` (one the gateway
    /// refused is not current: the gateway will not share on it).
    public func consent(of subject: URC, for recipient: PartyID, purpose: Purpose) throws -> String? {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT consent_id, recipients, purposes FROM consent
                WHERE subject = ? AND withdrawn_at IS NULL AND given_at <= ? AND expires_at > ?
                  AND (gateway_status IS NULL OR gateway_status <> 'refused') ORDER BY given_at DESC
                """, arguments: [subject.canonical, now.millisecondsSince1970, now.millisecondsSince1970])
        return rows.first { r in
            (r["recipients"] as String).split(separator: " ").contains(Substring(recipient.rawValue))
                && (r["purposes"] as String).split(separator: " ").contains(Substring(purpose.rawValue))
        }?["consent_id"]
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
        let messageID = try send(referral, to: recipient, about: referral.subject.urc)
        try recordReferral(
            id: referral.referralId, direction: "out", counterpart: recipient, subject: referral.subject.urc,
            messageID: messageID, type: .referral, status: "sent", body: try ContractJSON.encode(referral))
        return messageID
    }

    /// Records a MARAC referral this service sends and puts it in the outbox.
    @discardableResult
    public func sendMaracReferral(_ referral: MaracReferral) throws -> String {
        let messageID = try send(referral, to: .marac, about: referral.victim.urc)
        try recordReferral(
            id: referral.maracReferralId, direction: "out", counterpart: .marac, subject: referral.victim.urc,
            messageID: messageID, type: .maracReferral, status: "sent", body: try ContractJSON.encode(referral))
        return messageID
    }

    /// Records a referral (in or out) with its first status.
    public func recordReferral(
        id: String, direction: String, counterpart: PartyID, subject: URC, messageID: String,
        type: MessageType, status: String, detail: String? = nil, body: Data
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO referral (referral_id, direction, counterpart, subject, message_id, type, status, status_detail, created_at, updated_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, direction, counterpart.rawValue, subject.canonical, messageID, type.rawValue, status,
                detail, now.millisecondsSince1970, now.millisecondsSince1970, body,
            ])
        try db.execute(
            sql: "INSERT INTO referral_event (referral_id, at, status, detail) VALUES (?, ?, ?, ?)",
            arguments: [id, now.millisecondsSince1970, status, detail])
    }

    /// Moves a referral to a new status, keeping the history.
    public func updateReferral(_ id: String, status: String, detail: String? = nil) throws {
        try db.execute(
            sql: "UPDATE referral SET status = ?, status_detail = ?, updated_at = ? WHERE referral_id = ?",
            arguments: [status, detail, now.millisecondsSince1970, id])
        try db.execute(
            sql: "INSERT INTO referral_event (referral_id, at, status, detail) VALUES (?, ?, ?, ?)",
            arguments: [id, now.millisecondsSince1970, status, detail])
    }

    /// A referral this service received, or a "not found" error naming it.
    public func receivedReferral(_ id: String) throws -> ReceivedReferral {
        ReceivedReferral(
            row: try uniqueRow(
                in: "referral", idColumn: "referral_id", id: id, where: "direction = 'in'",
                what: "referral", notFound: "\(party) has received no referral \(id): `inbox` lists the referrals received"))
    }

    /// The one row of `table` whose `idColumn` is `id`, or starts with it (staff may type the first 8 characters,
    /// as lists show them); a clear error when there is none, or more than one.
    public func uniqueRow(
        in table: String, idColumn: String, id: String, where condition: String = "1",
        arguments: StatementArguments = [], what: String, notFound: String
    ) throws -> Row {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM \(table) WHERE \(condition) AND (\(idColumn) = ? OR (length(?) >= 8 AND \(idColumn) LIKE ? || '%')) LIMIT 2
                """, arguments: arguments + [id, id, id.lowercased()])
        guard rows.count == 1 else {
            throw LotError.notFound(rows.isEmpty ? notFound : "more than one \(what) starts with \(id): type more of it")
        }
        return rows[0]
    }

    /// Records a referral received and the people in it (keeping the URCs given).
    public func recordReceived(
        _ referral: Referral, from sender: PartyID, messageID: String, status: String,
        detail: String? = nil
    ) throws {
        try hold(referral.subject, role: referral.subjectRole, allocatedHere: false)
        for child in referral.household?.children ?? [] { try hold(child, linkedTo: referral.subject.urc, allocatedHere: false) }
        var stored = referral
        if !holdsContactDetails {
            stored.subject.address = nil
            stored.subject.safeContact = nil
            stored.housing = nil
            stored.homeSecurity = nil
            stored.household = nil
        }
        try recordReferral(
            id: referral.referralId, direction: "in", counterpart: sender, subject: referral.subject.urc,
            messageID: messageID, type: .referral, status: status, detail: detail,
            body: try ContractJSON.encode(stored))
    }

    /// Records a referral received and answers the referrer that it is accepted (the `accept-referral` rule).
    public func acceptReferral(_ referral: Referral, from sender: PartyID, messageID: String, note: String? = nil) throws {
        cause = "accept-referral"
        try recordReceived(referral, from: sender, messageID: messageID, status: "received")
        try sendOutcome(for: try receivedReferral(referral.referralId), .accepted, note: note)
        log("accept-referral", subject: referral.subject.urc, "referral \(referral.referralId) from \(sender) accepted")
    }

    /// Tells the referrer where its referral stands, and records the new status here.
    public func sendOutcome(
        for referral: ReceivedReferral, _ outcome: ReferralOutcome.Outcome,
        declineReason: ReferralOutcome.DeclineReason? = nil, contactAttempts: Int? = nil,
        works: ReferralOutcome.Works? = nil, note: String? = nil
    ) throws {
        let body = ReferralOutcome(
            referralId: referral.referralId, outcome: outcome, at: now, declineReason: declineReason,
            contactAttempts: contactAttempts, works: works, note: note)
        try send(body, to: referral.counterpart, about: referral.subject)
        try updateReferral(
            referral.referralId, status: outcome.rawValue,
            detail: declineReason?.summary ?? note)
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
        try db.execute(
            sql:
                "INSERT INTO alert (alert_id, direction, counterpart, subject, kind, severity, at, summary, reference) VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                alert.alertId, recipient.rawValue, subject.canonical, kind.rawValue, severity.rawValue,
                now.millisecondsSince1970, summary, relatesTo?.referralId ?? relatesTo?.maracReferralId,
            ])
        return alert.alertId
    }

    // MARK: Timers

    /// Schedules a timer; the worker fires it when due (the lot's `fire`).
    public func schedule(_ kind: String, subject: URC, reference: String, dueAt: Timestamp) throws {
        try db.execute(
            sql: "INSERT INTO timer (kind, subject, reference, due_at) VALUES (?, ?, ?, ?)",
            arguments: [kind, subject.canonical, reference, dueAt.millisecondsSince1970])
    }

    /// Cancels the pending timers of `reference` (all kinds, or those named).
    public func cancelTimers(reference: String, kinds: [String]? = nil) throws {
        var sql = "UPDATE timer SET cancelled_at = ? WHERE reference = ? AND fired_at IS NULL AND cancelled_at IS NULL"
        var args: [any DatabaseValueConvertible] = [now.millisecondsSince1970, reference]
        if let kinds {
            sql += " AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))"
            args += kinds
        }
        try db.execute(sql: sql, arguments: StatementArguments(args))
    }
}

/// A person as this service holds them.
public struct HeldPerson: Sendable, Equatable {
    public var urc: URC
    public var role: String
    public var linkedTo: URC?
    public var displayName: String
    public var allocatedHere: Bool
    public var details: String?

    init(row: Row) {
        urc = try! URC(parsing: row["urc"] as String)
        role = row["role"]
        linkedTo = (row["linked_to"] as String?).flatMap { try? URC(parsing: $0) }
        displayName = row["display_name"]
        allocatedHere = row["allocated_here"]
        details = row["details"]
    }

    /// The held details as a contract `Person` (adults), when they read as one.
    public var person: Person? { details.flatMap { try? ContractJSON.decoder.decode(Person.self, from: Data($0.utf8)) } }
    /// The held details as a contract `Child`.
    public var child: Child? { role != "child" ? nil : details.flatMap { try? ContractJSON.decoder.decode(Child.self, from: Data($0.utf8)) } }
}

/// A referral this service received.
public struct ReceivedReferral: Sendable {
    public var referralId: String
    public var counterpart: PartyID
    public var subject: URC
    public var status: String
    public var body: Data

    init(row: Row) {
        referralId = row["referral_id"]
        counterpart = PartyID(rawValue: row["counterpart"])!
        subject = try! URC(parsing: row["subject"] as String)
        status = row["status"]
        body = row["body"]
    }

    /// The referral as received.
    public var referral: Referral? { try? ContractJSON.decode(Referral.self, from: body) }
}

extension ReferralOutcome.DeclineReason {
    /// "code: text", as referral histories show it.
    var summary: String { [code.rawValue, text].compactMap { $0 }.joined(separator: ": ") }
}
