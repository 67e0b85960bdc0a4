import Contracts

/// Whether a process's own signing key is one the region trusts now: an expired or unlisted key signs messages
/// every receiver refuses.
public enum SigningKeyCheck {
    /// Nil when `signer`'s key is in `trust` and unexpired at `at`; otherwise what is wrong and what to do.
    public static func failure(signer: MessageSigner, trust: TrustStore, at: Timestamp) -> String? {
        guard let key = trust.keys[signer.keyID] else {
            return "key \(signer.keyID) is not in the trust file; add it (refgw keys) or use a key that is"
        }
        if let notAfter = key.notAfter, at > notAfter {
            return "key \(signer.keyID) expired at \(notAfter); rotate it (refgw keys) and restart"
        }
        return nil
    }
}
