import Contracts

/// Why the gateway will not deliver a message: a stable reason code and a detail without personal data.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable reason code the sender's non-delivery report and the dead letter carry (such as `no-consent`).
    public var code: ReasonCode
    /// What exactly was wrong and, where it helps, what to do about it; never personal data.
    public var detail: String

    /// A refusal with `code`'s standard explanation unless a detail is given.
    public init(_ code: ReasonCode, _ detail: String? = nil) {
        self.code = code
        self.detail = detail ?? code.explanation
    }

    /// `code: detail`, for logs.
    public var description: String { "\(code.rawValue): \(detail)" }
}
