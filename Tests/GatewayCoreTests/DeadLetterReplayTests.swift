import AMQP
import Contracts
import Foundation
import GatewayCore
import GRDB
import Messaging
import Testing
import TestSupport

/// Dead letters kept, listed, grouped, replayed through the real gateway and broker, and discarded.
@Suite struct DeadLetterReplayTests {
    static let urcs = try! URCAllocator(issuer: "11")
    static var deadLetterUser: AMQPConnectionConfiguration { TestBrokerEnvironment.user(BrokerDefinitions.deadLetterAdmin) }

    /// The gateway with a dead-letter keeper beside it, sharing its store as in production.
    final class Setup: Sendable {
        let h: GatewayHarness
        let keeper: DeadLetterKeeper
        let keeping: Task<Void, any Error>

        init() async throws {
            h = try await GatewayHarness()
            keeper = DeadLetterKeeper(store: h.store, configuration: DeadLetterReplayTests.deadLetterUser, topology: h.names)
            let k = keeper
            keeping = Task { try await k.run() }
        }

        var replayer: DeadLetterReplayer { DeadLetterReplayer(store: h.store, configuration: DeadLetterReplayTests.deadLetterUser, topology: h.names) }

        func waitUntilKept(_ n: Int, timeout: Double = 30) async throws {
            let deadline = ContinuousClock.now + .seconds(timeout)
            while try await h.store.database.read({ db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letter") ?? 0 }) < n {
                guard ContinuousClock.now < deadline else { Issue.record("fewer than \(n) dead letters kept in \(timeout) s"); return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        func letters(_ filter: DeadLetterArchive.Filter = .init()) async throws -> [DeadLetter] {
            try await h.store.database.read { db in try DeadLetterArchive.list(filter, in: db) }
        }

        func finish() async {
            await keeper.stop()
            _ = try? await keeping.value
            await h.shutDown()
        }
    }

    /// A referral from the victim service to safe home that needs consent for housing.
    func refer(_ s: Setup, subject: URC) async throws -> SignedMessage {
        let m = try s.h.message(GatewayRefusalTests.referral(s.h, subject: subject), from: .victim, to: .safehome, about: subject)
        try await s.h.submit([m])
        return m
    }

    @Test("refused for no consent, kept, listed and grouped; replayed once consent exists and delivered exactly once; one whose consent was withdrawn stays dead; a discarded one leaves an audited tombstone")
    func replayAndDiscard() async throws {
        let s = try await Setup()
        let h = s.h
        let (s1, s2, s3) = (Self.urcs.allocate(), Self.urcs.allocate(), Self.urcs.allocate())
        let a = try await refer(s, subject: s1), b = try await refer(s, subject: s2), c = try await refer(s, subject: s3)
        _ = try await h.take(3, from: h.names.inbox(.victim))      // the three non-delivery reports
        try await s.waitUntilKept(3)

        // Filters and groups.
        #expect(try await s.letters(.init(reason: "no-consent")).count == 3)
        #expect(try await s.letters(.init(reason: "bad-signature")).isEmpty)
        #expect(try await s.letters(.init(sender: "victim", recipient: "safehome", type: "referral")).count == 3)
        #expect(try await s.letters(.init(recipient: "family")).isEmpty)
        #expect(try await s.letters(.init(since: Timestamp().adding(seconds: 3600))).isEmpty)
        let groups = try await h.store.database.read { db in try DeadLetterArchive.groups(in: db) }
        #expect(groups.map(DeadLetterArchive.key(of:)) == ["no-consent/referral/safehome"] && groups.first?.count == 3)
        let byMessage = Dictionary(uniqueKeysWithValues: try await s.letters().map { ($0.messageID!, $0.id!) })
        let (idA, idB, idC) = (byMessage[a.envelope.messageID]!, byMessage[b.envelope.messageID]!, byMessage[c.envelope.messageID]!)

        // Consent for the first person now; the second's consent given and withdrawn again.
        try await h.giveConsent(from: .victim, subject: s1, recipients: [.safehome], purposes: [.housing])
        let withdrawn = try await h.giveConsent(from: .victim, subject: s2, recipients: [.safehome], purposes: [.housing])
        try await h.withdrawConsent(withdrawn, from: .victim, subject: s2)
        try await h.waitUntilProcessed(6)

        let report = try await s.replayer.replay([idA, idB], by: "Admin A", reason: "Consent recorded after the referral")
        #expect(report.requested == 2 && report.undecided == 0)
        #expect(report.outcomes == ["delivered": 1, "consent-withdrawn": 1])
        let delivered = try await h.take(2, from: h.names.inbox(.safehome), timeout: 3)
        #expect(delivered.count == 1)
        let d = try #require(delivered.first)
        let (env, _) = try h.verified(d)
        #expect(env.messageID == a.envelope.messageID && env.subject == s1)
        #expect(d.properties.headers[ReplayRequest.replayOfHeader]?.stringValue == String(idA))
        #expect(d.properties.headers[ReplayRequest.replayCountHeader]?.stringValue == "1")

        var all = Dictionary(uniqueKeysWithValues: try await s.letters(.init(includeResolved: true)).map { ($0.id!, $0) })
        #expect(all[idA]?.status == "replayed" && all[idA]?.resolvedBy == "Admin A" && all[idA]?.lastReplayOutcome == "delivered")
        #expect(all[idB]?.status == "kept" && all[idB]?.replayCount == 1 && all[idB]?.lastReplayOutcome == "consent-withdrawn")

        // Safe to repeat: A cannot be asked again; the same request arriving twice, or the sender's retry, delivers nothing more.
        await #expect(throws: DeadLetterArchive.ResolutionError.self) { try await s.replayer.replay([idA], by: "Admin A", reason: "again") }
        let requestA = try #require(try await h.store.database.read { db in
            try String.fetchOne(db, sql: "SELECT request_id FROM replay_request WHERE dead_letter_id = ?", arguments: [idA]) })
        let p = try await AMQPPublisher(configuration: Self.deadLetterUser)
        try await p.publish(ReplayRequest.message([ReplayRequest(requestID: requestA, deadLetterID: idA)], topology: h.names, brokerUser: "refgw-deadletters"))
        await p.close()
        try await h.submit([a])
        try await h.waitUntilProcessed(10)
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 1).isEmpty, "a replayed message was delivered twice")

