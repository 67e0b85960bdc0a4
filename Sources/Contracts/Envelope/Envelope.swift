/// What every message carries besides its body: who sent it to whom, about whom, when, and the signature.
///
/// On the wire these are AMQP properties (`message_id`, `type`) and string headers named in `Envelope.Header`;
/// `contracts/envelope.md` is the language-neutral description.
public struct Envelope: Sendable, Equatable {
    /// Header names, as they appear in the AMQP headers table.
    public enum Header {
        /// Envelope and signing scheme version (`Envelope.contractVersion`); any other version is refused.
        public static let contract = "refgw-contract"
        /// Version of the body's schema: a positive number without leading zeros.
        public static let typeVersion = "refgw-type-version"
        /// Party id of the service that wrote the message.
        public static let sender = "refgw-sender"
        /// Party id of the service the message is for (`gateway` for consent records).
        public static let recipient = "refgw-recipient"
        /// Canonical URC of the person the message is about.
        public static let subject = "refgw-subject"
        /// When the message was signed: RFC 3339 UTC with exactly three fractional digits.
        public static let sentAt = "refgw-sent-at"
        /// Id of the key that signed: the sender's on submission, the gateway's on delivery.
        public static let keyID = "refgw-key-id"
        /// Standard base64 (padded) of the 64-byte Ed25519 signature over the signing input.
        public static let signature = "refgw-signature"
        /// Every envelope header, in the order contracts/envelope.md lists them.
        public static let all = [contract, typeVersion, sender, recipient, subject, sentAt, keyID, signature]
    }

    /// The envelope and signing scheme version this code implements.
    public static let contractVersion = "1"

    /// Lower-case UUID; unique per message, reused by nobody, the key for deduplication.
    public var messageID: String
    /// The message type (AMQP `type` property), which names the body's schema.
    public var type: MessageType
    /// Version of the body's schema (`refgw-type-version`); the type's current version unless given.
    public var typeVersion: Int
    /// The service that wrote the message (unchanged when the gateway forwards it).
    public var sender: PartyID
    /// The service it is for (the gateway for consent records it keeps).
    public var recipient: PartyID
    /// The URC of the person the message is about.
    public var subject: URC
    /// When it was signed (`refgw-sent-at`): by the sender on submission, by the gateway on delivery.
    public var sentAt: Timestamp
    /// Which key signed it: the sender's key, or the gateway's on forwarded messages.
    public var keyID: String
    /// Base64 Ed25519 signature over `signingInput(body:)`; nil before signing.
    public var signature: String?

    /// An envelope to sign; the type version defaults to the type's current one and the time to now.
    public init(
        messageID: String, type: MessageType, typeVersion: Int? = nil, sender: PartyID, recipient: PartyID,
        subject: URC, sentAt: Timestamp = Timestamp(), keyID: String, signature: String? = nil
    ) {
        self.messageID = messageID
        self.type = type
        self.typeVersion = typeVersion ?? type.currentVersion
        self.sender = sender
        self.recipient = recipient
        self.subject = subject
        self.sentAt = sentAt
        self.keyID = keyID
        self.signature = signature
    }

    /// The headers to put on the AMQP message (besides `message_id` and `type`, which are properties).
    public var headers: [String: String] {
        var h = [
            Header.contract: Self.contractVersion,
            Header.typeVersion: String(typeVersion),
            Header.sender: sender.rawValue,
            Header.recipient: recipient.rawValue,
            Header.subject: subject.canonical,
            Header.sentAt: sentAt.rfc3339,
            Header.keyID: keyID,
        ]
        if let signature { h[Header.signature] = signature }
        return h
    }

