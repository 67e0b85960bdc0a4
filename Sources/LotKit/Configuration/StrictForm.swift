import Contracts
import Foundation

/// Reads a caseworker's JSON file (an intake, a referral form, a DASH) strictly, so that a mistake in it is a
/// refusal naming the field, never a silent loss: a misspelt `consent` used to drop the person's consent without
/// a word. Duplicate keys are refused (the gateway's parser), and so is any field the form does not have.
public enum StrictForm {
    /// Decodes `data` as `T`; `what` names the file in errors ("intake file jane.json").
    public static func decode<T: Codable>(_ type: T.Type, from data: Data, describing what: String) throws -> T {
        let document: JSONValue
        do { document = try JSONParser.parse(data) } catch {
            throw LotError.badInput("\(what) is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
        let value: T
        do { value = try JSONDecoder().decode(T.self, from: data) } catch {
            throw LotError.badInput("\(what): \(LotError.describe(error))")
        }
        // What the form understood, written back: a field of the file missing from it was not read.
        let understood = try JSONParser.parse(JSONEncoder().encode(value))
        if let field = unread(document, understood, path: []) {
            throw LotError.badInput("\(what): there is no field `\(field)` in this form: check its spelling (fields are case-sensitive)")
        }
        return value
    }

    /// Reads and decodes the file at `path`.
    public static func load<T: Codable>(_ type: T.Type, path: String, describing what: String) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LotError.badInput("cannot read \(what) \(path): \(error.localizedDescription)")
        }
        return try decode(type, from: data, describing: "\(what) \(path)")
    }

    /// The path of the first member of `given` that `understood` lacks (a `null` counts as absent).
    static func unread(_ given: JSONValue, _ understood: JSONValue, path: [String]) -> String? {
        switch (given, understood) {
        case (.object(let members), .object):
            for m in members where m.value != .null {
                guard let next = understood[m.key] else { return (path + [m.key]).joined(separator: ".") }
                if let deeper = unread(m.value, next, path: path + [m.key]) { return deeper }
            }
        case (.array(let items), .array(let read)):
            for (i, item) in items.enumerated() where i < read.count {
                if let deeper = unread(item, read[i], path: path.isEmpty ? ["[\(i)]"] : path.dropLast() + ["\(path.last!)[\(i)]"]) { return deeper }
            }
        default: break
        }
        return nil
    }
}
