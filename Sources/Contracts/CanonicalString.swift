/// A value that JSON carries as one string in its canonical form (URCs, party ids, times, dates).
///
/// Conforming types forward `init(from:)` and `encode(to:)` to `init(canonicalFrom:)` and
/// `encodeCanonical(to:)`: Swift would otherwise synthesise a keyed encoding from their stored properties.
public protocol CanonicalStringCodable: Codable {
    /// Parses the canonical form; the error's description says what is wrong.
    init(canonicalString: String) throws
    /// The canonical form.
    var canonicalString: String { get }
}

extension CanonicalStringCodable {
    /// Decodes the value from its JSON string; conforming types call this from `init(from:)`, and the error quotes the text.
    public init(canonicalFrom decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(canonicalString: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)': \(error)"))
        }
    }

    /// Encodes the value as its canonical string; conforming types call this from `encode(to:)`.
    public func encodeCanonical(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonicalString)
    }
}

/// The reason a canonical string was refused.
public struct CanonicalStringError: Error, CustomStringConvertible {
    /// What is wrong with the text, in one line (e.g. "not a date (YYYY-MM-DD)").
    public let description: String
    /// Makes the error from its one-line description.
    public init(_ description: String) { self.description = description }
}
