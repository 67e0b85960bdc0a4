import Contracts
import Foundation
import GRDB

/// Which way a referral went.
public enum ReferralDirection: String, Codable, Sendable, DatabaseValueConvertible {
    /// This service received it.
    case incoming = "in"
    /// This service sent it.
    case outgoing = "out"
}

/// Where a referral stands, as this service knows it.
public enum ReferralStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Sent, not yet answered.
    case sent
    /// Received and kept, not yet answered (or never answered: a partner-support referral).
    case received
    /// The gateway refused it (its non-delivery report says why).
    case refused
    case accepted, declined
    /// The receiving service reached the person.
    case contactMade = "contact-made"
    /// The receiving service could not reach the person.
    case contactFailed = "contact-failed"
    /// The receiving service finished its work (sanctuary works: with their items and cost).
    case completed
    /// Sanctuary works stopped: the perpetrator is at the address.
    case suspended

    /// The status an outcome reports.
    public init(_ outcome: ReferralOutcome.Outcome) {
        switch outcome {
        case .accepted: self = .accepted
        case .declined: self = .declined
        case .contactMade: self = .contactMade
        case .contactFailed: self = .contactFailed
        case .completed: self = .completed
        }
    }
}

/// A referral this service sent or received (table `referral`), with where it stands.
public struct ReferralRecord: StoreRecord, Sendable {
    /// The table of referrals in and out, one row per referral id.
    public static let databaseTableName = "referral"

    /// The referral's id (a MARAC referral's, for `marac-referral`), which every outcome about it names.
    public var referralId: String
    /// Whether this service sent it or received it.
    public var direction: ReferralDirection
    /// The service at the other end: the recipient of one sent, the sender of one received.
    public var counterpart: PartyID
    /// The URC of the person referred (the victim, for a MARAC referral).
    public var subject: URC
    /// The id of the message that carried it: a non-delivery report names it when the gateway refuses the referral.
    public var messageId: String
    /// `referral` or `marac-referral`.
    public var type: MessageType
    /// Where it stands now; `referral_event` keeps every status it had.
    public var status: ReferralStatus
    /// Why it stands so, when known: a decline reason, an outcome's note, the gateway's refusal code and text.
    public var statusDetail: String?
    /// When this service sent or received it.
    public var createdAt: Timestamp
    /// When its status last changed.
    public var updatedAt: Timestamp
    /// The message body as received (after the gateway's redaction) or as sent.
    public var body: Data

    /// The referral as received or sent, when it is a `referral` that reads.
    public var referral: Referral? { try? ContractJSON.decode(Referral.self, from: body) }
}

extension ReferralRecord {
    /// The referrals about any of `people`, oldest first.
    public static func about(_ people: [URC]) -> QueryInterfaceRequest<ReferralRecord> {
        filter(people.contains(Column("subject"))).order(Column("created_at"), Column("rowid"))
    }
}

/// One change of a referral's status (table `referral_event`): the history `case` shows.
public struct ReferralEvent: StoreRecord, Sendable {
    /// The table of status changes, one row per change, in the order they were made.
    public static let databaseTableName = "referral_event"
    /// The referral whose status changed.
    public var referralId: String
    /// When the status changed.
    public var at: Timestamp
    /// The status it moved to.
    public var status: ReferralStatus
    /// Why, when known (the referral's `statusDetail` at that moment).
    public var detail: String?
}