        // Discard: the body goes, a tombstone stays, the audit log says who and why; it can no longer be replayed.
        try await h.store.database.write { db in try DeadLetterArchive.discard([idC], by: "Admin B", reason: "Referral withdrawn by the caseworker", in: db) }
        let tombstone = try #require(try await h.store.database.read { db in try DeadLetterArchive.find(idC, in: db) })
        #expect(tombstone.0.status == "discarded" && tombstone.0.resolvedBy == "Admin B" && tombstone.body.isEmpty && tombstone.properties == "{}")
        await #expect(throws: DeadLetterArchive.ResolutionError.self) { try await s.replayer.replay([idC], by: "Admin B", reason: "oops") }
        #expect(try await s.letters().map(\.id) == [idB])
        #expect(try await s.letters(.init(includeResolved: true)).count == 3)

        // The group now holds only the one still kept; replaying it again is refused again, and counted.
        let group = try await h.store.database.read { db in try DeadLetterArchive.ids(in: #require(.init("no-consent/referral/safehome")), in: db) }
        #expect(group == [idB])
        let again = try await s.replayer.replay(group, by: "Admin A", reason: "Second try")
        #expect(again.outcomes == ["consent-withdrawn": 1])
        all = Dictionary(uniqueKeysWithValues: try await s.letters(.init(includeResolved: true)).map { ($0.id!, $0) })
        #expect(all[idB]?.replayCount == 2 && all[idB]?.status == "kept")

        try await h.store.database.read { (db: Database) throws -> Void in
            #expect(try AuditLog.verify(db).isIntact)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'replayed' AND actor = 'Admin A'") == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?", arguments: [a.envelope.messageID]) == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'discarded' AND actor = 'Admin B' AND justification = 'Referral withdrawn by the caseworker'") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT justification FROM audit WHERE event = 'replayed' AND message_id = ? ", arguments: [a.envelope.messageID]) == "Consent recorded after the referral")
        }
        await s.finish()
    }

    @Test("a message the gateway delivered that also died in gateway.in (acknowledgement lost until the delivery limit) is not delivered again by a replay")
    func replayOfADeliveredMessageDeliversNothing() async throws {
        let s = try await Setup()
        let h = s.h
        let subject = Self.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        let m = try await refer(s, subject: subject)
        #expect(try await h.take(1, from: h.names.inbox(.safehome)).count == 1)

        // As the broker would dead-letter it from gateway.in after too many deliveries without an acknowledgement.
        let submitted = try m.submission(brokerUser: "victim", topology: h.names)
        var properties = submitted.properties
        properties.headers["x-death"] = .array([.table([
            "reason": "delivery_limit", "queue": .string(h.names.gatewayQueue), "exchange": .string(submitted.exchange),
            "routing-keys": .array([.string(submitted.routingKey)]), "count": .int(1), "time": .timestamp(UInt64(Date().timeIntervalSince1970)),
        ])])
        let died = AMQPDelivery(storedFrom: submitted.exchange, routingKey: submitted.routingKey, properties: properties, body: submitted.body)
        try await h.store.database.write { db in _ = try DeadLetterArchive.keep(died, now: Timestamp(), in: db) }
        let letter = try #require(try await s.letters(.init(reason: "delivery_limit")).first)
        #expect(letter.queue == h.names.gatewayQueue && letter.messageID == m.envelope.messageID)

        let report = try await s.replayer.replay([letter.id!], by: "Admin A", reason: "Gateway crash loop fixed")
        #expect(report.outcomes == ["already-delivered": 1])
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 1).isEmpty, "a delivered message was delivered again")
        try await h.store.database.read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?", arguments: [m.envelope.messageID]) == 1)
            #expect(try AuditLog.verify(db).isIntact)
        }
        await s.finish()
    }

    @Test("a replay request from a service's broker user is refused like any message that is not from its sender")
    func replayRequestFromAServiceIsRefused() async throws {
        let s = try await Setup()
        let h = s.h
        let forged = ReplayRequest.message([ReplayRequest(deadLetterID: 1)], topology: h.names, brokerUser: "victim")
        try await h.submitRaw([forged], as: .victim)
        let report = try #require(try await h.take(1, from: h.names.inbox(.victim)).first)
        #expect(try h.verified(report).1["reasonCode"]?.stringValue == "invalid-envelope")
        #expect(h.service.statistics.replays == 0)
        await s.finish()
    }
}
