import Crypto
import Foundation

/// The public keys every process trusts, by key id, loaded from a trust file in `config/`.
public struct TrustStore: Sendable {
    /// One trusted public key.
    public struct Key: Sendable, Codable, Equatable {
        /// The id messages name in `refgw-key-id` (JSON `keyId`).
        public var keyID: String
        /// The key's owner: a signature with this key is accepted only where this party is the one expected to sign.
        public var party: PartyID
        /// Raw 32-byte Ed25519 public key, base64 in the file.
        public var publicKey: Data
        /// After this instant the key signs nothing (rotation).
        public var notAfter: Timestamp?
        /// True for keys generated on a developer's machine; a production gateway refuses to load them.
        public var development: Bool?

        enum CodingKeys: String, CodingKey {
            case keyID = "keyId"
            case party, publicKey, notAfter, development
        }

        /// A trusted key; without `notAfter` it never expires.
        public init(keyID: String, party: PartyID, publicKey: Data, notAfter: Timestamp? = nil, development: Bool? = nil) {
            self.keyID = keyID
            self.party = party
            self.publicKey = publicKey
            self.notAfter = notAfter
            self.development = development
        }
    }

    private struct File: Codable { var keys: [Key] }

    /// Every trusted key, by key id.
    public private(set) var keys: [String: Key] = [:]
    /// Public key objects, decoded once per key rather than per message.
    private var verifiers: [String: VerifierBox] = [:]

    /// swift-crypto's public key type is not marked Sendable; it is immutable, so sharing it is safe.
    private final class VerifierBox: @unchecked Sendable {
        let key: Curve25519.Signing.PublicKey
        init(_ key: Curve25519.Signing.PublicKey) { self.key = key }
    }

    /// A store of these keys; throws on an unusable key or a key id listed twice.
    public init(keys: [Key] = []) throws(TrustStoreError) {
        for k in keys { try add(k) }
    }

    /// Loads `{"keys": [{"keyId", "party", "publicKey", "notAfter"?}]}`.
    public init(contentsOf url: URL) throws(TrustStoreError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(url.path, "\(error.localizedDescription)") }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch { throw .unreadable(url.path, "not a trust file: \(error)") }
        try self.init(keys: file.keys)
    }

    /// Trusts one more key; throws if its id is malformed, it is not a 32-byte Ed25519 public key, or its id is taken.
    public mutating func add(_ key: Key) throws(TrustStoreError) {
        guard Envelope.isKeyID(key.keyID) else { throw .invalidKey(key.keyID, "is not a valid key id") }
        guard let verifier = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey) else {
            throw .invalidKey(key.keyID, "is not a 32-byte Ed25519 public key")
        }
        guard keys[key.keyID] == nil else { throw .duplicateKey(key.keyID) }
        keys[key.keyID] = key
        verifiers[key.keyID] = VerifierBox(verifier)
    }

    /// Writes the store as a trust file.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(File(keys: keys.values.sorted { $0.keyID < $1.keyID })).write(to: url, options: .atomic)
    }

    /// Checks that `expectedSigner` signed exactly this envelope and body with a current key.
    ///
    /// `checkedBefore`, when given, is asked about the signing input once the key has passed its checks: true means
    /// the caller holds its own proof that this very input's signature was checked (the gateway's seal on a kept dead
    /// letter), and the signature's arithmetic is not done again.
    public func verify(
        _ envelope: Envelope, body: Data, signedBy expectedSigner: PartyID, at now: Timestamp = Timestamp(),
        checkedBefore: ((Data) -> Bool)? = nil
    ) throws(SignatureError) {
        guard let signatureText = envelope.signature else { throw .unsigned }
        guard let key = keys[envelope.keyID] else { throw .unknownKey(envelope.keyID) }
        guard key.party == expectedSigner else {
            throw .keyNotOwnedBy(keyID: key.keyID, expected: expectedSigner, owner: key.party)
        }
        if let notAfter = key.notAfter, now > notAfter { throw .keyExpired(key.keyID) }
        let input = envelope.signingInput(body: body)
        if checkedBefore?(input) == true { return }
        guard let signature = Data(base64Encoded: signatureText), signature.count == 64,
            let publicKey = verifiers[key.keyID]?.key,
            publicKey.isValidSignature(signature, for: input)
        else { throw .badSignature }
    }
}

/// Why a trust file could not be used.
public enum TrustStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be read or is not a trust file (path, why).
    case unreadable(String, String)
    /// A key's id or public key is unusable (key id, what is wrong).
    case invalidKey(String, String)
    /// Two keys share one key id.
    case duplicateKey(String)

    /// The problem in one line, naming the file or the key id.
    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "cannot read trust file \(path): \(why)"
        case .invalidKey(let id, let why): return "trust file key '\(id)' \(why)"
        case .duplicateKey(let id): return "key id '\(id)' appears twice in the trust file; key ids must be unique"
        }
    }
}
