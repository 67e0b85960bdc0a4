import Crypto
import Foundation

/// Signs envelopes with one party's Ed25519 private key.
public struct MessageSigner: Sendable {
    /// The key id written into `refgw-key-id`; the trust file lists the public key under it.
    public let keyID: String
    /// The party that owns the key; receivers check that it is the party expected to sign.
    public let party: PartyID
    private let rawPrivateKey: Data
    /// Built once: making the key object derives the public key, which cost as much as signing.
    private let key: KeyBox

    /// Holds the key object, which swift-crypto does not mark Sendable; it is immutable after creation and
    /// BoringSSL signs with a const key, so sharing it between threads is safe.
    private final class KeyBox: @unchecked Sendable {
        let key: Curve25519.Signing.PrivateKey
        init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
    }

    /// `privateKey` is the 32-byte Ed25519 seed.
    public init(keyID: String, party: PartyID, privateKey: Data) throws(SignatureError) {
        guard Envelope.isKeyID(keyID) else { throw .malformedKey("'\(keyID)' is not a key id") }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKey) else {
            throw .malformedKey("an Ed25519 private key is 32 bytes, this one is \(privateKey.count)")
        }
        self.keyID = keyID
        self.party = party
        self.rawPrivateKey = privateKey
        self.key = KeyBox(key)
    }

    /// A fresh random key (for development keys and tests).
    public static func generate(keyID: String, party: PartyID) -> MessageSigner {
        try! MessageSigner(keyID: keyID, party: party, privateKey: Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// The private seed, to store in a key file that never enters the repository.
    public var privateKey: Data { rawPrivateKey }

    /// The raw 32-byte Ed25519 public key, for the trust file.
    public var publicKey: Data {
        key.key.publicKey.rawRepresentation
    }

    /// Sets the key id and the signature on `envelope` for `body`.
    public func sign(_ envelope: inout Envelope, body: Data) {
        envelope.keyID = keyID
        let signature = try! key.key.signature(for: envelope.signingInput(body: body))
        envelope.signature = signature.base64EncodedString()
    }
}

/// Why a signature was not accepted; `reasonCode` is the contract's refusal code.
public enum SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message has no `refgw-signature`.
    case unsigned
    /// The trust file has no key with this id.
    case unknownKey(String)
    /// The key belongs to another party than the one expected to sign (the sender, or the gateway on delivery).
    case keyNotOwnedBy(keyID: String, expected: PartyID, owner: PartyID)
    /// The key is past its `notAfter` (rotated out).
    case keyExpired(String)
    /// The signature does not verify over the signing input: the message was changed or signed with another key.
    case badSignature
    /// A key id or private key that cannot be used (what is wrong).
    case malformedKey(String)

    /// The problem in one line, naming the key id where there is one.
    public var description: String {
        switch self {
        case .unsigned: return "the message carries no signature"
        case .unknownKey(let k): return "key '\(k)' is not in the trust file"
        case .keyNotOwnedBy(let k, let expected, let owner): return "key '\(k)' belongs to \(owner), not to \(expected)"
        case .keyExpired(let k): return "key '\(k)' has expired"
        case .badSignature: return "the signature does not match the message: it was changed or signed with another key"
        case .malformedKey(let why): return "unusable key: \(why)"
        }
    }

    /// The contract's refusal code: key trouble is `unknown-key`, a wrong owner `sender-mismatch`, the rest `bad-signature`.
    public var reasonCode: ReasonCode {
        switch self {
        case .unsigned, .badSignature, .malformedKey: return .badSignature
        case .unknownKey, .keyExpired: return .unknownKey
        case .keyNotOwnedBy: return .senderMismatch
        }
    }
}
