import Contracts

/// The `format`s the validator asserts (as JSON Schema's format-assertion vocabulary does); others only annotate.
enum SchemaFormat {
    /// Whether `s` has `format` (true for a format the validator does not assert).
    static func accepts(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time": return isDateTime(s)
        case "date": return CalendarDate(s) != nil
        default: return true  // email: the contracts' patterns check the form
        }
    }

    /// RFC 3339's `date-time`: `T` or `t`, `Z`, `z` or an offset, a fraction of any length, and a leap second only
    /// where one can fall (23:59:60 in UTC). The contracts narrow it with a pattern to UTC written with `Z`.
    static func isDateTime(_ s: String) -> Bool {
        let u = Array(s.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard u.count >= 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] | 0x20 == UInt8(ascii: "t"),
            u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
            CalendarDate(String(decoding: u[0..<10], as: UTF8.self)) != nil,
            let h = digits(11, 2), let mi = digits(14, 2), let sec = digits(17, 2), h < 24, mi < 60, sec <= 60
        else { return false }
        var i = 19
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < u.count, (48...57).contains(u[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < u.count else { return false }
        var offset = 0
        if u[i] | 0x20 == UInt8(ascii: "z") {
            guard i + 1 == u.count else { return false }
        } else {
            guard u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-"), i + 6 == u.count, u[i + 3] == UInt8(ascii: ":"),
                let oh = digits(i + 1, 2), let om = digits(i + 4, 2), oh < 24, om < 60
            else { return false }
            offset = (u[i] == UInt8(ascii: "+") ? 1 : -1) * (oh * 60 + om)
        }
        if sec == 60 {
            let utc = ((h * 60 + mi - offset) % 1440 + 1440) % 1440
            guard utc == 23 * 60 + 59 else { return false }
        }
        return true
    }
}
