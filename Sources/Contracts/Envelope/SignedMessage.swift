import Foundation

/// A contract message as it travels: envelope plus body bytes. The transports convert it to and from their own form.
public struct SignedMessage: Sendable, Equatable {
    /// Who sent it to whom about whom, and the signature over it and the body.
    public var envelope: Envelope
    /// The body bytes exactly as signed: any change breaks the signature.
    public var body: Data

    /// A message from an envelope and the body it was signed with.
    public init(envelope: Envelope, body: Data) {
        self.envelope = envelope
        self.body = body
    }

    /// Builds and signs a message from `signer`'s party about `subject`.
    public static func make<B: MessageBody>(
        _ body: B, to recipient: PartyID, about subject: URC,
        signer: MessageSigner, messageID: String = UUID.randomLowercased(),
        sentAt: Timestamp = Timestamp()
    ) throws -> SignedMessage {
        let data = try ContractJSON.encode(body)
        var envelope = Envelope(
            messageID: messageID, type: B.messageType, sender: signer.party, recipient: recipient,
            subject: subject, sentAt: sentAt, keyID: signer.keyID)
        signer.sign(&envelope, body: data)
        return SignedMessage(envelope: envelope, body: data)
    }

    /// The `content_type` every message carries.
    public static let contentType = "application/json"

    /// Reads a message as a transport delivered it; throws naming the first missing or malformed property or header.
    ///
    /// Strict, as contracts/envelope.md says: `content_type` is `application/json`, the message is persistent, and
    /// every envelope header is text (an AMQP long string). Any other header is ignored: it is not signed, so nothing
    /// may depend on it. `header` looks a header up by name.
    public init(
        contentType: String?, persistent: Bool, messageID: String?, type: String?,
        header: (String) -> TransportHeader?, body: Data
    ) throws(EnvelopeError) {
        var headers: [String: String] = [:]
        for name in Envelope.Header.all {
            switch header(name) {
            case nil: continue
            case .text(let s): headers[name] = s
            case .other(let kind, _): throw .notAString(name, kind)
            }
        }
        guard let contentType else { throw .missing("content_type") }
        guard contentType == Self.contentType else { throw .malformed("content_type", "must be \(Self.contentType)") }
        guard persistent else { throw .malformed("delivery_mode", "must be 2 (persistent): a message the broker may lose cannot carry a referral") }
        envelope = try Envelope(messageID: messageID, type: type, headers: headers)
        self.body = body
    }
}

/// A header's value as a transport carried it: text, or a value of another kind.
public enum TransportHeader: Sendable, Equatable {
    /// Text (for AMQP, a long string): the only kind an envelope header may be.
    case text(String)
    /// Any other kind of value: the kind's name (for errors), and the value written out (to keep it as it came).
    case other(kind: String, description: String)

    /// The text, when it is text.
    public var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}
