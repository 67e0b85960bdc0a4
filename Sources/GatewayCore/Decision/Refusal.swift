import Contracts

/// Why the gateway will not deliver a message: a stable reason code and a detail without personal data.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ReasonCode
    public var detail: String

    public init(_ code: ReasonCode, _ detail: String? = nil) {
        self.code = code
        self.detail = detail ?? code.explanation
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
