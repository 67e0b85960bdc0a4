import AMQP
import ArgumentParser
import Contracts
import Foundation
import GatewayCore
import Messaging

/// `refgw gateway-demo`: a victim service talks to a running gateway; prints what each recipient received.
/// For a development broker (scripts/run.sh): it reads the services' broker URLs from REFGW_AMQP_URL_<PARTY>.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-demo", abstract: "Send consent and referrals through a running gateway and show what arrived.")
    @Option(help: "The victim service's key file.") var key: String
    @Option(help: "The gateway's database, for the audit trail.") var database: String
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        do { try await demo() } catch let e as AMQPError { throw fail(e) }
    }

    private func url(_ p: PartyID) throws -> AMQPConnectionConfiguration {
        guard let u = ProcessInfo.processInfo.environment["REFGW_AMQP_URL_\(p.rawValue.uppercased())"] else {
            throw fail("REFGW_AMQP_URL_\(p.rawValue.uppercased()) is not set (scripts/broker.sh writes it)")
        }
        return try AMQPConnectionConfiguration(url: u)
    }

    private func demo() async throws {
        let victim = try KeyFile.signer(contentsOf: URL(fileURLWithPath: key))
        let parties = try PartyDirectory(contentsOf: URL(fileURLWithPath: config.directory).appendingPathComponent("parties.json"))
        let urcs = try parties.allocator(for: .victim)
        let jo = urcs.allocate(), alex = urcs.allocate(), ada = urcs.allocate()
        let idva = Referrer(service: .victim, staff: Staff(name: "Sam Idva", role: "IDVA", phone: "0116 496 0000", email: "sam@victim.example"))
        func consent(_ recipients: [PartyID], _ purposes: [Purpose]) -> ConsentRecord {
            .given(consentId: UUID().uuidString.lowercased(), recipients: recipients, purposes: purposes, givenAt: Timestamp().adding(seconds: -5),
                   expiresAt: Timestamp().adding(seconds: 86_400 * 180), method: .verbal, recordedBy: idva)
        }
        let home = PostalAddress(lines: ["12 Example Road"], town: "Leicester", postcode: "LE2 3AB")
        let victimPerson = Person(urc: jo, name: PersonName(given: "Jo", family: "Example"), dateOfBirth: CalendarDate("1990-05-17"),
                                  address: home, addressIsSafe: false,
                                  safeContact: SafeContact(phone: "07700 900123", safeToCall: true, safeToLeaveMessage: false, safeTimes: "weekdays 10-12"))
        let household = Referral.Household(
            children: [Child(urc: ada, name: PersonName(given: "Ada", family: "Example"), dateOfBirth: CalendarDate("2016-03-02")!, school: School(name: "Example Primary"))],
            perpetrator: .init(urc: alex, name: PersonName(given: "Alex", family: "Example"), relationship: "ex-partner", livesAtAddress: false, visitsAddress: true))
        let toSafehome = Referral(referralId: UUID().uuidString.lowercased(), referredAt: Timestamp(), referrer: idva, sharing: Sharing(purpose: .housing),
                                  priority: .high, reason: "Needs a move: the ex-partner knows the address.", subject: victimPerson, subjectRole: .victim,
                                  risk: .init(level: .high, maracReferred: true), household: household, needs: [.housing, .refuge],
                                  housing: .init(tenure: .socialTenant, wantsToStayHome: false, needsMove: true))
        let toPerpetrator = Referral(referralId: UUID().uuidString.lowercased(), referredAt: Timestamp(), referrer: idva,
                                     sharing: Sharing(purpose: .perpetratorIntervention), priority: .standard,
                                     reason: "Alex asked for help with his behaviour. His ex-partner is now in a refuge. She can be reached on 07700 900123 or jo (at) example (dot) org, near LE2 3AB.",
                                     subject: Person(urc: alex, name: PersonName(given: "Alex", family: "Example"), address: home), subjectRole: .perpetrator,
                                     risk: .init(level: .high, maracReferred: true), household: household,
                                     perpetratorProgramme: .init(selfReferral: true, motivation: "Wants to keep contact with his daughter."))
        var toSanctuary = toSafehome
        toSanctuary.referralId = UUID().uuidString.lowercased()
        toSanctuary.sharing = Sharing(purpose: .homeSecurity)

        let messages = [
            try SignedMessage.make(consent([.safehome], [.housing]), to: .gateway, about: jo, signer: victim),
            try SignedMessage.make(consent([.perpetrator], [.perpetratorIntervention]), to: .gateway, about: alex, signer: victim),
            try SignedMessage.make(toSafehome, to: .safehome, about: jo, signer: victim),
            try SignedMessage.make(toPerpetrator, to: .perpetrator, about: alex, signer: victim),
            try SignedMessage.make(toSanctuary, to: .sanctuary, about: jo, signer: victim),
        ]
        let publisher = try await AMQPPublisher(configuration: try url(.victim))
        for m in messages { try await publisher.publish(m.submission(brokerUser: "victim")) }
        await publisher.close()
        print("victim service: URCs \(jo) (Jo), \(alex) (Alex), \(ada) (Ada); consent for safehome (housing) and, from Alex, for the perpetrator")
        print("victim service: sent referrals about Jo to safehome and sanctuary (no consent for sanctuary), and about Alex to the perpetrator service")

        for (party, label) in [(PartyID.safehome, "safe home service"), (.perpetrator, "perpetrator service"), (.victim, "victim service (reports)")] {
            let admin = try await AMQPAdminClient(configuration: try url(party))
            var got: AMQPDelivery?
            for _ in 0..<200 {
                got = try await admin.take(from: ReferralGatewayTopology.standard.inbox(party))
                if got != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await admin.close()
            guard let d = got else { print("\(label): nothing arrived"); continue }
            let m = try SignedMessage(delivery: d)
            let body = try JSONParser.parse(m.body)
            if m.envelope.type == .nonDeliveryReport {
                print("\(label) received a non-delivery report: \(body["reasonCode"]?.stringValue ?? "?") - \(body["reasonText"]?.stringValue ?? "")")
                continue
            }
            print("\(label) received \(m.envelope.type.rawValue) about \(m.envelope.subject), signed by \(m.envelope.keyID):")
            print("    fields: \(body.topLevelKeys.joined(separator: ", "))")
            if let reason = body["reason"]?.stringValue { print("    reason: \(reason)") }
        }
        let store = try GatewayStore(path: database)
        for subject in [jo, alex] {
            let trail = try await store.database.read { db in try AuditLog.trail(subject: subject.canonical, in: db) }
            print("audit trail for \(subject):")
            for e in trail {
                var line = "    \(e.event.rawValue) \(e.type) \(e.sender)→\(e.recipient)"
                if let code = e.reasonCode { line += " refused: \(code)" }
                if let b = e.basis { line += " basis: \(b.rawValue)" }
                print(line)
                if !e.removedFields.isEmpty { print("      removed: \(e.removedFields.joined(separator: ", "))") }
            }
        }
    }
}

extension JSONValue {
    var topLevelKeys: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }
}
