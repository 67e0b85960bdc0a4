import Foundation

/// An instant written as RFC 3339 UTC with milliseconds (`2026-11-21T10:00:00.000Z`), the form every message uses.
public struct Timestamp: CanonicalStringCodable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSince1970: Int64

    /// The instant of `date` (now by default), truncated to whole milliseconds.
    public init(_ date: Date = Date()) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The instant that many milliseconds after (negative: before) 1970-01-01T00:00:00Z.
    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC only, as the contracts require).
    public init?(rfc3339 text: String) {
        let u = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= u.count else { return nil }
            var n = 0
            for i in r {
                guard (48...57).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - 48)
            }
            return n
        }
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90,
            let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
            let mi = num(14..<16), let s = num(17..<19),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var ms = 0
        if u.count > 20 {
            guard u[19] == 46, u.count - 21 >= 1, u.count - 21 <= 9, let frac = num(20..<(u.count - 1)) else { return nil }
            let digits = u.count - 21
            ms = digits >= 3 ? frac / Int(pow(10, Double(digits - 3))) : frac * Int(pow(10, Double(3 - digits)))
        } else if u.count != 20 {
            return nil
        }
        guard d <= Self.daysIn(month: mo, year: y) else { return nil }
        let days = Self.daysFromCivil(year: y, month: mo, day: d)
        millisecondsSince1970 = (Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1000 + Int64(ms)
    }

    /// The same instant as a Foundation `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    /// The canonical wire form: RFC 3339 UTC with exactly three fractional digits (`2026-11-21T10:00:00.000Z`).
    public var rfc3339: String {
        let ms = millisecondsSince1970
        let totalSeconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let milli = Int(ms - totalSeconds * 1000)
        let days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
        let secOfDay = Int(totalSeconds - days * 86_400)
        let (y, m, d) = Self.civil(fromDays: Int(days))
        func p(_ n: Int, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secOfDay / 3600, 2)):\(p(secOfDay / 60 % 60, 2)):\(p(secOfDay % 60, 2)).\(p(milli, 3))Z"
    }

    /// The RFC 3339 form, so that logs show times as messages carry them.
    public var description: String { rfc3339 }
    /// Earlier instants sort first.
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSince1970 < b.millisecondsSince1970 }

    /// The instant `seconds` later (negative: earlier), to the millisecond, for clock windows and deadlines.
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(millisecondsSince1970: millisecondsSince1970 + Int64(seconds * 1000))
    }

    // Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A calendar date (`2026-11-21`), for dates of birth, due dates and meeting dates.
public struct CalendarDate: CanonicalStringCodable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Year (1–9999), month (1–12) and day of the month, in the proleptic Gregorian calendar.
    public let year: Int, month: Int, day: Int

    /// The date, or nil for a day the month does not have or a year outside 1–9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...Timestamp.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil when the text is not a real date in that form.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        // Digits only: `Int` alone would take "+1" for a month.
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The UTC date of an instant.
    public init(_ t: Timestamp) {
        let days = Int((t.millisecondsSince1970 >= 0 ? t.millisecondsSince1970 : t.millisecondsSince1970 - 86_399_999) / 86_400_000)
        let (y, m, d) = Timestamp.civil(fromDays: days)
        year = y
        month = m
        day = d
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int { Timestamp.daysFromCivil(year: year, month: month, day: day) }

    /// The date `days` later (negative: earlier), for due dates and look-back windows.
    public func adding(days: Int) -> CalendarDate {
        let (y, m, d) = Timestamp.civil(fromDays: dayNumber + days)
        return CalendarDate(year: y, month: m, day: d)!
    }

    /// The canonical form, `YYYY-MM-DD`, zero-padded.
    public var description: String {
        func p(_ n: Int, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(year, 4))-\(p(month, 2))-\(p(day, 2))"
    }

    /// Earlier dates sort first.
    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.dayNumber < b.dayNumber }

}

extension Timestamp {
    /// Decodes an RFC 3339 UTC string (`Z` only, 0–9 fractional digits); any other text is a decoding error.
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    /// Encodes the instant as its canonical RFC 3339 string, with milliseconds.
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }

    /// Parses an RFC 3339 UTC time; the error shows the form expected.
    public init(canonicalString text: String) throws {
        guard let t = Timestamp(rfc3339: text) else { throw CanonicalStringError("not an RFC 3339 UTC time like 2026-11-21T10:00:00.000Z") }
        self = t
    }

    /// The canonical RFC 3339 form, with milliseconds.
    public var canonicalString: String { rfc3339 }
}

extension CalendarDate {
    /// Decodes a `YYYY-MM-DD` string; any other text is a decoding error.
    public init(from decoder: any Decoder) throws { try self.init(canonicalFrom: decoder) }
    /// Encodes the date as its `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws { try encodeCanonical(to: encoder) }

    /// Parses `YYYY-MM-DD`, throwing when the text is not a real date.
    public init(canonicalString text: String) throws {
        guard let d = CalendarDate(text) else { throw CanonicalStringError("not a date (YYYY-MM-DD)") }
        self = d
    }

    /// The `YYYY-MM-DD` form.
    public var canonicalString: String { description }
}
