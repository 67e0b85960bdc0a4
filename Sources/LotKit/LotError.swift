import Foundation

/// What went wrong in a worker or one of its commands, in one line that says what to do; never personal data
/// in what the worker logs (command errors go to the member of staff who typed the command).
public enum LotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `config/` or a command-line option is wrong; the worker does not start.
    case configuration(String)
    /// An input file or argument a member of staff gave is wrong; nothing was changed.
    case badInput(String)
    /// A URC, referral, case or action this service does not hold.
    case notFound(String)
    /// An incoming message this service cannot apply; it goes to the dead letters.
    case unprocessable(String)
    /// The store itself failed (disk, lock, a row that does not read as its type), with the underlying error's
    /// type and text; the transaction changed nothing.
    case storeFailed(String)

    /// The one line a member of staff sees on stderr, or the worker logs.
    public var description: String {
        switch self {
        case .configuration(let s): "configuration: \(s)"
        case .badInput(let s): s
        case .notFound(let s): s
        case .unprocessable(let s): "cannot apply the message: \(s)"
        case .storeFailed(let s): "\(s); nothing was changed: check the disk, and that no other program holds the store"
        }
    }

    /// A decoding error as "field `a.b.c`: what is wrong".
    public static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "(top level)" : p)
        }
        switch error {
        case DecodingError.keyNotFound(let key, let c): return "field `\(path(c.codingPath + [key]))` is missing"
        case DecodingError.typeMismatch(_, let c): return "field `\(path(c.codingPath))` has the wrong type: \(c.debugDescription)"
        case DecodingError.valueNotFound(_, let c): return "field `\(path(c.codingPath))` is empty"
        case DecodingError.dataCorrupted(let c):
            let under = (c.underlyingError as? any CustomStringConvertible)?.description
            return c.codingPath.isEmpty
                ? "not valid: \(under ?? c.debugDescription)"
                : "field `\(path(c.codingPath))` is not valid: \(under ?? c.debugDescription)"
        default: return "\(error)"
        }
    }
}
