import Contracts
import Crypto
import Foundation

/// The gateway's note, on a message it refused, that it had checked the sender's signature: an HMAC of the exact
/// signed input under a key derived from the gateway's own signing key.
///
/// A replay of that dead letter checks the sender's key as usual (known, the sender's, not expired) but need not
/// redo the Ed25519 arithmetic (a fifth of a bulk replay's CPU) when the seal matches. A letter altered in the store
/// or on its way to it no longer matches, and nobody without the gateway's key can make one that does, so its
/// signature is checked in full and refused if broken. Seals made under an earlier gateway key simply do not match.
public struct SignatureSeal: Sendable {
    /// The header a refused message's dead-letter copy carries its seal in.
    public static let header = "refgw-signature-seal"

    private let key: SymmetricKey

    /// The seal key for the gateway signing with `signer`; separate from the signing key itself (HKDF).
    public init(signer: MessageSigner) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: signer.privateKey),
            info: Data("refgw dead-letter signature seal 1".utf8), outputByteCount: 32)
    }

    /// The seal for a message whose signature over `envelope` and `body` was checked.
    public func seal(_ envelope: Envelope, body: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: envelope.signingInput(body: body), using: key)).base64EncodedString()
    }

    /// Whether `seal` was made by this gateway for exactly this signing input (compared in constant time).
    public func vouches(_ seal: String, forSigningInput input: Data) -> Bool {
        guard let code = Data(base64Encoded: seal) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: input, using: key)
    }
}
