import Contracts
import Foundation

extension GatewayDecider {
    /// A message the gateway delivered that died in its recipient's inbox, ready to go to that recipient again.
    public struct Redelivery: Sendable {
        /// The envelope as the gateway delivered it the first time.
        public var envelope: Envelope
        /// The policy's entry it is delivered under now; nil for the gateway's own non-delivery reports.
        public var rule: SharingPolicy.Rule?
        /// Names of what today's policy removed from the stored body (none for a non-delivery report).
        public var removedFields: [String]
        /// The message to deliver again, signed afresh by the gateway.
        public var outgoing: SignedMessage
    }

    /// Prepares a kept dead letter from `recipient`'s inbox for delivery again: the gateway's own signature must
    /// hold (the stored copy is intact), today's policy entry must still let its sender reach the recipient and is
    /// applied once more (it can only remove more), and it is signed afresh so the recipient's clock check accepts it.
    /// Whether its sharing basis still holds, and whether the person is still known in a role the entry allows,
    /// need the store; the ledger checks those.
    public func prepareRedelivery(_ delivery: SubmittedMessage, to recipient: PartyID, now: Timestamp) throws(Refusal) -> Redelivery {
        let env = try readEnvelope(delivery)
        guard env.recipient == recipient else {
            throw Refusal(.invalidEnvelope, "the dead letter died in the inbox of \(recipient) but is addressed to \(env.recipient)")
        }
        do { try trust.verify(env, body: delivery.body, signedBy: .gateway, at: now) } catch {
            throw Refusal(error.reasonCode, "the stored copy does not carry the gateway's valid signature: \(error.description)")
        }
        guard env.type != .nonDeliveryReport else {
            // The gateway's own report: nothing to share but the refusal itself.
            var out = env
            out.sentAt = now
            signer.sign(&out, body: delivery.body)
            return Redelivery(envelope: env, rule: nil, removedFields: [], outgoing: SignedMessage(envelope: out, body: delivery.body))
        }
        guard let rule = policy.rule(for: recipient, type: env.type), rule.senders.contains(env.sender) else {
            throw Refusal(.noPolicy, "the policy no longer lets \(env.sender) send \(env.type.rawValue) to \(recipient)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(delivery.body) } catch { throw Refusal(.invalidSchema, "the stored body is not JSON: \(error.description)") }
        // Today's entry decides, as for a new message: a purpose it no longer allows is not shared again.
        let purposeText = json.value(at: "sharing.purpose")?.stringValue ?? rule.defaultPurpose?.rawValue
        guard let purposeText, let purpose = Purpose(rawValue: purposeText), rule.purposes.contains(purpose) else {
            throw Refusal(.noPolicy, "the policy no longer allows \(env.type.rawValue) to \(recipient) for purpose '\(purposeText ?? "none")'")
        }
        let view = try redactAndSign(json, envelope: env, rule: rule, now: now)
        return Redelivery(envelope: env, rule: rule, removedFields: view.removedFields, outgoing: view.message)
    }
}
