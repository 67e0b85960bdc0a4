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
    public var migrations: [(String, @Sendable (Database) throws -> Void)] { [] }
    public var holdsContactDetails: Bool { true }
    public func fire(_ timer: DueTimer, in ctx: LotContext) throws {
        try ctx.log("timer", subject: timer.subject, "timer \(timer.kind) has no action in this service")
    }
}

/// A rule's name and what it does, for staff and reviewers.
public struct RuleDescription: Sendable, Equatable {
    public var name: String
    public var summary: String
    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// A message from the gateway, verified and read.
public struct InboundMessage: Sendable {
    public var envelope: Envelope
    public var body: Data

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
    public var id: Int64
    public var kind: String
    public var subject: URC
    public var reference: String
    public var dueAt: Timestamp
}
