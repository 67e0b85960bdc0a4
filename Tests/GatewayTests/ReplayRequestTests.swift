import AMQP
import Contracts
import Foundation
import GRDB
import GatewayDecision
import GatewayRuntime
import Testing

@testable import GatewayStorage

/// Replay requests as the administrator's command stores and sends them, without a broker.
@Suite struct ReplayRequestTests {
    /// A store holding `count` dead letters refused by the gateway; returns it and their ids.
    func storeWithLetters(_ count: Int) async throws -> (SQLiteGatewayStore, [Int64]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("requests-\(UUID().uuidString.prefix(8))")
        let store = try SQLiteGatewayStore(path: dir.appendingPathComponent("gateway.sqlite").path)
        let ids = try await store.database.write { db in
            for i in 0..<count {
                let properties = AMQPProperties(messageID: UUID.randomLowercased(), type: "referral", headers: ["refgw-reason": "no-consent"])
                try DeadLetterArchive.keep(
                    AMQPDelivery(
                        storedFrom: "refgw.dlx", routingKey: "gateway.in", properties: properties,
                        body: Data("{\"n\":\(i)}".utf8)), now: Timestamp(), in: db.tx)
            }
            return try DeadLetterArchive.keptIDs(in: db.tx)
        }
        return (store, ids)
    }

    @Test(
        "one request per letter, numbered by attempt; a letter named twice, or still waiting from an earlier run, keeps one request; an unknown or resolved letter stores nothing at all"
    )
    func requestsAreStoredOncePerLetter() async throws {
        let (store, ids) = try await storeWithLetters(3)
        let first = try await store.database.write { db in
            try DeadLetterArchive.requestReplays(of: [ids[0], ids[1], ids[0]], by: "Admin A", reason: "consent recorded", in: db.tx)
        }
        #expect(first.map(\.deadLetterID) == [ids[0], ids[1], ids[0]] && first[0] == first[2] && first[0] != first[1])
        // Run again before the gateway decided: the waiting requests are sent again, a new one only for the third.
        let again = try await store.database.write { db in
            try DeadLetterArchive.requestReplays(of: ids, by: "Admin B", reason: "second try", in: db.tx)
        }
        #expect(Array(again.prefix(2)) == Array(first.prefix(2)) && !first.contains(again[2]))
        try await store.database.write { db in
            try db.execute(sql: "UPDATE replay_request SET outcome = 'no-consent' WHERE dead_letter_id = ?", arguments: [ids[0]])
            try db.execute(sql: "UPDATE dead_letter SET status = 'replayed' WHERE id = ?", arguments: [ids[1]])
        }
        let attempts = try await store.database.write { db in
            let retry = try DeadLetterArchive.requestReplays(of: [ids[0]], by: "Admin A", reason: "third try", in: db.tx)
            return try Int.fetchOne(db, sql: "SELECT attempt FROM replay_request WHERE request_id = ?", arguments: [retry[0].requestID])
        }
        #expect(attempts == 2)

        let before = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replay_request") }
        for (asked, says) in [([ids[2], 999_999], "there is no dead letter 999999"), ([ids[2], ids[1]], "was already replayed")] {
            await #expect {
                try await store.database.write { db in try DeadLetterArchive.requestReplays(of: asked, by: "A", reason: "r", in: db.tx) }
            } throws: { "\($0)".contains(says) }
        }
        #expect(try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replay_request") } == before)
        // The command checks every letter before it stores or sends anything (no broker is needed to refuse).
        let replayer = DeadLetterReplayer(store: store, configuration: try AMQPConnectionConfiguration(url: "amqp://nobody:x@127.0.0.1:1/%2f"))
        await #expect { _ = try await replayer.replay([ids[2], ids[1]], by: "A", reason: "r") } throws: {
            "\($0)".contains("was already replayed") && "\($0)".contains("nothing was replayed")
        }
        #expect(try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replay_request") } == before)
    }

    @Test(
        "requests travel 500 to a message as {\"requests\": [{\"requestID\", \"deadLetterID\"}]}, read back exactly; anything else is not a replay request"
    )
    func requestMessagesRoundTrip() throws {
        let requests = (1...500).map { ReplayRequest(deadLetterID: Int64($0) * 1_000_003) }
        let m = ReplayRequest.message(requests, topology: .standard, brokerUser: "refgw-deadletters")
        func delivery(_ body: String, type: String? = ReplayRequest.messageType) -> SubmittedMessage {
            SubmittedMessage(
                AMQPDelivery(storedFrom: "refgw.submit", routingKey: "gateway", properties: AMQPProperties(type: type), body: Data(body.utf8)))
        }
        #expect(
            ReplayRequest.read(
                SubmittedMessage(AMQPDelivery(storedFrom: m.exchange, routingKey: m.routingKey, properties: m.properties, body: m.body)))
                == requests)
        // As the command wrote them with Foundation's encoder before.
        #expect(
            ReplayRequest.read(delivery(#"{"requests":[{"requestID":"r-1","deadLetterID":7}]}"#)) == [
                ReplayRequest(requestID: "r-1", deadLetterID: 7)
            ])
        for body in [
            #"{"requests":[]}"#, #"{"requests":[{"requestID":"r-1","deadLetterID":"7"}]}"#, #"{"requests":[{"deadLetterID":7}]}"#,
            #"{"requests":[{"requestID":"r-1","deadLetterID":7.5}]}"#, "not json",
            #"{"requests":["# + Array(repeating: #"{"requestID":"r","deadLetterID":1}"#, count: 501).joined(separator: ",") + "]}",
        ] {
            #expect(ReplayRequest.read(delivery(body)) == nil, "\(body.prefix(60))")
        }
        #expect(ReplayRequest.read(delivery(#"{"requests":[{"requestID":"r-1","deadLetterID":7}]}"#, type: "referral")) == nil)
    }

    @Test("random ids are distinct lower-case version 4 UUIDs, as message ids must be")
    func randomIDs() {
        let ids = (0..<2_000).map { _ in UUID.randomLowercased() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            #expect(Envelope.isMessageID(id) && id == id.lowercased())
            let chars = Array(id)
            #expect(chars[14] == "4" && "89ab".contains(chars[19]), "\(id)")
        }
    }
}
