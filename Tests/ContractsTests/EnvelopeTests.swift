import Foundation
import Testing

@testable import Contracts

@Suite struct EnvelopeTests {
    let good: [String: String] = [
        "refgw-contract": "1", "refgw-type-version": "1", "refgw-sender": "victim", "refgw-recipient": "safehome",
        "refgw-subject": "10BH-P5N4-0BAA", "refgw-sent-at": "2026-11-21T10:00:00.000Z", "refgw-key-id": "victim-2026-1",
    ]
    let id = "6f1c2a7e-0c3b-4e8a-9d2f-000000000000"

    @Test func roundTripsThroughHeaders() throws {
        let env = try Envelope(messageID: id, type: "referral", headers: good)
        #expect(env.headers == good)
        #expect(env.subject.canonical == "10BH-P5N4-0BAA")
        #expect(env.sentAt.rfc3339 == "2026-11-21T10:00:00.000Z")
    }

    @Test(
        arguments: [
            ("refgw-sender", nil, "has no 'refgw-sender'"),
            ("refgw-recipient", "Safe Home", "not a party id"),
            ("refgw-subject", "10BH-P5N4-0BAB", "check symbol"),
            ("refgw-subject", "10bh-p5n4-0baa", "canonical"),
            ("refgw-sent-at", "2026-11-21 10:00", "UTC with milliseconds"),
            ("refgw-sent-at", "2026-11-21T10:00:00Z", "UTC with milliseconds"),
            ("refgw-contract", "2", "not supported"),
            ("refgw-key-id", "Key With Spaces", "not a key id"),
        ] as [(String, String?, String)])
    func refusesBadHeaders(header: String, value: String?, expected: String) {
        var h = good
        h[header] = value
        do {
            _ = try Envelope(messageID: id, type: "referral", headers: h)
            Issue.record("accepted \(header)=\(value ?? "nil")")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func refusesBadPropertiesToo() {
        #expect(throws: EnvelopeError.missing("message_id")) { try Envelope(messageID: nil, type: "referral", headers: good) }
        #expect(throws: EnvelopeError.self) { try Envelope(messageID: "6F1C2A7E-0C3B-4E8A-9D2F-000000000000", type: "referral", headers: good) }
        #expect(throws: EnvelopeError.unknownType("gossip")) { try Envelope(messageID: id, type: "gossip", headers: good) }
    }

    @Test func timestampsParseAndPrintExactly() {
        for text in ["1970-01-01T00:00:00.000Z", "2026-11-21T23:59:59.999Z", "2024-02-29T12:00:00.500Z", "1969-12-31T23:59:59.999Z"] {
            #expect(Timestamp(rfc3339: text)?.rfc3339 == text)
        }
        #expect(Timestamp(rfc3339: "2026-11-21T10:00:00.1234Z")?.rfc3339 == "2026-11-21T10:00:00.123Z")
        #expect(Timestamp(rfc3339: "2026-11-21T10:00:00Z")?.rfc3339 == "2026-11-21T10:00:00.000Z")
        #expect(Timestamp(rfc3339: "2025-02-29T10:00:00.000Z") == nil)
        #expect(Timestamp(rfc3339: "2026-11-21T10:00:00.000+01:00") == nil)
        let now = Date()
        #expect(abs(Timestamp(now).date.timeIntervalSince(now)) < 0.001)
        #expect(CalendarDate("2026-02-29") == nil)
        #expect(CalendarDate("2024-02-29")?.adding(days: 1).description == "2024-03-01")
    }
}
