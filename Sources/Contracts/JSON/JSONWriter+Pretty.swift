extension JSONWriter {
    /// Indented JSON (two spaces, as the contract's files are written), every non-ASCII character escaped so
    /// that files read the same in any editor; for generated contract files, not for messages.
    public static func pretty(_ value: JSONValue) -> String {
        var out = ""
        writePretty(value, indent: "", into: &out)
        return out + "\n"
    }

    private static func writePretty(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (k, item) in items.enumerated() {
                out += inner
                writePretty(item, indent: inner, into: &out)
                out += k + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (k, m) in members.enumerated() {
                out += inner + asciiString(m.key) + ": "
                writePretty(m.value, indent: inner, into: &out)
                out += k + 1 < members.count ? ",\n" : "\n"
            }
            out += indent + "}"
        case .string(let s):
            out += asciiString(s)
        default:
            out += String(decoding: bytes(value), as: UTF8.self)
        }
    }

    /// A JSON string literal with every character outside printable ASCII as `\uXXXX` (UTF-16 units).
    static func asciiString(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default:
                let hex = String(unit, radix: 16, uppercase: false)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
