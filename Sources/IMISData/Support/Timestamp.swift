import Foundation

/// Formats and parses the timestamps of the validity columns.
///
/// Convention: `ValidityFrom`, `ValidityTo` and other instants are TEXT `YYYY-MM-DD HH:MM:SS.SSS` in UTC
/// (the format GRDB and SQLite's date functions use), so text order is time order and the `_lastUpdated`
/// index works on plain comparisons. Instants are kept to the millisecond.
enum Timestamp {
    /// Rounds down to the stored precision (milliseconds), so a value written and read back compares equal.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// `YYYY-MM-DD HH:MM:SS.SSS`, UTC.
    static func string(from date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var days = totalMillis / 86_400_000
        var millisOfDay = totalMillis % 86_400_000
        if millisOfDay < 0 { millisOfDay += 86_400_000; days -= 1 }
        let day = LocalDate(daysSinceEpoch: Int(days))
        var bytes = [UInt8](repeating: 0, count: 23)
        LocalDate.write(day.year, width: 4, into: &bytes, at: 0)
        bytes[4] = UInt8(ascii: "-")
        LocalDate.write(day.month, width: 2, into: &bytes, at: 5)
        bytes[7] = UInt8(ascii: "-")
        LocalDate.write(day.day, width: 2, into: &bytes, at: 8)
        bytes[10] = UInt8(ascii: " ")
        let ms = Int(millisOfDay)
        LocalDate.write(ms / 3_600_000, width: 2, into: &bytes, at: 11)
        bytes[13] = UInt8(ascii: ":")
        LocalDate.write(ms / 60_000 % 60, width: 2, into: &bytes, at: 14)
        bytes[16] = UInt8(ascii: ":")
        LocalDate.write(ms / 1000 % 60, width: 2, into: &bytes, at: 17)
        bytes[19] = UInt8(ascii: ".")
        LocalDate.write(ms % 1000, width: 3, into: &bytes, at: 20)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS.SSS` (also `T` as separator, seconds or milliseconds optional, a bare date
    /// as midnight); always UTC.
    static func date(from text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count >= 10, let day = LocalDate.parse(UnsafeBufferPointer(rebasing: b[0..<10])) else { return nil }
            var millis = Int64(day.daysSinceEpoch) * 86_400_000
            if b.count == 10 { return Date(timeIntervalSince1970: Double(millis) / 1000) }
            guard b.count >= 16, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
                  b[13] == UInt8(ascii: ":"),
                  let h = LocalDate.number(b, 11, 2), let m = LocalDate.number(b, 14, 2), h < 24, m < 60
            else { return nil }
            millis += Int64(h * 3_600_000 + m * 60_000)
            if b.count >= 19 {
                guard b[16] == UInt8(ascii: ":"), let s = LocalDate.number(b, 17, 2), s < 61 else { return nil }
                millis += Int64(s * 1000)
            }
            if b.count > 20, b[19] == UInt8(ascii: ".") {
                // Fractional seconds: keep milliseconds, ignore further digits.
                var scale: Int64 = 100
                for i in 20..<b.count {
                    let c = b[i]
                    guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                    millis += Int64(c - UInt8(ascii: "0")) * scale
                    scale /= 10
                }
            } else if b.count != 16 && b.count != 19 {
                return nil
            }
            return Date(timeIntervalSince1970: Double(millis) / 1000)
        }
    }
}

/// The source of "now" for versioned writes (`ValidityFrom`, `ValidityTo`); inject a fixed one in tests.
public struct RegistryClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that answers `now()`.
    public init(_ now: @escaping @Sendable () -> Date) { self.read = now }

    /// The current instant, truncated to the stored precision (milliseconds).
    public func now() -> Date { Timestamp.truncated(read()) }

    /// The system clock.
    public static let system = RegistryClock { Date() }

    /// A clock that always answers `date`.
    public static func fixed(_ date: Date) -> RegistryClock { RegistryClock { date } }
}

/// Instants as query values: the text a `RowPredicate` compares a timestamp column with (`DateUpdated`,
/// `ValidityFrom`); every store reads it as an instant in UTC.
public enum StoredTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.SSS`, UTC.
    public static func text(_ date: Date) -> String { Timestamp.string(from: date) }
}
