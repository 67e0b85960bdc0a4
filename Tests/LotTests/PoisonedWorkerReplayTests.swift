import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import LotKit
import Lots
import Messaging
import Synchronization
import TestSupport
import Testing

@testable import GatewayStorage

/// A service whose handling of referrals is broken until the test fixes it (a bug, a missing setting).
final class BreakableLot: Lot {
    let inner: SanctuaryLot
    let broken = Mutex(true)
    init(_ inner: SanctuaryLot) { self.inner = inner }
    var party: PartyID { inner.party }
    var migrations: [(String, @Sendable (Database) throws -> Void)] { inner.migrations }
    var rules: [RuleDescription] { inner.rules }
    func receive(_ message: InboundMessage, in ctx: LotContext) throws {
        if broken.withLock({ $0 }) { throw LotError.configuration("the installer list failed to load") }
        try inner.receive(message, in: ctx)
    }
    func fire(_ timer: DueTimer, in ctx: LotContext) throws { try inner.fire(timer, in: ctx) }
}

/// The gateway, the dead-letter keeper and a sanctuary worker over the real broker, in their own namespace.
@Suite("A poisoned message replayed", .needsBroker)
struct PoisonedWorkerReplayTests {
    @Test(
        "a worker that throws: the referral is dead-lettered after the delivery limit, the cause fixed, replayed through the gateway, and applied exactly once"
    )
    func poisonedThenReplayed() async throws {
        let user = TestBrokerEnvironment.user
        let names = ReferralGatewayTopology(namespace: "p\(UUID().uuidString.prefix(6).lowercased()).")
        try await TestBrokerEnvironment.declare(names, deliveryLimit: 2)

        let victimSigner = MessageSigner.generate(keyID: "victim-test", party: .victim)
        let sanctuarySigner = MessageSigner.generate(keyID: "sanctuary-test", party: .sanctuary)
        let gatewaySigner = MessageSigner.generate(keyID: "gateway-test", party: .gateway)
        let trust = try TrustStore(
            keys: [victimSigner, sanctuarySigner, gatewaySigner].map { .init(keyID: $0.keyID, party: $0.party, publicKey: $0.publicKey) })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString.prefix(8))")
        let store = try SQLiteGatewayStore(path: folder.appendingPathComponent("gateway.sqlite").path)
        let decider = try GatewayDecider(
            policy: try SharingPolicy(contentsOf: Repo.root.appendingPathComponent("config/sharing-policy.yaml")),
            schemas: try ContractSchemas(directory: Repo.root.appendingPathComponent("contracts/schemas")),
            trust: trust, parties: Repo.parties, signer: gatewaySigner, replayUser: BrokerDefinitions.deadLetterAdmin)
        let gateway = GatewayService(decider: decider, store: store, configuration: user("gateway"), topology: names)
        let keeper = DeadLetterKeeper(store: store, configuration: user(BrokerDefinitions.deadLetterAdmin), topology: names)
        let lot = BreakableLot(SanctuaryLot())
        let worker = LotWorker(
            engine: try engine(lot), signer: sanctuarySigner, trust: trust, configuration: user("sanctuary"),
            options: .init(topology: names))
        let tasks = [Task { try await gateway.run() }, Task { try await keeper.run() }, Task { try await worker.run() }]

        // The victim service records consent to home security, then refers; the gateway delivers; the worker throws.
        let drafted = referral(to: .sanctuary, homeSecurity: eligible)
        let consent = ConsentRecord.given(
            consentId: UUID().uuidString.lowercased(), recipients: [.sanctuary],
            purposes: [Repo.settings.purpose(ofReferralTo: .sanctuary)], givenAt: Timestamp().adding(seconds: -60),
            expiresAt: Timestamp().adding(seconds: 86_400), method: .verbal, recordedBy: Referrer(service: .victim, staff: staff))
        let r = {
            var r = drafted
            r.sharing.consentId = consent.consentId
            return r
        }()
        let messages = [
            try SignedMessage.make(consent, to: .gateway, about: drafted.subject.urc, signer: victimSigner),
            try SignedMessage.make(r, to: .sanctuary, about: r.subject.urc, signer: victimSigner),
        ]
        let victim = try await AMQPPublisher(configuration: user("victim"))
        for m in messages { try await victim.publish(m.submission(brokerUser: "victim", topology: names)) }
        await victim.close()

