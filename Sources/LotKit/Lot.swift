import Contracts
import Foundation
import GRDB

/// One service's behaviour on top of LotKit: its own tables, what it does with the messages it receives, and
/// what its timers do. Everything else (store, inbox, outbox, consent, outcomes, AMQP) is shared.
public protocol Lot: Sendable {
    /// The party this service is on the gateway.
    var party: PartyID { get }
    /// The service's own tables, applied after LotKit's.
    var migrations: [(String, @Sendable (Database) throws -> Void)] { get }
    /// The automatic rules, by name and what each does (shown by the `rules` command).
    var rules: [RuleDescription] { get }
    /// false for a service that must never hold where another person lives or how to reach them (the
    /// perpetrator service): such details are dropped before anything is stored, whatever arrives.
    var holdsContactDetails: Bool { get }

    /// Applies a message LotKit does not handle itself (referrals, MARAC messages).
    func receive(_ message: InboundMessage, in ctx: LotContext) throws
    /// Acts on a timer that fell due.
    func fire(_ timer: DueTimer, in ctx: LotContext) throws
}

/// A lot that runs as its own worker executable. The command line knows a service only by its type (the parser
/// builds each command from its arguments), so such a lot is made from nothing; its settings come with each context.
public protocol WorkerLot: Lot {
    /// The service, ready to run.
    init()
}

extension Lot {
    /// By default a service has no tables beyond LotKit's.
    public var migrations: [(String, @Sendable (Database) throws -> Void)] { [] }
    /// By default a service may hold addresses and contact details; the perpetrator service may not.
    public var holdsContactDetails: Bool { true }
    /// By default a timer has no action: its firing is only written to the rule log.
    public func fire(_ timer: DueTimer, in ctx: LotContext) throws {
        try ctx.log("timer", subject: timer.subject, "timer \(timer.kind) has no action in this service")
    }
}

/// A rule's name and what it does, for staff and reviewers.
public struct RuleDescription: Sendable, Equatable {
    /// The rule's name, as the rule log and `case` show it.
    public var name: String
    /// What the rule does, in a sentence for staff.
    public var summary: String
    /// The rule `name`, which does what `summary` says.
    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// A message from the gateway, verified and read.
public struct InboundMessage: Sendable {
    /// The verified envelope: message id, type, sender, recipient and the subject's URC.
    public var envelope: Envelope
    /// The body as it arrived: JSON, already redacted by the gateway for this recipient.
    public var body: Data

    /// A message whose gateway signature has already been verified.
    public init(envelope: Envelope, body: Data) {
        self.envelope = envelope
        self.body = body
    }

    /// The body as `B`; a body that does not read is unprocessable (it goes to the dead letters).
    public func decode<B: MessageBody>(_ type: B.Type) throws -> B {
        do { return try ContractJSON.decode(B.self, from: body) } catch {
            throw LotError.unprocessable("the \(envelope.type.rawValue) body does not read: \(LotError.describe(error))")
        }
    }
}

/// A timer whose time has come.
public struct DueTimer: Sendable, Equatable {
    /// The timer's row id in the store.
    public var id: Int64
    /// What fell due, one of the lot's own timer kinds (first contact, works, emergency lock change, ...).
    public var kind: String
    /// The URC of the person the deadline concerns.
    public var subject: URC
    /// What it is about: the id of the referral it was scheduled for.
    public var reference: String
    /// When it was due; it fires at the first timer check after that.
    public var dueAt: Timestamp
}
