import AMQP
import ArgumentParser
import Contracts
import Foundation
import Messaging

/// `refgw drill tampered`: sends a message that was changed after it was signed, to show (and check) that the
/// gateway refuses it, reports it to the sender and keeps it in the dead letters.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill", abstract: "Exercises for administrators.", subcommands: [Tampered.self])

    struct Tampered: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a safety alert whose body was changed after signing (a poisoned message).")
        @Option(help: "The sending service's key file.") var key: String
        @Option(help: "Broker URL of the sending service's user.") var url: String
        @Option(help: "The recipient service.") var to: String = "sanctuary"
        @Option(help: "The URC it is about.") var subject: String
        @Option(help: "Prefix of every name; default $REFGW_NAMESPACE, else none.") var namespace: String?

        func run() async throws {
            do {
                let signer = try KeyFile.signer(contentsOf: URL(fileURLWithPath: key))
                guard let recipient = PartyID(rawValue: to) else { throw fail("'\(to)' is not a party") }
                let urc = try URC(parsing: subject)
                let alert = SafetyAlert(
                    alertId: UUID.randomLowercased(), kind: .riskEscalation, severity: .routine,
                    raisedAt: Timestamp(), summary: "Drill: this text is changed after signing.")
                var message = try SignedMessage.make(alert, to: recipient, about: urc, signer: signer)
                message.body = Data(String(decoding: message.body, as: UTF8.self).replacingOccurrences(of: "Drill", with: "DRILL").utf8)
                let configuration = try AMQPConnectionConfiguration(url: url)
                let publisher = try await AMQPPublisher(configuration: configuration)
                try await publisher.publish(message.submission(brokerUser: configuration.user, topology: topologyNames(namespace)))
                await publisher.close()
                print("sent tampered message \(message.envelope.messageID) from \(signer.party) to \(recipient)")
            } catch let e as ExitCode {
                throw e
            } catch {
                throw fail("\(error)")
            }
        }
    }
}
