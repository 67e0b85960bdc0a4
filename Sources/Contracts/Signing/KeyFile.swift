import Foundation

/// A private signing key on disk: JSON with key id, party and base64 seed, readable by its owner only.
/// Key files never belong in the repository; `development` marks keys generated on a developer's machine.
public struct KeyFile: Codable, Sendable {
    /// The key id the trust file lists the public key under (JSON `keyId`).
    public var keyId: String
    /// The party that signs with this key.
    public var party: PartyID
    /// The 32-byte Ed25519 seed, base64 in the file.
    public var privateKey: Data
    /// True for a key generated on a developer's machine, never to be trusted in production.
    public var development: Bool
    /// A warning for anyone who opens a development key's file; nil for production keys.
    public var warning: String?

    /// The key file of `signer`'s key; a development key also gets the warning.
    public init(signer: MessageSigner, development: Bool) {
        keyId = signer.keyID
        party = signer.party
        privateKey = signer.privateKey
        self.development = development
        warning = development ? "DEVELOPMENT KEY generated on a developer machine: never trust it in production" : nil
    }

    /// Writes the key with permissions 0600, refusing to overwrite an existing key.
    public func write(to url: URL) throws {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw KeyFileError("\(url.path) already exists; remove it first if you mean to replace that key")
        }
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard
            FileManager.default.createFile(
                atPath: url.path, contents: try encoder.encode(self),
                attributes: [.posixPermissions: 0o600])
        else {
            throw KeyFileError("cannot write \(url.path)")
        }
    }

    /// Reads a key file and makes its signer; refuses a file others can read.
    public static func signer(contentsOf url: URL) throws -> MessageSigner {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        guard let attributes else { throw KeyFileError("key file \(url.path) does not exist") }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw KeyFileError("key file \(url.path) is readable by others (mode \(String(mode, radix: 8))); run chmod 600 on it")
        }
        let file: KeyFile
        do { file = try JSONDecoder().decode(KeyFile.self, from: Data(contentsOf: url)) } catch {
            throw KeyFileError("\(url.path) is not a key file: \(error)")
        }
        return try MessageSigner(keyID: file.keyId, party: file.party, privateKey: file.privateKey)
    }
}

/// A key file problem, in one line.
public struct KeyFileError: Error, CustomStringConvertible {
    /// What is wrong with the key file, naming its path and, where known, the fix.
    public let description: String
    init(_ d: String) { description = d }
}
