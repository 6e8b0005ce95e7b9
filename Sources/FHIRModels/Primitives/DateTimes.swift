import Foundation

/// The parsed parts of a FHIR date, dateTime or instant; missing parts mean lower precision.
public struct FHIRDateTimeParts: Hashable, Sendable {
    public var year: Int
    public var month: Int?
    public var day: Int?
    public var hour: Int?
    public var minute: Int?
    public var second: Int?
    /// Fractional seconds digits as written (without the dot).
    public var fraction: String?
    /// Offset from UTC in minutes; nil when no time is given.
    public var timeZoneOffsetMinutes: Int?

    /// Parses `YYYY[-MM[-DD[Thh:mm:ss[.fff](Z|+hh:mm|-hh:mm)]]]`; nil when the text is invalid.
    public static func parse(_ text: String, allowTime: Bool) -> FHIRDateTimeParts? {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var v = 0
            for i in start..<(start + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 4, let year = digits(0, 4), year >= 1 else { return nil }
        var parts = FHIRDateTimeParts(year: year)
        if b.count == 4 { return parts }
        guard b.count >= 7, b[4] == UInt8(ascii: "-"), let month = digits(5, 2), (1...12).contains(month) else { return nil }
        parts.month = month
        if b.count == 7 { return parts }
        guard b.count >= 10, b[7] == UInt8(ascii: "-"), let day = digits(8, 2), day >= 1,
            day <= daysIn(month: month, year: year)
        else { return nil }
        parts.day = day
        if b.count == 10 { return parts }
        guard allowTime, b[10] == UInt8(ascii: "T") else { return nil }
        guard let (time, rest) = parseTime(b, from: 11) else { return nil }
        parts.hour = time.hour
        parts.minute = time.minute
        parts.second = time.second
        parts.fraction = time.fraction
        guard rest < b.count else { return nil }  // a time requires a time zone
        if b[rest] == UInt8(ascii: "Z"), rest + 1 == b.count {
            parts.timeZoneOffsetMinutes = 0
            return parts
        }
        guard rest + 6 == b.count, b[rest] == UInt8(ascii: "+") || b[rest] == UInt8(ascii: "-"),
            let oh = digits(rest + 1, 2), b[rest + 3] == UInt8(ascii: ":"), let om = digits(rest + 4, 2),
            om < 60, oh < 14 || (oh == 14 && om == 0)
        else { return nil }
        parts.timeZoneOffsetMinutes = (b[rest] == UInt8(ascii: "-") ? -1 : 1) * (oh * 60 + om)
        return parts
    }

    struct TimeParts {
        var hour: Int, minute: Int, second: Int
        var fraction: String?
    }

    /// Parses `hh:mm:ss[.fff]` starting at `start`; returns the parts and the index after them.
    static func parseTime(_ b: [UInt8], from start: Int) -> (TimeParts, Int)? {
        func digits(_ s: Int, _ count: Int) -> Int? {
            guard s + count <= b.count else { return nil }
            var v = 0
            for i in s..<(s + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let h = digits(start, 2), h < 24, start + 2 < b.count, b[start + 2] == UInt8(ascii: ":"),
            let m = digits(start + 3, 2), m < 60, start + 5 < b.count, b[start + 5] == UInt8(ascii: ":"),
            let s = digits(start + 6, 2), s <= 60
        else { return nil }
        var index = start + 8
        var fraction: String?
        if index < b.count, b[index] == UInt8(ascii: ".") {
            var end = index + 1
            while end < b.count, b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
            guard end > index + 1 else { return nil }
            fraction = String(decoding: b[(index + 1)..<end], as: UTF8.self)
            index = end
        }
        return (TimeParts(hour: h, minute: m, second: s, fraction: fraction), index)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The instant at which this (partial) value starts, in UTC; a value without a time zone is
    /// read as UTC.
    public var lowerBound: Date {
        var c = DateComponents()
        c.timeZone = TimeZone(identifier: "UTC")
        c.year = year
        c.month = month ?? 1
        c.day = day ?? 1
        c.hour = hour ?? 0
        c.minute = minute ?? 0
        c.second = second ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        var date = calendar.date(from: c) ?? Date(timeIntervalSince1970: 0)
        if let fraction, let f = Double("0." + fraction) { date += f }
        if let offset = timeZoneOffsetMinutes { date -= TimeInterval(offset * 60) }
        return date
    }

    /// The first instant after this (partial) value: the exclusive end of its implicit range
    /// (http://hl7.org/fhir/R4/search.html#date).
    public var upperBound: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let start = lowerBound
        if second != nil {
            let digits = fraction?.count ?? 0
            return start + pow(10, -Double(digits))
        }
        // Calendar arithmetic on a valid date does not fail; the fallbacks only keep a bad input from trapping.
        if day != nil { return calendar.date(byAdding: .day, value: 1, to: start) ?? start + 86_400 }
        if month != nil { return calendar.date(byAdding: .month, value: 1, to: start) ?? start + 31 * 86_400 }
        return calendar.date(byAdding: .year, value: 1, to: start) ?? start + 366 * 86_400
    }
}

/// Shared implementation of the date-like primitives: the text is kept exactly as written.
public protocol FHIRDateLike: FHIRPrimitiveValue, ExpressibleByStringLiteral, CustomStringConvertible, Comparable {
    var text: String { get }
    init(uncheckedText: String)
    static var typeName: String { get }
    static func parts(_ text: String) -> FHIRDateTimeParts?
}

extension FHIRDateLike {
    public init(stringLiteral value: String) { self.init(uncheckedText: value) }
    public var description: String { text }
    public var isEmptyValue: Bool { text.isEmpty }
    /// The parsed parts (nil only for a value built from invalid text in code).
    public var parts: FHIRDateTimeParts? { Self.parts(text) }
    public static func < (a: Self, b: Self) -> Bool {
        (a.parts?.lowerBound ?? .distantPast) < (b.parts?.lowerBound ?? .distantPast)
    }

    /// Creates a value from text, validating it; nil when invalid.
    public init?(validating text: String) {
        guard Self.parts(text) != nil else { return nil }
        self.init(uncheckedText: text)
    }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> Self? {
        guard case .string(let s) = json else {
            ctx.wrongScalar(json, expected: "\(typeName) (a JSON string)")
            return nil
        }
        guard parts(s) != nil else {
            ctx.issue(.value, "invalid \(typeName) '\(s)'")
            return nil
        }
        return Self(uncheckedText: s)
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeString(text) }
}

/// FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, no time zone.
public struct FHIRDate: FHIRDateLike {
    public let text: String
    public init(uncheckedText: String) { text = uncheckedText }
    public static let typeName = "date"
    public static func parts(_ text: String) -> FHIRDateTimeParts? { FHIRDateTimeParts.parse(text, allowTime: false) }

    public init(year: Int, month: Int, day: Int) {
        text = String(format: "%04d-%02d-%02d", year, month, day)
    }
}

/// FHIR `dateTime`: a date of any precision, or a full time with seconds and a time zone.
public struct FHIRDateTime: FHIRDateLike {
    public let text: String
    public init(uncheckedText: String) { text = uncheckedText }
    public static let typeName = "dateTime"
    public static func parts(_ text: String) -> FHIRDateTimeParts? { FHIRDateTimeParts.parse(text, allowTime: true) }

    /// The instant `date`, written in UTC with milliseconds.
    public init(_ date: Date) { text = FHIRInstant.format(date) }
}

/// FHIR `instant`: a full time to the second (or finer), always with a time zone.
public struct FHIRInstant: FHIRDateLike {
    public let text: String
    public init(uncheckedText: String) { text = uncheckedText }
    public static let typeName = "instant"
    public static func parts(_ text: String) -> FHIRDateTimeParts? {
        guard let p = FHIRDateTimeParts.parse(text, allowTime: true), p.second != nil else { return nil }
        return p
    }

    /// The instant `date`, written in UTC with milliseconds.
    public init(_ date: Date) { text = Self.format(date) }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
    public static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let millis = min(999, Int((Double(c.nanosecond ?? 0) / 1_000_000).rounded()))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0,
            c.minute ?? 0, c.second ?? 0, millis)
    }
}

/// FHIR `time`: `hh:mm:ss[.fff]`, a time of day without a date or time zone.
public struct FHIRTime: FHIRPrimitiveValue, ExpressibleByStringLiteral, CustomStringConvertible {
    public let text: String
    public init(stringLiteral value: String) { text = value }
    public init?(validating text: String) {
        guard Self.isValid(text) else { return nil }
        self.text = text
    }
    public var description: String { text }
    public var isEmptyValue: Bool { text.isEmpty }

    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard let (_, end) = FHIRDateTimeParts.parseTime(b, from: 0) else { return false }
        return end == b.count
    }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> FHIRTime? {
        guard case .string(let s) = json else {
            ctx.wrongScalar(json, expected: "time (a JSON string)")
            return nil
        }
        guard isValid(s) else {
            ctx.issue(.value, "invalid time '\(s)'")
            return nil
        }
        return FHIRTime(stringLiteral: s)
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeString(text) }
}
