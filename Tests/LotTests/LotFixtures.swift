import Contracts
import Foundation
import GRDB
import Lots
import TestSupport

@testable import LotKit

/// The repository's configuration, found from this file's path.
enum Repo {
    static let root = RepositoryRoot.url
    static let settings = try! LotSettings(contentsOf: root.appendingPathComponent("config/lots.yaml"))
    static let parties = try! PartyDirectory(contentsOf: root.appendingPathComponent("config/parties.json"))
    static var scenarioIntake: String { root.appendingPathComponent("scripts/scenario/jane-intake.json").path }
    static var selfReferral: String { root.appendingPathComponent("scripts/scenario/self-referral.json").path }
}

/// A service's engine on a fresh store in a temporary folder.
func engine(_ lot: any Lot) throws -> LotEngine {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lot-\(UUID().uuidString.prefix(8))")
    return try LotEngine(lot: lot, databasePath: dir.appendingPathComponent("store.sqlite").path, settings: Repo.settings, parties: Repo.parties)
}

/// An intake form from JSON text (the shape staff files have).
func intake(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> IntakeForm {
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.scenarioIntake))) as! [String: Any]
    edit(&json)
    return try JSONDecoder().decode(IntakeForm.self, from: JSONSerialization.data(withJSONObject: json))
}

func dashAnswers(yes: Int, of total: Int = 24) -> [[String: Any]] {
    (1...total).map { ["question": $0, "answer": $0 <= yes ? "yes" : "no"] }
}

extension LotEngine {
    /// The outbox as (type, recipient, body) in order.
    func outbox() throws -> [(type: String, recipient: String, body: Data)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT type, recipient, body FROM outbox ORDER BY seq").map { ($0["type"], $0["recipient"], $0["body"]) }
        }
    }
    func count(_ sql: String, _ args: StatementArguments = []) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: sql, arguments: args) ?? 0 }
    }
    func strings(_ sql: String, _ args: StatementArguments = []) throws -> [String] {
        try read { db in try String.fetchAll(db, sql: sql, arguments: args) }
    }
}

/// A message as the gateway would deliver it (the envelope is not signed: engines take verified messages).
func inbound<B: MessageBody>(
    _ body: B, from sender: PartyID, to recipient: PartyID, about subject: URC,
    id: String = UUID().uuidString.lowercased()
) throws -> InboundMessage {
    InboundMessage(
        envelope: Envelope(messageID: id, type: B.messageType, sender: sender, recipient: recipient, subject: subject, keyID: "gateway-test"),
        body: try ContractJSON.encode(body))
}

let staff = Staff(name: "Test Worker", role: "IDVA")

/// A referral to `recipient` about a new adult, with the given home-security answers.
func referral(
    to recipient: PartyID, from sender: PartyID = .victim, homeSecurity: Referral.HomeSecurity? = nil,
    perpetrator: URC? = nil, role: Referral.SubjectRole = .victim
) -> Referral {
    let person = Person(
        urc: URCAllocator(issuerUnchecked: "10").allocate(), name: PersonName(given: "Ann", family: "Smith"),
        address: PostalAddress(lines: ["1 High St"], postcode: "M1 1AA"),
        safeContact: SafeContact(phone: "07700 900111", safeToCall: true, safeToLeaveMessage: false))
    return Referral(
        referralId: UUID().uuidString.lowercased(), referredAt: Timestamp(), referrer: Referrer(service: sender, staff: staff),
        sharing: Sharing(purpose: Repo.settings.purpose(ofReferralTo: recipient)),
        priority: .standard, reason: "Test", subject: person, subjectRole: role,
        household: perpetrator.map { Referral.Household(perpetrator: .init(urc: $0, livesAtAddress: false)) },
        needs: [.homeSecurity], homeSecurity: homeSecurity)
}

extension URCAllocator {
    init(issuerUnchecked: String) { self = try! URCAllocator(issuer: issuerUnchecked) }
}

let eligible = Referral.HomeSecurity(
    aged18OrOver: true, livesInArea: true, tenure: .socialTenant, landlordPermission: .granted,
    inContactWithPerpetrator: false, perpetratorLivesAtAddress: false, emergencyLockChange: false)
