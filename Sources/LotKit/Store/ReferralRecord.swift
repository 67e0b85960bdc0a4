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
    case contactMade = "contact-made"
    case contactFailed = "contact-failed"
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
    public static let databaseTableName = "referral"

    public var referralId: String
    public var direction: ReferralDirection
    /// The service at the other end: the recipient of one sent, the sender of one received.
    public var counterpart: PartyID
    public var subject: URC
    public var messageId: String
    /// `referral` or `marac-referral`.
    public var type: MessageType
    public var status: ReferralStatus
    public var statusDetail: String?
    public var createdAt: Timestamp
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
    public static let databaseTableName = "referral_event"
    public var referralId: String
    public var at: Timestamp
    public var status: ReferralStatus
    public var detail: String?
}