        func kept() async throws -> [DeadLetter] {
            try await store.database.read { db in try DeadLetterArchive.list(.init(includeResolved: true), in: db.tx) }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await kept().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let letter = try #require(try await kept().first, "the poisoned referral was not dead-lettered")
        #expect(letter.reason == "delivery_limit" && letter.queue == names.inbox(.sanctuary) && letter.recipient == "sanctuary")
        #expect(letter.messageID == messages[1].envelope.messageID)
        #expect(worker.statistics.applied == 0 && worker.statistics.retried >= 2)

        // Fixed; replayed by an administrator: the gateway checks the consent it was delivered on, signs it afresh, delivers.
        lot.broken.withLock { $0 = false }
        let replayer = DeadLetterReplayer(store: store, configuration: user(BrokerDefinitions.deadLetterAdmin), topology: names)
        let report = try await replayer.replay([letter.id!], by: "Admin A", reason: "Installer list fixed (ticket 42)")
        #expect(report.outcomes == ["delivered": 1])
        let applied = ContinuousClock.now + .seconds(30)
        while worker.statistics.applied < 1 && ContinuousClock.now < applied { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try worker.engine.count("SELECT COUNT(*) FROM referral WHERE referral_id = ?", [r.referralId]) == 1)

        // Repeating is safe: the same request again, and a new request for the replayed letter, apply nothing twice.
        let requestID = try await store.database.read { db in try String.fetchOne(db, sql: "SELECT request_id FROM replay_request") }
        try await store.database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO replay_request (request_id, dead_letter_id, attempt, requested_at, requested_by, reason) VALUES ('forced', ?, 2, 0, 'Admin A', 'again')",
                arguments: [letter.id!])
        }
        let dl = try await AMQPPublisher(configuration: user(BrokerDefinitions.deadLetterAdmin))
        for id in [requestID!, "forced"] {
            try await dl.publish(
                ReplayRequest.message([ReplayRequest(requestID: id, deadLetterID: letter.id!)], topology: names, brokerUser: "refgw-deadletters"))
        }
        await dl.close()
        let decided = ContinuousClock.now + .seconds(30)
        while try await store.database.read({ db in try String.fetchOne(db, sql: "SELECT outcome FROM replay_request WHERE request_id = 'forced'") })
            == nil,
            ContinuousClock.now < decided
        { try await Task.sleep(for: .milliseconds(50)) }
        #expect(
            try await store.database.read { db in try String.fetchOne(db, sql: "SELECT outcome FROM replay_request WHERE request_id = 'forced'") }
                == "already-delivered")
        try await Task.sleep(for: .milliseconds(500))
        #expect(worker.statistics.applied == 1)
        #expect(try worker.engine.count("SELECT COUNT(*) FROM inbox") == 1)
        try await store.database.read { (db: Database) throws -> Void in
            #expect(try AuditLog.verify(db.tx).isIntact)
            #expect(
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?", arguments: [r.referralId]) == 0)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?",
                    arguments: [messages[1].envelope.messageID]) == 2)  // first delivery, and the replay
            #expect(try String.fetchOne(db, sql: "SELECT actor FROM audit WHERE event = 'replayed' AND reason_code IS NULL") == "Admin A")
        }

        await worker.stop()
        await keeper.stop()
        await gateway.stop()
        for t in tasks { _ = try? await t.value }
        await TestBrokerEnvironment.remove(names)
    }
}
