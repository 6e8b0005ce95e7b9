import Foundation

/// Exact decimal arithmetic over the decimal text the money and quantity columns hold (`"1000.50"`).
///
/// Values are parsed into Foundation's base-10 `Decimal` (38 significant digits), never a binary floating
/// point; stored texts are written as received, so `"1000.50"` stays `"1000.50"`.
public enum DecimalText {
    /// The value of `text` when it is a plain decimal (`-?digits(.digits)?`), else `nil`.
    public static func parse(_ text: String) -> Decimal? {
        var digits = 0, dots = 0
        for (index, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-") where index == 0: break
            default: return nil
            }
        }
        guard digits > 0, dots <= 1, !text.hasSuffix("."), !text.hasPrefix("."), !text.hasPrefix("-.") else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
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

    /// The sum of decimal texts; `RegistryError.invalidValue` when one is not a decimal.
    public static func sum(_ texts: [String]) throws -> Decimal {
        try texts.reduce(Decimal(0)) { $0 + (try require($1, "amount")) }
    }
}
