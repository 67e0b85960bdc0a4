import Contracts
import Crypto
import Foundation
import Testing

@testable import GatewayStorage

/// The storage protocol's promises, checked through the protocol alone, on every store the gateway can run on:
/// what a transaction writes is read back as written, a failed transaction leaves nothing, keys that must be unique
/// are, and the audit log stays one verifiable chain.
@Suite struct GatewayStoreConformanceTests {
    /// A store of one kind, new and empty, and how to remove it.
    struct Made {
        var store: any GatewayStore
        var remove: () -> Void
        /// Opens the same database again, as a second process (another gateway of the region) would.
        var another: (_ instance: String?) throws -> any GatewayStore
    }

    /// The stores under test: SQLite always; PostgreSQL where the test command started one (`REFGW_POSTGRES_URL`).
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres

        var testDescription: String { rawValue }

        /// The kinds this run can test.
        static var available: [Kind] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

        static var postgresURL: String? { ProcessInfo.processInfo.environment["REFGW_POSTGRES_URL"] }

        func make(instance: String? = nil) throws -> Made {
            switch self {
            case .sqlite:
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString.prefix(8))")
                let store = try SQLiteGatewayStore(path: dir.appendingPathComponent("gateway.sqlite").path, instance: instance)
                let path = dir.appendingPathComponent("gateway.sqlite").path
                return Made(
                    store: store, remove: { try? FileManager.default.removeItem(at: dir) },
                    another: { try SQLiteGatewayStore(path: path, instance: $0) })
            case .postgres:
                // A database of its own for each test, dropped afterwards.
                let server = try #require(Self.postgresURL)
                let name = "conformance_\(UUID().uuidString.prefix(8).lowercased())"
                try PostgresGatewayStore.createDatabase(name, on: server)
                let url = try PostgresGatewayStore.url(server, database: name)
                let store = try PostgresGatewayStore(url: url, instance: instance)
                return Made(
                    store: store, remove: { try? PostgresGatewayStore.dropDatabase(name, on: server) },
                    another: { try PostgresGatewayStore(url: url, instance: $0) })
            }
        }
    }

    @Test("the test command gives the suite a PostgreSQL server in CI, so that both stores are checked")
    func postgresIsThereInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(Kind.postgresURL != nil) }
    }

    static let alice = try! URC(parsing: "10BH-P5N4-0BAA")
    static let bob = try! URCAllocator(issuer: "20").allocate()
    static let t0 = Timestamp(millisecondsSince1970: 1_790_000_000_000)

    struct Failure: Error {}

    @Test("a message id is remembered once; a second remember of it fails, and a failed transaction keeps nothing", arguments: Kind.available)
    func seenMessages(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let first = SeenMessage(messageID: "m-1", sender: "victim", fingerprint: "f1", processedAt: Self.t0)
        #expect(try await store.read { try $0.seenMessage("m-1") } == nil)
        try await store.write { try $0.rememberMessage(first) }
        #expect(try await store.read { try $0.seenMessage("m-1") } == first)
        await #expect(throws: GatewayStoreError.duplicate("message id m-1")) {
            try await store.write { try $0.rememberMessage(SeenMessage(messageID: "m-1", sender: "family", fingerprint: "f2", processedAt: Self.t0)) }
        }
        try await store.write { try $0.markDelivered("m-1", auditSeq: 7) }
        #expect(try await store.read { try $0.seenMessage("m-1")?.deliveredSeq } == 7)
        // Rolled back: neither the message nor the audit entry written beside it stays.
        await #expect(throws: Failure.self) {
            try await store.write { tx in
                try tx.rememberMessage(SeenMessage(messageID: "m-2", sender: "victim", fingerprint: "f", processedAt: Self.t0))
                try tx.appendAudit(Self.entry("m-2"))
                throw Failure()
            }
        }
        #expect(try await store.read { try $0.seenMessage("m-2") } == nil)
        #expect(try await store.read { try AuditLog.verify($0) }.entries == 0)
    }

    @Test("two writers racing on one message id: exactly one remembers it", arguments: Kind.available)
    func racingWriters(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let won = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        try await store.write {
                            try $0.rememberMessage(SeenMessage(messageID: "race", sender: "victim", fingerprint: "f\(i)", processedAt: Self.t0))
                        }
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(won == 1)
    }

    @Test("two instances keeping one dead letter at once, as two keepers given its copies: exactly one keeps it", arguments: Kind.available)
    func racingKeepers(_ kind: Kind) async throws {
        let made = try kind.make(instance: "keeper-1")
        defer { made.remove() }
        let stores = [made.store, try made.another("keeper-2")]
        let letter = Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: Self.t0)
        let content = DeadLetterContent(properties: "{}", body: Data("the same letter".utf8))
        let kept = await withTaskGroup(of: Int64?.self) { group in
            for i in 0..<8 {
                let store = stores[i % 2]
                group.addTask { try? await store.write { tx in try tx.keepDeadLetter(letter, fingerprint: "same", content: content) } }
            }
            return await group.reduce(into: [Int64]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(kept.count == 1)
        #expect(try await stores[1].read { try $0.deadLetterCount(status: nil) } == 1)
    }

    @Test("consents: kept once by id, withdrawn only by the right subject, and found by the registry as they stand", arguments: Kind.available)
    func consents(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let c = StoredConsent(
            consentID: "c-1", subject: Self.alice, recordedBy: "victim", recipients: ["safehome", "family"], purposes: ["housing"],
            givenAt: Self.t0, expiresAt: Self.t0.adding(seconds: 86_400))
        try await store.write { tx in
            try tx.addConsent(c)
            var other = c
            other.recipients = ["perpetrator"]
            try tx.addConsent(other)  // the same id again: the first stays
        }
        #expect(try await store.read { try $0.consent("c-1") } == c)
        #expect(try await store.read { try $0.consents(of: Self.alice) } == [c])
        #expect(try await store.read { try $0.consents(of: Self.bob) } == [])
        let noon = Self.t0.adding(seconds: 3_600)
        #expect(
            try await store.read { try ConsentRegistry.find(subject: Self.alice, recipient: .safehome, purpose: .housing, at: noon, in: $0) }
                == .covered(consentID: "c-1"))
        #expect(
            try await store.read { try ConsentRegistry.find(subject: Self.alice, recipient: .perpetrator, purpose: .housing, at: noon, in: $0) }
                == ConsentRegistry.Finding.none)
        #expect(
            try await store.read { try ConsentRegistry.state(of: "c-1", subject: Self.alice, at: Self.t0.adding(seconds: 90_000), in: $0) }
                == .expired)
        try await store.write { try $0.withdrawConsent("c-1", of: Self.bob, at: noon) }  // not Bob's: nothing changes
        #expect(try await store.read { try $0.consent("c-1")?.withdrawnAt } == nil)
        try await store.write { try $0.withdrawConsent("c-1", of: Self.alice, at: noon) }
        try await store.write { try $0.withdrawConsent("c-1", of: Self.alice, at: noon.adding(seconds: 60)) }  // the first time stays
        #expect(try await store.read { try $0.consent("c-1")?.withdrawnAt } == noon)
        #expect(
            try await store.read { try ConsentRegistry.check("c-1", subject: Self.alice, recipient: .family, purpose: .housing, at: noon, in: $0) }
                == .withdrawn(consentID: "c-1"))
    }

    @Test("people and correspondence read back as written; a row saved again replaces the old one", arguments: Kind.available)
    func peopleAndCorrespondence(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        var p = PersonRecord(
            urc: Self.alice.canonical, role: .victim, issuer: "victim", firstSeenBy: "victim", firstMessageID: "m-1", firstSeenAt: Self.t0,
            holders: ["safehome"])
        try await store.write { [p] in try $0.savePeople([p]) }
        p.holders.append("family")
        try await store.write { [p] in try $0.savePeople([p]) }
        #expect(try await store.read { try $0.people([Self.alice.canonical, Self.bob.canonical]) } == [p])
        #expect(try await store.read { try PersonRegistry.holds(.family, Self.alice, parties: PartyDirectory(entries: []), in: $0) })
        let r = CorrespondenceRecord(
            kind: "referral", reference: "R-1", sender: "victim", recipient: "safehome", subject: Self.alice.canonical, caseID: nil,
            messageID: "m-1", at: Self.t0)
        try await store.write { tx in
            try tx.recordCorrespondence(r)
            var again = r
            again.subject = Self.bob.canonical
            try tx.recordCorrespondence(again)  // the same reference to the same recipient: the first stays
            var toFamily = r
            toFamily.recipient = "family"
            try tx.recordCorrespondence(toFamily)
        }
        let found = try await store.read { try $0.correspondence(kind: "referral", reference: "R-1") }
        #expect(found.count == 2 && found.allSatisfy { $0.subject == Self.alice.canonical } && found.contains(r))
        #expect(try await store.read { try $0.correspondence(kind: "marac-action", reference: "R-1") } == [])
    }

    @Test(
        "a batch's reads answer the same after prepare(for:), its own writes included, and a conflict it held still fails it whole",
        arguments: Kind.available)
    func readAheadAndHeldWrites(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let m1 = SeenMessage(messageID: "m-1", sender: "victim", fingerprint: "f1", processedAt: Self.t0)
        let c = StoredConsent(
            consentID: "c-1", subject: Self.alice, recordedBy: "victim", recipients: ["safehome"], purposes: ["housing"], givenAt: Self.t0,
            expiresAt: Self.t0.adding(seconds: 86_400))
        let r = CorrespondenceRecord(
            kind: "referral", reference: "R-1", sender: "victim", recipient: "safehome", subject: Self.alice.canonical, caseID: nil,
            messageID: "m-1", at: Self.t0)
        try await store.write { tx in
            try tx.rememberMessage(m1)
            try tx.addConsent(c)
            try tx.recordCorrespondence(r)
        }
        try await store.write { tx in
            var reads = BatchReads()
            reads.messageIDs = ["m-1", "m-2", "m-1"]
            reads.consentSubjects = [Self.alice, Self.bob]
            reads.correspondence = [CorrespondenceKey(kind: "referral", reference: "R-1"), CorrespondenceKey(kind: "referral", reference: "R-2")]
            try tx.prepare(for: reads)
            #expect(try tx.seenMessage("m-1") == m1)
            #expect(try tx.seenMessage("m-2") == nil)
            let m2 = SeenMessage(messageID: "m-2", sender: "victim", fingerprint: "f2", processedAt: Self.t0)
            try tx.rememberMessage(m2)
            #expect(try tx.seenMessage("m-2") == m2)
            #expect(throws: GatewayStoreError.duplicate("message id m-2")) { try tx.rememberMessage(m2) }
            try tx.markDelivered("m-1", auditSeq: 1)
            try tx.markDelivered("m-2", auditSeq: 2)
            #expect(try tx.seenMessage("m-1")?.deliveredSeq == 1)
            #expect(try tx.seenMessage("m-2")?.deliveredSeq == 2)
            #expect(try tx.consents(of: Self.alice) == [c])
            #expect(try tx.consents(of: Self.bob) == [])
            var bobs = c
            bobs.consentID = "c-2"
            bobs.subject = Self.bob
            try tx.addConsent(bobs)
            #expect(try tx.consents(of: Self.bob) == [bobs])
            try tx.withdrawConsent("c-1", of: Self.alice, at: Self.t0.adding(seconds: 60))
            #expect(try tx.consents(of: Self.alice).first?.withdrawnAt == Self.t0.adding(seconds: 60))
            var toFamily = r
            toFamily.recipient = "family"
            toFamily.at = Self.t0.adding(seconds: 1)
            var again = r
            again.subject = Self.bob.canonical
            try tx.recordCorrespondence(toFamily)
            try tx.recordCorrespondence(again)  // the same reference to the same recipient: the first stays
            #expect(try tx.correspondence(kind: "referral", reference: "R-1").sorted { $0.recipient < $1.recipient } == [toFamily, r])
            #expect(try tx.correspondence(kind: "referral", reference: "R-2") == [])
            let p = PersonRecord(
                urc: Self.bob.canonical, role: .perpetrator, issuer: "victim", firstSeenBy: "victim", firstMessageID: "m-2", firstSeenAt: Self.t0,
                holders: ["safehome"])
            try tx.savePeople([p])
            #expect(try tx.people([Self.bob.canonical, Self.alice.canonical]) == [p])
            let id = try tx.addToOutbox(
                OutboxMessage(
                    messageID: "m-2", exchange: "refgw.deliver", routingKey: "safehome", type: "referral", contentType: "application/json",
                    persistent: true, headers: [:], body: Data("{}".utf8)))
            // A read of the audit log or the outbox sees everything written before it.
            try tx.appendAudit(Self.entry("m-2"))
            #expect(try tx.latestAuditEntries(1).map(\.messageID) == ["m-2"])
            #expect(try tx.pendingOutbox().map(\.id) == [id])
            #expect(try tx.seenMessage("m-2")?.deliveredSeq == 2)
            #expect(try tx.correspondence(kind: "referral", reference: "R-1").sorted { $0.recipient < $1.recipient } == [toFamily, r])
        }
        #expect(try await store.read { try $0.seenMessage("m-2")?.deliveredSeq } == 2)
        #expect(try await store.read { try $0.people([Self.bob.canonical]).map(\.role) } == [.perpetrator])
        #expect(try await store.read { try $0.correspondence(kind: "referral", reference: "R-1").count } == 2)
        #expect(try await store.read { try AuditLog.verify($0).entries } == 1)
        // A message id decided before, remembered among others: the whole transaction fails, and keeps nothing.
        await #expect(throws: GatewayStoreError.duplicate("message id m-1")) {
            try await store.write { tx in
                try tx.rememberMessage(SeenMessage(messageID: "m-3", sender: "victim", fingerprint: "f3", processedAt: Self.t0))
                try tx.rememberMessage(SeenMessage(messageID: "m-1", sender: "victim", fingerprint: "other", processedAt: Self.t0))
                try tx.appendAudit(Self.entry("m-3"))
            }
        }
        #expect(try await store.read { try $0.seenMessage("m-3") } == nil)
        #expect(try await store.read { try AuditLog.verify($0).entries } == 1)
    }

    static func entry(_ id: String, subject: URC = alice, people: [String] = []) -> AuditEntry {
        AuditEntry(
            at: t0, event: .delivered, messageID: id, type: "referral", sender: "victim", recipient: "safehome", subject: subject.canonical,
            basis: .consent, basisReference: "c-1", removedFields: ["subject.address"], people: people)
    }

    @Test(
        "the audit log is one chain across transactions; it verifies, finds a person named beside the subject, refuses separators",
        arguments: Kind.available)
    func auditChain(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let stored = try await store.write { tx in
            [try tx.appendAudit(Self.entry("m-1")), try tx.appendAudit(Self.entry("m-2", people: ["\(Self.bob.canonical) perpetrator"]))]
        }
        #expect(stored.map(\.seq) == [1, 2] && stored[0].previousHash == AuditLog.genesis && stored[1].previousHash == stored[0].hash)
        let third = try await store.write { try $0.appendAudit(Self.entry("m-3", subject: Self.bob)) }
        #expect(third.seq == 3 && third.previousHash == stored[1].hash)
        #expect(try await store.read { try AuditLog.verify($0) } == AuditLog.Verification(entries: 3, firstBroken: nil, problem: nil))
        #expect(try await store.read { try $0.auditEntry(2) } == stored[1])
        #expect(try await store.read { try $0.latestAuditEntries(2) }.map(\.seq) == [3, 2])
        #expect(try await store.read { try $0.auditTrail(of: Self.bob.canonical) }.map(\.messageID) == ["m-2", "m-3"])
        #expect(try await store.read { try $0.auditTrail(of: Self.alice.canonical) }.map(\.messageID) == ["m-1", "m-2"])
        await #expect(throws: AuditError.self) {
            try await store.write { tx in
                var e = Self.entry("m-4")
                e.actor = "Admin\u{1F}A"
                try tx.appendAudit(e)
            }
        }
        // Neither the refused entry nor a rolled-back one takes a place in the chain.
        await #expect(throws: Failure.self) {
            try await store.write { tx in
                try tx.appendAudit(Self.entry("m-5"))
                throw Failure()
            }
        }
        #expect(try await store.write { try $0.appendAudit(Self.entry("m-6")) }.seq == 4)
        #expect(try await store.read { try AuditLog.verify($0) }.isIntact)
    }

    @Test("audit counts group a window's entries by event and reason code; earlier entries are left out", arguments: Kind.available)
    func auditCounts(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        @Sendable func at(_ seconds: Double, _ event: AuditEntry.Event, _ reason: String? = nil) -> AuditEntry {
            var e = Self.entry(UUID.randomLowercased())
            e.at = Self.t0.adding(seconds: seconds)
            e.event = event
            e.reasonCode = reason
            return e
        }
        try await store.write { tx in
            for e in [
                at(0, .delivered), at(100, .delivered), at(101, .delivered), at(102, .refused, "no-consent"), at(103, .refused, "no-consent"),
                at(104, .refused, "invalid-urc"),
            ] {
                try tx.appendAudit(e)
            }
        }
        #expect(
            try await store.read { try $0.auditCounts(since: Self.t0.adding(seconds: 50)) } == [
                AuditCount(event: .delivered, reasonCode: nil, count: 2), AuditCount(event: .refused, reasonCode: "invalid-urc", count: 1),
                AuditCount(event: .refused, reasonCode: "no-consent", count: 2),
            ])
        #expect(try await store.read { try $0.auditCounts(since: Self.t0.adding(seconds: 200)) }.isEmpty)
    }

    @Test(
        "each entry names the instance that wrote it, inside its hash; an entry naming another keeps it; unnamed ones hash as before",
        arguments: Kind.available)
    func auditInstances(_ kind: Kind) async throws {
        let made = try kind.make(instance: "gateway-1")
        defer { made.remove() }
        let stored = try await made.store.write { tx in
            var other = Self.entry("m-2")
            other.instance = "keeper-2"
            return [try tx.appendAudit(Self.entry("m-1")), try tx.appendAudit(other)]
        }
        #expect(stored.map(\.instance) == ["gateway-1", "keeper-2"])
        #expect(try await made.store.read { tx in try [1, 2].map { try tx.auditEntry($0)?.instance } } == ["gateway-1", "keeper-2"])
        #expect(try await made.store.read { try AuditLog.verify($0) }.isIntact)
        // The name is hashed: the same entry under another name, or none, is another hash.
        var renamed = stored[0]
        renamed.instance = "gateway-2"
        #expect(try AuditLog.chained(renamed, after: .init()).hash != stored[0].hash)
        var unnamed = stored[0]
        unnamed.instance = nil
        let before = try AuditLog.chained(unnamed, after: .init())
        #expect(before.hash != stored[0].hash)
        // An entry from before names existed (no people, no instance) hashes over exactly its old fields.
        let old = [
            AuditLog.genesis, "1", String(Self.t0.millisecondsSince1970), "delivered", "m-1", "referral", "victim", "safehome",
            Self.alice.canonical, "", "consent", "c-1", "", "subject.address", "",
        ]
        #expect(before.hash == Hex.encode(SHA256.hash(data: Data(old.joined(separator: "\u{1F}").utf8))))
        // A person named beside the subject is never read as an instance, nor the other way round.
        var person = unnamed
        person.people = ["gateway-1"]
        #expect(try AuditLog.chained(person, after: .init()).hash != stored[0].hash)
    }

    @Test("the outbox gives back what was stored, in order, and forgets what was removed", arguments: Kind.available)
    func outbox(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let a = OutboxMessage(
            messageID: "m-1", exchange: "refgw.deliver", routingKey: "safehome", type: "referral", contentType: "application/json",
            persistent: true, headers: ["refgw-sender": "victim", "refgw-subject": Self.alice.canonical], body: Data("{}".utf8))
        let b = OutboxMessage(
            messageID: "", exchange: "refgw.dead-letters", routingKey: "gateway.in", type: "", contentType: nil, persistent: false,
            headers: [:], body: Data([0xFF, 0x00]))
        #expect(try await store.read { try $0.outboxBacklog() } == Backlog(count: 0, oldest: nil))
        let stored = Timestamp()
        let ids = try await store.write { tx in [try tx.addToOutbox(a), try tx.addToOutbox(b)] }
        let backlog = try await store.read { try $0.outboxBacklog() }
        #expect(backlog.count == 2)
        #expect(try #require(backlog.oldest) >= stored)
        #expect(try await store.read { try $0.pendingOutbox() } == [OutboxEntry(id: ids[0], message: a), OutboxEntry(id: ids[1], message: b)])
        try await store.write { try $0.removeFromOutbox([ids[0]]) }
        #expect(try await store.read { try $0.pendingOutbox() }.map(\.id) == [ids[1]])
    }

    static func letter(reason: String, type: String?, recipient: String?, diedAt: Timestamp) -> DeadLetter {
        DeadLetter(
            messageID: UUID.randomLowercased(), originalExchange: "refgw.submit", originalRoutingKey: recipient ?? "", queue: "gateway.in",
            reason: reason, reasonDetail: "why", deathCount: 1, firstDeathAt: diedAt, lastDeathAt: diedAt, sender: "victim",
            recipient: recipient, type: type, subject: alice.canonical, keptAt: diedAt)
    }

    @Test("dead letters: kept once by fingerprint, listed and grouped as kept, discarded to a tombstone, replays counted", arguments: Kind.available)
    func deadLetters(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let content = DeadLetterContent(properties: #"{"type":"referral"}"#, body: Data("body".utf8))
        let ids = try await store.write { tx in
            [
                try tx.keepDeadLetter(
                    Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: Self.t0), fingerprint: "a", content: content),
                try tx.keepDeadLetter(
                    Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: Self.t0), fingerprint: "a", content: content),
                try tx.keepDeadLetter(
                    Self.letter(reason: "invalid-envelope", type: nil, recipient: nil, diedAt: Self.t0.adding(seconds: 60)), fingerprint: "b",
                    content: content),
            ]
        }
        #expect(ids[0] != nil && ids[1] == nil && ids[2] != nil)
        let (a, b) = (ids[0]!, ids[2]!)
        #expect(try await store.read { try $0.keptDeadLetterBacklog() } == Backlog(count: 2, oldest: Self.t0))
        #expect(try await store.read { try $0.deadLetters(DeadLetterFilter(), limit: 10) }.map(\.id) == [b, a])
        #expect(try await store.read { try $0.deadLetters(DeadLetterFilter(reason: "no-consent"), limit: 10) }.map(\.id) == [a])
        #expect(try await store.read { try $0.deadLetters(DeadLetterFilter(since: Self.t0.adding(seconds: 30)), limit: 10) }.map(\.id) == [b])
        #expect(
            try await store.read { try $0.deadLetterGroups() } == [
                DeadLetterGroup(reason: "invalid-envelope", type: "-", recipient: "-", count: 1),
                DeadLetterGroup(reason: "no-consent", type: "referral", recipient: "safehome", count: 1),
            ])
        #expect(try await store.read { try $0.keptDeadLetterIDs(in: DeadLetterGroupKey("invalid-envelope/-")) } == [b])
        #expect(try await store.read { try $0.keptDeadLetterIDs(in: DeadLetterGroupKey("no-consent/referral/safehome")) } == [a])
        #expect(try await store.read { try $0.keptDeadLetterIDs(in: nil) } == [a, b])
        #expect(try await store.read { try $0.deadLettersWithContent([b, a]) }.map { $0.0.id } == [b, a])
        #expect(try await store.read { try $0.deadLettersWithContent([a]) }.first?.1 == content)

        try await store.write { tx in
            try DeadLetterArchive.discard([b], by: "Admin B", reason: "test letter", now: Self.t0, in: tx)
        }
        let tomb = try #require(try await store.read { try $0.deadLettersWithContent([b]) }.first)
        #expect(tomb.0.status == .discarded && tomb.0.resolvedBy == "Admin B" && tomb.1 == DeadLetterContent(properties: "{}", body: Data()))
        #expect(try await store.read { try $0.latestAuditEntries(1) }.first?.event == .discarded)
        try await store.write { try $0.recordReplay(of: a, outcome: "no-consent", resolution: nil) }
        try await store.write {
            try $0.recordReplay(of: a, outcome: "delivered", resolution: DeadLetterResolution(at: Self.t0, by: "Admin A", reason: "r"))
        }
        let replayed = try #require(
            try await store.read { try $0.deadLetters(DeadLetterFilter(includeResolved: true), limit: 10) }.first { $0.id == a })
        #expect(
            replayed.status == .replayed && replayed.replayCount == 2 && replayed.lastReplayOutcome == "delivered" && replayed.resolvedBy == "Admin A"
        )
        #expect(try await store.read { try ($0.deadLetterCount(status: nil), $0.deadLetterCount(status: .kept)) } == (2, 0))
        #expect(try await store.read { try $0.keptDeadLetterBacklog() } == Backlog(count: 0, oldest: nil))
        await #expect(throws: DeadLetterArchive.ResolutionError.self) {
            try await store.write { tx in try DeadLetterArchive.discard([a], by: "Admin B", reason: "again", in: tx) }
        }
    }

    @Test(
        "replay requests: a waiting one is reused, a decided one answers, a resolved letter is refused with nothing stored", arguments: Kind.available
    )
    func replayRequests(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let content = DeadLetterContent(properties: "{}", body: Data())
        let ids = try await store.write { tx in
            try ["x", "y"].map {
                try tx.keepDeadLetter(
                    Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: Self.t0), fingerprint: $0, content: content)!
            }
        }
        let first = try await store.write { tx in try DeadLetterArchive.requestReplays(of: ids, by: "Admin A", reason: "consent recorded", in: tx) }
        let again = try await store.write { tx in try DeadLetterArchive.requestReplays(of: ids, by: "Admin A", reason: "again", in: tx) }
        #expect(first == again && first.map(\.deadLetterID) == ids)
        let (request, status) = try #require(try await store.read { try $0.replayRequest(first[0].requestID) })
        #expect(request.attempt == 1 && request.requestedBy == "Admin A" && request.outcome == nil && status == .kept)
        try await store.write { try $0.decideReplayRequest(first[0].requestID, outcome: "no-consent", at: Self.t0) }
        #expect(try await store.read { try $0.replayOutcomes(of: first.map(\.requestID)) } == [first[0].requestID: "no-consent"])
        let history = try await store.read { try $0.replayHistory(of: ids) }
        #expect(history[ids[0]] == ReplayHistory(status: .kept, resolvedAt: nil, attempts: 1, pending: nil))
        #expect(history[ids[1]]?.pending == first[1].requestID)
        // A decided request is not reused: the next replay of that letter is its second attempt.
        let third = try await store.write { tx in try DeadLetterArchive.requestReplays(of: [ids[0]], by: "Admin A", reason: "third", in: tx) }
        #expect(third[0].requestID != first[0].requestID)
        #expect(try await store.read { try $0.replayRequest(third[0].requestID) }?.0.attempt == 2)
        try await store.write { try DeadLetterArchive.discard([ids[1]], by: "Admin B", reason: "gone now", in: $0) }
        await #expect(throws: DeadLetterArchive.ResolutionError.self) {
            try await store.write { tx in try DeadLetterArchive.requestReplays(of: ids, by: "Admin A", reason: "r", in: tx) }
        }
        #expect(try await store.read { try $0.replayHistory(of: ids) }[ids[0]]?.attempts == 2)
    }

    // MARK: Retention

    static let day = 86_400.0

    /// A store holding seen ids decided 100, 95, 60 and 1 days before `t0 + 100 days`, one of the oldest carried by a
    /// kept dead letter, and three dead letters: one replayed 40 days before, one replayed 2 days before, one kept.
    static func aged(_ store: any GatewayStore) async throws -> (kept: Int64, oldReplay: Int64, newReplay: Int64) {
        let content = DeadLetterContent(properties: #"{"type":"referral"}"#, body: Data("her address".utf8))
        return try await store.write { tx in
            for (id, age) in [("old-1", 100.0), ("old-2", 95.0), ("old-dead", 100.0), ("mid", 60.0), ("new", 1.0)] {
                try tx.rememberMessage(
                    SeenMessage(messageID: id, sender: "victim", fingerprint: "f-\(id)", processedAt: t0.adding(seconds: (100 - age) * day)))
            }
            var dead = Self.letter(reason: "delivery_limit", type: "referral", recipient: "safehome", diedAt: t0)
            dead.messageID = "old-dead"
            let kept = try tx.keepDeadLetter(dead, fingerprint: "kept", content: content)!
            let oldReplay = try tx.keepDeadLetter(
                Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: t0), fingerprint: "r1", content: content)!
            let newReplay = try tx.keepDeadLetter(
                Self.letter(reason: "no-consent", type: "referral", recipient: "safehome", diedAt: t0), fingerprint: "r2", content: content)!
            try tx.recordReplay(
                of: oldReplay, outcome: "delivered", resolution: DeadLetterResolution(at: t0.adding(seconds: 60 * day), by: "Admin A", reason: "r"))
            try tx.recordReplay(
                of: newReplay, outcome: "delivered", resolution: DeadLetterResolution(at: t0.adding(seconds: 98 * day), by: "Admin A", reason: "r"))
            return (kept, oldReplay, newReplay)
        }
    }

    @Test(
        "the purge forgets seen ids older than the cutoff but those a kept dead letter carries, and erases only old replayed letters' content",
        arguments: Kind.available)
    func purgeRemovesWhatIsDue(_ kind: Kind) async throws {
        let made = try kind.make()
        defer { made.remove() }
        let store = made.store
        let letters = try await Self.aged(store)
        let now = Self.t0.adding(seconds: 100 * Self.day)
        // Up to the limit, oldest first: two of the three forgettable ids older than 50 days.
        #expect(try await store.write { try $0.purgeSeenMessages(decidedBefore: now.adding(seconds: -50 * Self.day), limit: 2) } == 2)
        #expect(try await store.read { tx in try ["old-1", "old-2", "mid"].filter { try tx.seenMessage($0) != nil } } == ["mid"])
        #expect(try await store.write { try $0.purgeSeenMessages(decidedBefore: now.adding(seconds: -50 * Self.day), limit: 100) } == 1)
        #expect(try await store.read { tx in try ["old-dead", "new"].map { try tx.seenMessage($0)?.fingerprint } } == ["f-old-dead", "f-new"])
        #expect(try await store.write { try $0.purgeSeenMessages(decidedBefore: now.adding(seconds: -50 * Self.day), limit: 100) } == 0)

        #expect(
            try await store.write { try $0.eraseReplayedDeadLetterContents(resolvedBefore: now.adding(seconds: -30 * Self.day), limit: 100) } == 1)
        let after = try await store.read { try $0.deadLettersWithContent([letters.kept, letters.oldReplay, letters.newReplay]) }
        #expect(after.map { $0.1.body } == [Data("her address".utf8), Data(), Data("her address".utf8)])
        #expect(after[1].0.status == .replayed && after[1].0.resolvedBy == "Admin A")
        #expect(
            try await store.write { try $0.eraseReplayedDeadLetterContents(resolvedBefore: now.adding(seconds: -30 * Self.day), limit: 100) } == 0)
    }

    @Test(
        "the purge runs once an interval across two instances of one store, audits what it removed, and goes on until done",
        arguments: Kind.available)
    func purgeOncePerInterval(_ kind: Kind) async throws {
        let made = try kind.make(instance: "gateway-1")
        defer { made.remove() }
        let first = made.store
        let second = try made.another("gateway-2")
        _ = try await Self.aged(first)
        let now = Self.t0.adding(seconds: 100 * Self.day)
        let rules = RetentionRules(seenMessageDays: 50, replayedDeadLetterContentDays: 30, intervalSeconds: 3600, rowsPerTransaction: 2)
        // Both instances at once: whichever comes second waits for the lock, then reads the first's run.
        async let a = first.write { tx in try Retention.purgeIfDue(rules, now: now, in: tx) }
        async let b = second.write { tx in try Retention.purgeIfDue(rules, now: now, in: tx) }
        // The limit stopped the first transaction at two ids: not finished, so not recorded, and due to the second.
        var reports = try await [a, b].compactMap { $0 }
        #expect(reports.count == 2 && reports[0].complete != reports[1].complete)
        // Either may have run first: the array's order is the calls', not the transactions'.
        while !reports.contains(where: \.complete) {
            reports.append(try #require(try await second.write { tx in try Retention.purgeIfDue(rules, now: now, in: tx) }))
        }
        #expect(reports.reduce(0) { $0 + $1.seenMessages } == 3 && reports.reduce(0) { $0 + $1.deadLetterContents } == 1)
        let run = try #require(try await first.read { try $0.lastMaintenance(Retention.purgeTask) })
        #expect(run.at == now && ["gateway-1", "gateway-2"].contains(run.instance))
        // Finished: neither instance purges again within the interval; forced, or an interval later, it runs and finds nothing.
        #expect(try await first.write { tx in try Retention.purgeIfDue(rules, now: now.adding(seconds: 3599), in: tx) } == nil)
        #expect(try await second.write { tx in try Retention.purgeIfDue(rules, now: now.adding(seconds: 60), in: tx) } == nil)
        #expect(try await second.write { tx in try Retention.purgeIfDue(rules, now: now.adding(seconds: 60), force: true, in: tx) }?.removed == 0)
        #expect(try await first.write { tx in try Retention.purgeIfDue(rules, now: now.adding(seconds: 3660), in: tx) }?.removed == 0)
        // One audit entry for each transaction that removed anything, naming no person; the chain holds.
        let purges = try await first.read { try $0.latestAuditEntries(20) }.filter { $0.event == .purged }
        #expect(purges.count == reports.filter { $0.removed > 0 }.count)
        #expect(
            purges.allSatisfy {
                $0.subject == URC.noSubject.canonical && $0.people.isEmpty && $0.justification?.contains("config/retention.yaml") == true
            })
        #expect(try await first.read { try AuditLog.verify($0) }.isIntact)
    }
}
