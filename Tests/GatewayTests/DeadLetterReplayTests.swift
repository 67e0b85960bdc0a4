import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import Messaging
import Synchronization
import TestSupport
import Testing

@testable import GatewayStorage

/// Dead letters kept, listed, grouped, replayed through the real gateway and broker, and discarded.
@Suite(.needsBroker) struct DeadLetterReplayTests {
    static let urcs = try! URCAllocator(issuer: "10")  // the victim service's: it sends and records consent
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

        var replayer: DeadLetterReplayer {
            DeadLetterReplayer(store: h.store, configuration: DeadLetterReplayTests.deadLetterUser, topology: h.names)
        }

        func waitUntilKept(_ n: Int) async throws {
            let store = h.store
            try await eventually("\(n) dead letters are kept", timeout: 60) {
                try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letter") ?? 0 } >= n
            }
        }

        func letters(_ filter: DeadLetterArchive.Filter = .init()) async throws -> [DeadLetter] {
            try await h.store.database.read { db in try DeadLetterArchive.list(filter, in: db.tx) }
        }

        func finish() async {
            await keeper.stop()
            _ = try? await keeping.value
            await h.shutDown()
        }
    }

    /// A referral from the victim service to safe home that needs consent for housing.
    func refer(_ s: Setup, subject: URC) async throws -> SignedMessage {
        let m = try s.h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
        try await s.h.submit([m])
        return m
    }

    @Test(
        "refused for no consent, kept, listed and grouped; replayed once consent exists and delivered exactly once; one whose consent was withdrawn stays dead; a discarded one leaves an audited tombstone"
    )
    func replayAndDiscard() async throws {
        let s = try await Setup()
        let h = s.h
        let (s1, s2, s3) = (Self.urcs.allocate(), Self.urcs.allocate(), Self.urcs.allocate())
        let a = try await refer(s, subject: s1)
        let b = try await refer(s, subject: s2)
        let c = try await refer(s, subject: s3)
        _ = try await h.take(3, from: h.names.inbox(.victim))  // the three non-delivery reports
        try await s.waitUntilKept(3)

        // Filters and groups.
        #expect(try await s.letters(.init(reason: "no-consent")).count == 3)
        #expect(try await s.letters(.init(reason: "bad-signature")).isEmpty)
        #expect(try await s.letters(.init(sender: "victim", recipient: "safehome", type: "referral")).count == 3)
        #expect(try await s.letters(.init(recipient: "family")).isEmpty)
        #expect(try await s.letters(.init(since: Timestamp().adding(seconds: 3600))).isEmpty)
        let groups = try await h.store.database.read { db in try DeadLetterArchive.groups(in: db.tx) }
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
        #expect(all[idA]?.status == .replayed && all[idA]?.resolvedBy == "Admin A" && all[idA]?.lastReplayOutcome == "delivered")
        #expect(all[idB]?.status == .kept && all[idB]?.replayCount == 1 && all[idB]?.lastReplayOutcome == "consent-withdrawn")

        // Safe to repeat: A cannot be asked again; the same request arriving twice, or the sender's retry, delivers nothing more.
        await #expect(throws: DeadLetterArchive.ResolutionError.self) { try await s.replayer.replay([idA], by: "Admin A", reason: "again") }
        let requestA = try #require(
            try await h.store.database.read { db in
                try String.fetchOne(db, sql: "SELECT request_id FROM replay_request WHERE dead_letter_id = ?", arguments: [idA])
            })
        let p = try await AMQPPublisher(configuration: Self.deadLetterUser)
        try await p.publish(
            ReplayRequest.message([ReplayRequest(requestID: requestA, deadLetterID: idA)], topology: h.names, brokerUser: "refgw-deadletters"))
        await p.close()
        try await h.submit([a])
        try await h.waitUntilProcessed(10)
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 1).isEmpty, "a replayed message was delivered twice")

        // Discard: the body goes, a tombstone stays, the audit log says who and why; it can no longer be replayed.
        try await h.store.database.write { db in
            try DeadLetterArchive.discard([idC], by: "Admin B", reason: "Referral withdrawn by the caseworker", in: db.tx)
        }
        let tombstone = try #require(try await h.store.database.read { db in try DeadLetterArchive.find(idC, in: db.tx) })
        #expect(tombstone.0.status == .discarded && tombstone.0.resolvedBy == "Admin B" && tombstone.body.isEmpty && tombstone.properties == "{}")
        await #expect(throws: DeadLetterArchive.ResolutionError.self) { try await s.replayer.replay([idC], by: "Admin B", reason: "oops") }
        #expect(try await s.letters().map(\.id) == [idB])
        #expect(try await s.letters(.init(includeResolved: true)).count == 3)

        // The group now holds only the one still kept; replaying it again is refused again, and counted.
        let group = try await h.store.database.read { db in try DeadLetterArchive.ids(in: #require(.init("no-consent/referral/safehome")), in: db.tx)
        }
        #expect(group == [idB])
        let again = try await s.replayer.replay(group, by: "Admin A", reason: "Second try")
        #expect(again.outcomes == ["consent-withdrawn": 1])
        all = Dictionary(uniqueKeysWithValues: try await s.letters(.init(includeResolved: true)).map { ($0.id!, $0) })
        #expect(all[idB]?.replayCount == 2 && all[idB]?.status == .kept)

        try await h.store.database.read { (db: Database) throws -> Void in
            #expect(try AuditLog.verify(db.tx).isIntact)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'replayed' AND actor = 'Admin A'") == 3)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?", arguments: [a.envelope.messageID]) == 1)
            #expect(
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM audit WHERE event = 'discarded' AND actor = 'Admin B' AND justification = 'Referral withdrawn by the caseworker'"
                ) == 1)
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT justification FROM audit WHERE event = 'replayed' AND message_id = ? ", arguments: [a.envelope.messageID])
                    == "Consent recorded after the referral")
        }
        await s.finish()
    }

    @Test(
        "a referral that died in the perpetrator service's inbox is not delivered again once the gateway knows its subject as a victim: today's roles decide a replay"
    )
    func redeliveryFollowsTodaysRole() async throws {
        let s = try await Setup()
        let h = s.h
        let man = Self.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: man, recipients: [.perpetrator], purposes: [.perpetratorIntervention])
        var body = GatewayRefusalTests.referral(subject: man, purpose: .perpetratorIntervention, reason: "Asked for help to change")
        body.subjectRole = .perpetrator
        try await h.submit([try h.message(body, from: .victim, to: .perpetrator, about: man)])
        let delivered = try #require(try await h.take(1, from: h.names.inbox(.perpetrator)).first)

        // It died in the inbox (the worker could not apply it), and was kept.
        var properties = delivered.properties
        properties.headers["x-death"] = .array([
            .table([
                "reason": "delivery_limit", "queue": .string(h.names.inbox(.perpetrator)), "exchange": .string(h.names.deliverExchange),
                "routing-keys": .array([.string(PartyID.perpetrator.rawValue)]), "count": .int(1),
                "time": .timestamp(UInt64(Date().timeIntervalSince1970)),
            ])
        ])
        let died = AMQPDelivery(
            storedFrom: h.names.deliverExchange, routingKey: PartyID.perpetrator.rawValue, properties: properties, body: delivered.body)
        let ids = try await h.store.database.write { db in
            _ = try DeadLetterArchive.keep(died, now: Timestamp(), in: db.tx)
            return try DeadLetterArchive.keptIDs(in: db.tx)
        }
        #expect(ids.count == 1)

        // An administrator finds the person was a victim all along, and corrects the role before anyone replays.
        _ = try await h.store.database.write { db in
            try PersonRegistry.correct(man, to: .victim, by: "Admin A", reason: "Named as perpetrator in error", in: db.tx)
        }
        let report = try await s.replayer.replay(ids, by: "Admin A", reason: "Worker fixed")
        #expect(report.outcomes == ["forbidden-content": 1])
        #expect(
            try await h.take(1, from: h.names.inbox(.perpetrator), timeout: 1).isEmpty, "a referral about a victim reached the perpetrator service")
        await s.finish()
    }

    /// `m` as the broker would dead-letter it from gateway.in after too many deliveries without an acknowledgement.
    static func diedInGatewayQueue(_ m: SignedMessage, _ h: GatewayHarness) -> AMQPDelivery {
        let submitted = m.submission(brokerUser: "victim", topology: h.names)
        var properties = submitted.properties
        properties.headers["x-death"] = .array([
            .table([
                "reason": "delivery_limit", "queue": .string(h.names.gatewayQueue), "exchange": .string(submitted.exchange),
                "routing-keys": .array([.string(submitted.routingKey)]), "count": .int(1), "time": .timestamp(UInt64(Date().timeIntervalSince1970)),
            ])
        ])
        return AMQPDelivery(storedFrom: submitted.exchange, routingKey: submitted.routingKey, properties: properties, body: submitted.body)
    }

    @Test(
        "a bulk replay of 2,500 dead letters, stored and sent a part at a time while the gateway decides the first: each delivered exactly once, the progress reaching every one"
    )
    func bulkReplayInParts() async throws {
        let s = try await Setup()
        let h = s.h
        let count = 2_500
        let messages = try (0..<count).map { _ in
            let subject = Self.urcs.allocate()
            return try h.message(GatewayRefusalTests.referral(subject: subject), from: .victim, to: .safehome, about: subject)
        }
        let ids = try await h.store.database.write { db in
            for m in messages {
                try DeadLetterArchive.keep(Self.diedInGatewayQueue(m, h), now: Timestamp(), in: db.tx)
                try ConsentRegistry.record(
                    .given(
                        consentId: UUID.randomLowercased(), recipients: [.safehome], purposes: [.housing],
                        givenAt: Timestamp().adding(seconds: -60), expiresAt: Timestamp().adding(seconds: 3600),
                        method: .written, recordedBy: Referrer(service: .victim, staff: Staff(name: "W", role: "IDVA"))),
                    subject: m.envelope.subject, recordedBy: .victim, in: db.tx)
            }
            return try DeadLetterArchive.keptIDs(in: db.tx)
        }
        #expect(ids.count == count)
        let published = Mutex<[Int]>([])
        let report = try await s.replayer.replay(ids, by: "Admin A", reason: "Gateway crash loop fixed", timeout: .seconds(120)) { p in
            if p.phase == .publishing { published.withLock { $0.append(p.done) } }
        }
        #expect(report.outcomes == ["delivered": count] && report.undecided == 0)
        #expect(published.withLock { $0 } == [1_000, 2_000, 2_500])
        let delivered = try await h.drain(count, from: .safehome).map { $0.properties.messageID ?? "" }
        #expect(delivered.count == count && Set(delivered) == Set(messages.map(\.envelope.messageID)))
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 1).isEmpty, "a replay was delivered twice")
        await s.finish()
    }

    @Test(
        "a message the gateway delivered that also died in gateway.in (acknowledgement lost until the delivery limit) is not delivered again by a replay"
    )
    func replayOfADeliveredMessageDeliversNothing() async throws {
        let s = try await Setup()
        let h = s.h
        let subject = Self.urcs.allocate()
        try await h.giveConsent(from: .victim, subject: subject, recipients: [.safehome], purposes: [.housing])
        let m = try await refer(s, subject: subject)
        #expect(try await h.take(1, from: h.names.inbox(.safehome)).count == 1)

        try await h.store.database.write { db in _ = try DeadLetterArchive.keep(Self.diedInGatewayQueue(m, h), now: Timestamp(), in: db.tx) }
        let letter = try #require(try await s.letters(.init(reason: "delivery_limit")).first)
        #expect(letter.queue == h.names.gatewayQueue && letter.messageID == m.envelope.messageID)

        let report = try await s.replayer.replay([letter.id!], by: "Admin A", reason: "Gateway crash loop fixed")
        #expect(report.outcomes == ["already-delivered": 1])
        #expect(try await h.take(1, from: h.names.inbox(.safehome), timeout: 1).isEmpty, "a delivered message was delivered again")
        try await h.store.database.read { (db: Database) throws -> Void in
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit WHERE event = 'delivered' AND message_id = ?", arguments: [m.envelope.messageID]) == 1)
            #expect(try AuditLog.verify(db.tx).isIntact)
        }
        await s.finish()
    }

    @Test(
        "a refused message whose signature was checked is kept with the gateway's seal; a replay relies on that seal for exactly that content only: a letter altered in the store, and one whose sender wrote a seal itself, are refused for their signatures"
    )
    func signatureSealOnKeptLetters() async throws {
        let s = try await Setup()
        let h = s.h
        let (s1, s2) = (Self.urcs.allocate(), Self.urcs.allocate())
        let a = try await refer(s, subject: s1)
        let b = try await refer(s, subject: s2)
        // Signed with another message's signature, and carrying a seal that is right for its content: only the gateway
        // puts seals on dead letters, so this one must neither be believed nor kept.
        var forged = try h.message(GatewayRefusalTests.referral(subject: s1), from: .victim, to: .safehome, about: s1)
        forged.envelope.signature = a.envelope.signature
        var raw = forged.submission(brokerUser: "victim", topology: h.names)
        raw.properties.headers[SignatureSeal.header] = .string(h.decider.signatureSeal.seal(forged.envelope, body: forged.body))
        try await h.submitRaw([raw], as: .victim)
        _ = try await h.take(3, from: h.names.inbox(.victim))  // the non-delivery reports
        try await s.waitUntilKept(3)

        let byMessage = Dictionary(uniqueKeysWithValues: try await s.letters().map { ($0.messageID!, $0) })
        let (letterA, letterB, letterF) = (byMessage[a.envelope.messageID]!, byMessage[b.envelope.messageID]!, byMessage[forged.envelope.messageID]!)
        #expect(letterA.reason == "no-consent" && letterF.reason == "bad-signature")
        func keptSeal(_ letter: DeadLetter) async throws -> String? {
            let properties = try await h.store.database.read { db in
                try String.fetchOne(db, sql: "SELECT properties FROM dead_letter_content WHERE id = ?", arguments: [letter.id!]) ?? ""
            }
            return try JSONParser.parse(Data(properties.utf8))[SignatureSeal.header]?.stringValue
        }
        #expect(try await keptSeal(letterA) == h.decider.signatureSeal.seal(a.envelope, body: a.body))
        #expect(try await keptSeal(letterF) == nil, "a seal the sender wrote was kept")

        // B's sent-at is changed in the store: a signed field the seal covers (a changed body is refused before the
        // signature, as another message under a used id).
        try await h.store.database.write { db in
            let properties = try String.fetchOne(db, sql: "SELECT properties FROM dead_letter_content WHERE id = ?", arguments: [letterB.id!]) ?? ""
            let altered = properties.replacingOccurrences(of: b.envelope.sentAt.rfc3339, with: b.envelope.sentAt.adding(seconds: -1).rfc3339)
            #expect(altered != properties)
            try db.execute(sql: "UPDATE dead_letter_content SET properties = ? WHERE id = ?", arguments: [altered, letterB.id!])
        }
        try await h.giveConsent(from: .victim, subject: s1, recipients: [.safehome], purposes: [.housing])
        try await h.giveConsent(from: .victim, subject: s2, recipients: [.safehome], purposes: [.housing])
        try await h.waitUntilProcessed(5)

        let report = try await s.replayer.replay([letterA.id!, letterB.id!, letterF.id!], by: "Admin A", reason: "Consent recorded since")
        #expect(report.outcomes == ["delivered": 1, "bad-signature": 2])
        let delivered = try await h.take(2, from: h.names.inbox(.safehome), timeout: 5)
        #expect(try delivered.map { try h.verified($0).0.messageID } == [a.envelope.messageID])
        await s.finish()
    }

    @Test("a seal stands in for the signature's arithmetic only when this gateway made it for this very content and the sender's key is still good")
    func sealStandsInForTheSignatureCheck() throws {
        let victim = MessageSigner.generate(keyID: "victim-seal", party: .victim)
        let gateway = MessageSigner.generate(keyID: "gateway-seal", party: .gateway)
        let other = MessageSigner.generate(keyID: "gateway-other", party: .gateway)
        func decider(trusting keys: [MessageSigner], expiring: Timestamp? = nil) throws -> GatewayDecider {
            let trust = try TrustStore(
                keys: keys.map {
                    .init(
                        keyID: $0.keyID, party: $0.party, publicKey: $0.publicKey,
                        notAfter: $0.party == .victim ? expiring : nil, development: true)
                })
            return try GatewayDecider(
                policy: Repo.policy, schemas: Repo.schemas, trust: trust, parties: Repo.parties, signer: gateway,
                replayUser: BrokerDefinitions.deadLetterAdmin)
        }
        let d = try decider(trusting: [victim, gateway])
        let subject = Self.urcs.allocate()
        var m = try SignedMessage.make(GatewayRefusalTests.referral(subject: subject), to: .safehome, about: subject, signer: victim)
        let seal = d.signatureSeal.seal(m.envelope, body: m.body)
        // The signature spoilt: only the seal can make it pass.
        m.envelope.signature = Data(repeating: 7, count: 64).base64EncodedString()
        let submitted = m.submission(brokerUser: "victim")
        let delivery = AMQPDelivery(
            storedFrom: submitted.exchange, routingKey: submitted.routingKey, properties: submitted.properties, body: submitted.body)
        func verdict(_ d: GatewayDecider, seal: String?, body: Data? = nil) -> String {
            var del = delivery
            if let body { del = AMQPDelivery(storedFrom: del.exchange, routingKey: del.routingKey, properties: del.properties, body: body) }
            switch d.assess(SubmittedMessage(del), replaying: true, seal: seal).verdict {
            case .deliver: return "deliver"
            case .refuse(let r): return r.code.rawValue
            default: return "other"
            }
        }
        #expect(verdict(d, seal: seal) == "deliver")
        #expect(verdict(d, seal: nil) == "bad-signature")
        #expect(verdict(d, seal: SignatureSeal(signer: other).seal(m.envelope, body: m.body)) == "bad-signature")
        #expect(verdict(d, seal: seal, body: m.body + Data(" ".utf8)) == "bad-signature")
        #expect(verdict(d, seal: "not a seal") == "bad-signature")
        // The key's own checks still run: an expired or unknown key is refused whatever the seal says.
        #expect(verdict(try decider(trusting: [victim, gateway], expiring: Timestamp().adding(seconds: -1)), seal: seal) == "unknown-key")
        #expect(verdict(try decider(trusting: [gateway]), seal: seal) == "unknown-key")
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
