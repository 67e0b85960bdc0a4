import ArgumentParser
import Contracts
import Foundation

/// `refgw keys generate`: make a party's Ed25519 signing key and trust its public key.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Signing keys and the trust file.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a signing key: the private key to --key-dir (mode 600), the public key into --trust.")
        @Option(help: "The party that will sign with it (victim, family, ..., gateway).") var party: String
        @Option(help: "Key id; default <party>-<year>-<random>.") var keyId: String?
        @Option(help: "Folder for private keys; keep it out of the repository.") var keyDir = "var/keys"
        @Option(help: "Trust file to add the public key to (created if missing).") var trust = "var/trust.json"
        @Flag(help: "A production key: not marked as a development key.") var production = false

        func run() throws {
            guard let id = PartyID(rawValue: party) else { throw fail("'\(party)' is not a party id") }
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let keyID = keyId ?? "\(id)-\(year)-\(UUID().uuidString.prefix(6).lowercased())"
            do {
                let trustURL = URL(fileURLWithPath: trust)
                var store = FileManager.default.fileExists(atPath: trustURL.path) ? try TrustStore(contentsOf: trustURL) : try TrustStore()
                let signer = MessageSigner.generate(keyID: keyID, party: id)
                try store.add(.init(keyID: keyID, party: id, publicKey: signer.publicKey, development: production ? nil : true))
                let keyURL = URL(fileURLWithPath: keyDir).appendingPathComponent("\(keyID).key")
                try KeyFile(signer: signer, development: !production).write(to: keyURL)
                try store.write(to: trustURL)
                print("\(keyID): private key \(keyURL.path) (mode 600)\(production ? "" : ", DEVELOPMENT key"); public key added to \(trustURL.path)")
            } catch let e as CustomStringConvertible where e is Error {
                throw fail(e)
            }
        }
    }
}
