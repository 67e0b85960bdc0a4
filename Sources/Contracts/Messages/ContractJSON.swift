import Foundation

/// The JSON encoding every message body uses: UTF-8, keys as in the schemas, optional fields omitted.
public enum ContractJSON {
    /// An encoder with the contract's settings, for parts of messages (a person, a child) kept on their own.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// A decoder for the contract's JSON.
    public static var decoder: JSONDecoder { JSONDecoder() }

    /// The body as contract JSON: sorted keys, unescaped slashes, optional fields left out.
    public static func encode<B: MessageBody>(_ body: B) throws -> Data {
        try encoder.encode(body)
    }

    /// Decodes a body of type `B`; this checks types and required fields, not the schema (unknown members are ignored).
    public static func decode<B: MessageBody>(_ type: B.Type, from data: Data) throws -> B {
        try decoder.decode(type, from: data)
    }
}

extension MessageType {
    /// The Swift type of this message type's body.
    public var bodyType: any MessageBody.Type {
        switch self {
        case .referral: return Referral.self
        case .referralOutcome: return ReferralOutcome.self
        case .nonDeliveryReport: return NonDeliveryReport.self
        case .consent: return ConsentRecord.self
        case .consentAcknowledgement: return ConsentAcknowledgement.self
        case .maracReferral: return MaracReferral.self
        case .maracActionPlan: return MaracActionPlan.self
        case .maracActionUpdate: return MaracActionUpdate.self
        case .safetyAlert: return SafetyAlert.self
        }
    }
}
