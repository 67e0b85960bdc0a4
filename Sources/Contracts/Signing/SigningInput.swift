import Crypto
import Foundation

extension Envelope {
    /// The exact bytes that are signed (contracts/signing.md): a fixed header line, then `name:value` lines for
    /// the envelope fields in a fixed order, then the SHA-256 of the body, each line ending in `\n`.
    /// Header values are used exactly as they travel, so no JSON canonicalisation is ever needed.
    public func signingInput(body: Data) -> Data {
        let digest = Hex.encode(SHA256.hash(data: body))
        var s = "REFGW-SIG-1\n"
        s += "message-id:\(messageID)\n"
        s += "type:\(type.rawValue)\n"
        s += "type-version:\(typeVersion)\n"
        s += "sender:\(sender.rawValue)\n"
        s += "recipient:\(recipient.rawValue)\n"
        s += "subject:\(subject.canonical)\n"
        s += "sent-at:\(sentAt.rfc3339)\n"
        s += "key-id:\(keyID)\n"
        s += "body-sha256:\(digest)\n"
        return Data(s.utf8)
    }
}
