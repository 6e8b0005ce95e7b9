import Foundation

/// Exact decimal arithmetic over the decimal text the money and quantity columns hold (`"1000.50"`).
///
/// Values are parsed into Foundation's base-10 `Decimal` (38 significant digits), never a binary floating
/// point; stored texts are written as received, so `"1000.50"` stays `"1000.50"`.
public enum DecimalText {
    /// The value of `text` when it is a plain decimal (`-?digits(.digits)?`), else `nil`.
    ///
    /// Up to 18 digits (every amount a column holds) the value is built from the digits directly; longer texts
    /// go through Foundation's parser. Both give the same `Decimal`.
    public static func parse(_ text: String) -> Decimal? {
        guard let plain = plainDigits(text) else { return nil }
        guard let mantissa = plain.mantissa else { return Decimal(string: text, locale: posix) }
        return Decimal(sign: plain.negative ? .minus : .plus, exponent: -plain.scale, significand: Decimal(mantissa))
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    /// The digits of a plain decimal text as an integer (nil past 18 digits), its number of fraction digits and
    /// sign; nil when `text` is not a plain decimal.
    static func plainDigits(_ text: String) -> (mantissa: UInt64?, scale: Int, negative: Bool)? {
        var mantissa: UInt64 = 0, digits = 0, scale = 0, dot = false, negative = false, last: UInt8 = 0
        for (index, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if dot { scale += 1 }
                if digits <= 18 { mantissa = mantissa &* 10 &+ UInt64(c &- UInt8(ascii: "0")) }
            case UInt8(ascii: "."):
                guard !dot, digits > 0 else { return nil }
                dot = true
            case UInt8(ascii: "-") where index == 0: negative = true
            default: return nil
            }
            last = c
        }
        guard digits > 0, last != UInt8(ascii: ".") else { return nil }
        return (digits <= 18 ? mantissa : nil, scale, negative)
    }

    /// The value of `text`, or `RegistryError.invalidValue` naming `what`.
    public static func require(_ text: String, _ what: String) throws -> Decimal {
        guard let value = parse(text) else { throw RegistryError.invalidValue("\(what) is not a decimal amount") }
        return value
    }

    /// `value` as text with at least `scale` fraction digits (`1000.5` → `"1000.50"`).
    public static func string(_ value: Decimal, scale: Int = 2) -> String {
        var text = "\(value)"
        let fraction = text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? -1
        if fraction < 0 { text += scale > 0 ? "." : "" }
        if fraction < scale { text += String(repeating: "0", count: scale - max(fraction, 0)) }
        return text
    }

    /// The sum of decimal texts; `RegistryError.invalidValue` when one is not a decimal. Amounts of up to 18
    /// digits and 9 fraction digits are added as integers of the finest scale among them (exact, and many times
    /// faster than `Decimal` additions); the rest in `Decimal`.
    public static func sum(_ texts: [String]) throws -> Decimal {
        var total: Int64 = 0, scale = 0
        for text in texts {
            guard let plain = plainDigits(text) else { throw RegistryError.invalidValue("amount is not a decimal amount") }
            guard let mantissa = plain.mantissa, plain.scale <= 9, mantissa <= UInt64(Int64.max) else {
                return try decimalSum(texts)
            }
            var value = Int64(mantissa)
            if plain.negative { value = -value }
            if plain.scale > scale {
                guard let rescaled = scaled(total, by: plain.scale - scale) else { return try decimalSum(texts) }
                total = rescaled
                scale = plain.scale
            } else if plain.scale < scale {
                guard let rescaled = scaled(value, by: scale - plain.scale) else { return try decimalSum(texts) }
                value = rescaled
            }
            let (added, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { return try decimalSum(texts) }
            total = added
        }
        let magnitude = Decimal(total.magnitude)
        return Decimal(sign: total < 0 ? .minus : .plus, exponent: -scale, significand: magnitude)
    }

    /// `value` × 10^`digits`, nil on overflow.
    private static func scaled(_ value: Int64, by digits: Int) -> Int64? {
        var result = value
        for _ in 0..<digits {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The sum in `Decimal` arithmetic.
    private static func decimalSum(_ texts: [String]) throws -> Decimal {
        try texts.reduce(Decimal(0)) { $0 + (try require($1, "amount")) }
    }
}
