import Foundation
import GRDB

/// Folds names for case- and accent-insensitive search: `"Zoë Müller"` → `"zoe muller"`.
///
/// The SQL function `imis_fold` (registered on every connection) indexes `LastName` and `OtherNames`; search
/// terms are folded with the same function in Swift, so both sides agree.
enum NameFolding {
    static let sqlFunctionName = "imis_fold"

    /// Lower-cases and strips combining marks (after canonical decomposition); `ß` becomes `ss`.
    static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars).replacingOccurrences(of: "ß", with: "ss")
    }

    /// The smallest string greater than every string starting with `prefix` (for `x >= p AND x < upper`).
    static func upperBound(ofPrefix prefix: String) -> String {
        prefix + "\u{10FFFF}"
    }

    /// The smallest string greater, in byte (code point) order, than every string starting with `prefix`: the
    /// prefix with its last character incremented; nil when there is none (an empty prefix).
    static func byteUpperBound(ofPrefix prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var value = last.value + 1
            if (0xD800...0xDFFF).contains(value) { value = 0xE000 }
            if let next = Unicode.Scalar(value) {
                scalars.append(next)
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars)
                return String(view)
            }
        }
        return nil
    }

    /// The deterministic SQL function, so that expression indexes may use it.
    static let sqlFunction = DatabaseFunction(sqlFunctionName, argumentCount: 1, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return nil }
        return fold(text)
    }
}