    /// Reads an envelope from AMQP `message_id`, `type` and string headers; throws naming the first problem.
    public init(messageID: String?, type: String?, headers: [String: String]) throws(EnvelopeError) {
        func need(_ name: String) throws(EnvelopeError) -> String {
            guard let v = headers[name], !v.isEmpty else { throw .missing(name) }
            return v
        }
        guard let messageID, !messageID.isEmpty else { throw .missing("message_id") }
        guard Self.isMessageID(messageID) else { throw .malformed("message_id", "must be a lower-case UUID") }
        guard let type, !type.isEmpty else { throw .missing("type") }
        guard let t = MessageType(rawValue: type) else { throw .unknownType(type) }
        let contract = try need(Header.contract)
        guard contract == Self.contractVersion else { throw .unsupportedContract(contract) }
        let versionText = try need(Header.typeVersion)
        guard let version = Int(versionText), version >= 1, String(version) == versionText else {
            throw .malformed(Header.typeVersion, "must be a positive number without leading zeros")
        }
        guard t.supportedVersions.contains(version) else { throw .unsupportedTypeVersion(t, version) }
        guard let sender = PartyID(rawValue: try need(Header.sender)) else { throw .malformed(Header.sender, "is not a party id") }
        guard let recipient = PartyID(rawValue: try need(Header.recipient)) else { throw .malformed(Header.recipient, "is not a party id") }
        let subjectText = try need(Header.subject)
        let subject: URC
        do throws(URCError) { subject = try URC(parsing: subjectText) } catch { throw .malformed(Header.subject, error.description) }
        let sentText = try need(Header.sentAt)
        guard let sentAt = Timestamp(rfc3339: sentText), sentAt.rfc3339 == sentText else {
            throw .malformed(Header.sentAt, "must be UTC with milliseconds, like 2026-11-21T10:00:00.000Z")
        }
        let keyID = try need(Header.keyID)
        guard Self.isKeyID(keyID) else { throw .malformed(Header.keyID, "is not a key id") }
        self.init(
            messageID: messageID, type: t, typeVersion: version, sender: sender, recipient: recipient,
            subject: subject, sentAt: sentAt, keyID: keyID, signature: headers[Header.signature])
        guard subject.canonical == headers[Header.subject] else {
            throw .malformed(Header.subject, "must be in canonical form (upper case, hyphenated)")
        }
    }

    /// Whether a text is a message id in the contract's form (a lower-case UUID).
    public static func isMessageID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                if c != UInt8(ascii: "-") { return false }
            } else if !((48...57).contains(c) || (97...102).contains(c)) {
                return false
            }
        }
        return true
    }

    static func isKeyID(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count)
            && s.utf8.allSatisfy { c in
                (48...57).contains(c) || (97...122).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
            }
    }
}

/// Why an envelope could not be read.
public enum EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required property or header is absent or empty (its name).
    case missing(String)
    /// A property or header is present but not in the contract's form (its name, what is wrong).
    case malformed(String, String)
    /// The `type` property is not one of the contract's message types.
    case unknownType(String)
    /// `refgw-contract` names an envelope version this code does not implement.
    case unsupportedContract(String)
    /// `refgw-type-version` is not one the contract lists for the type.
    case unsupportedTypeVersion(MessageType, Int)
    /// A header was sent as another AMQP type than a long string (name, what it was).
    case notAString(String, String)

    /// The problem in one line, naming the property or header at fault.
    public var description: String {
        switch self {
        case .missing(let h): return "the message has no '\(h)'"
        case .malformed(let h, let why): return "'\(h)' \(why)"
        case .unknownType(let t): return "'\(t)' is not a message type of the contract"
        case .unsupportedContract(let v): return "contract version '\(v)' is not supported (this gateway speaks \(Envelope.contractVersion))"
        case .unsupportedTypeVersion(let t, let v):
            return
                "\(Envelope.Header.typeVersion) \(v) of \(t.rawValue) is not one the contract lists (\(t.supportedVersions.sorted().map(String.init).joined(separator: ", ")))"
        case .notAString(let h, let kind): return "header '\(h)' is \(kind); every envelope header must be an AMQP long string (S)"
        }
    }
}
