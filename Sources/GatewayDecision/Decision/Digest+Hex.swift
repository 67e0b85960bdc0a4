import Contracts
import Crypto

extension Digest {
    /// The digest in lower-case hex, as fingerprints, seals and the audit chain write it.
    package var hex: String { Hex.encode(self) }
}
