import FHIRModels
import Foundation
import IMISData

/// The comparison prefix of a date/number value (http://hl7.org/fhir/R4/search.html#prefix).
public enum SearchPrefix: String, Sendable, Hashable, CaseIterable {
    case eq, ne, lt, gt, le, ge, sa, eb, ap
}

/// A token value: `code`, `system|code`, `|code` (no system), `system|` (any code in the system).
public struct TokenValue: Sendable, Hashable {
    /// nil: any system; "": no system.
    public var system: String?
    /// nil: any code.
    public var code: String?

    /// Parses the token syntax; `\|` escapes a bar in a value.
    public init(parsing text: String) {
        if let bar = unescapedBar(in: text) {
            system = String(text[..<bar]).replacingOccurrences(of: "\\|", with: "|")
            let rest = String(text[text.index(after: bar)...]).replacingOccurrences(of: "\\|", with: "|")
            code = rest.isEmpty ? nil : rest
        } else {
            system = nil
            code = text.replacingOccurrences(of: "\\|", with: "|")
        }
    }

    public init(system: String?, code: String?) {
        self.system = system
        self.code = code
    }
}

private func unescapedBar(in text: String) -> String.Index? {
    var previous: Character?
    for index in text.indices {
        if text[index] == "|" && previous != "\\" { return index }
        previous = text[index]
    }
    return nil
}

/// A date value with its prefix, as the half-open range of instants it stands for.
public struct DateValue: Sendable, Hashable {
    public var prefix: SearchPrefix
    public var lower: Date
    /// Exclusive.
    public var upper: Date
    public var text: String

    /// Parses `[prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][zone]]]]`.
    public init(parsing raw: String) throws(FHIRError) {
        var text = Substring(raw)
        var prefix = SearchPrefix.eq
        if text.count > 2, let p = SearchPrefix(rawValue: String(text.prefix(2))), text.dropFirst(2).first?.isNumber == true {
            prefix = p
            text = text.dropFirst(2)
        }
        var normalized = String(text)
        // FHIR search allows hh:mm without seconds and a time without zone (read as UTC).
        if let t = normalized.firstIndex(of: "T") {
            var time = String(normalized[normalized.index(after: t)...])
            var zone = ""
            if time.hasSuffix("Z") {
                zone = "Z"
                time.removeLast()
            } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                zone = String(time[sign...])
                time = String(time[..<sign])
            }
            if time.count == 5 { time += ":00" }
            normalized = String(normalized[...t]) + time + (zone.isEmpty ? "Z" : zone)
        }
        guard let parts = FHIRDateTimeParts.parse(normalized, allowTime: true) else {
            throw FHIRError(.badSearch, "invalid date search value '\(raw)'")
        }
        self.prefix = prefix
        self.lower = parts.lowerBound
        self.upper = parts.upperBound
        self.text = raw
    }
}

/// A reference value: `id`, `Type/id` or an absolute URL ending in `Type/id`.
public struct ReferenceValue: Sendable, Hashable {
    public var type: String?
    public var id: String

    public init(parsing text: String, defaultType: String?) throws(FHIRError) {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        let parts = trimmed.split(separator: "/").map(String.init)
        guard let last = parts.last, !last.isEmpty else {
            throw FHIRError(.badSearch, "invalid reference search value '\(text)'")
        }
        if parts.count >= 2 {
            if parts.count >= 4, parts[parts.count - 2] == "_history" {
                type = parts[parts.count - 4]
                id = parts[parts.count - 3]
            } else {
                type = parts[parts.count - 2]
                id = last
            }
        } else {
            type = defaultType
            id = last
        }
    }
}

/// Folds a string for FHIR string search: lower-case, accents removed, whitespace collapsed
/// (http://hl7.org/fhir/R4/search.html#string).
public func foldForSearch(_ text: String) -> String {
    let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    return folded.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// The bounds of one search (http://hl7.org/fhir/R4/search.html#errors: a search the server will not run is a
/// 400). The stores enforce the same ``QueryLimits`` on every query they build, whatever built it (`_id`,
/// `_revinclude`, conditional create, access control); this check names the parameter.
public enum SearchLimits {
    /// The most values one search parameter takes (`identifier=a,b,...`): as many as the largest page (`_count`
    /// 1,000), so that the reference search of a `_revinclude` over a full page fits.
    public static let valuesPerParameter = QueryLimits.valuesPerParameter

    /// Refuses a parameter with more values than ``valuesPerParameter``.
    public static func check(_ criterion: SearchCriterion) throws(FHIRError) {
        guard criterion.values.count <= valuesPerParameter else {
            throw FHIRError(
                .badSearch,
                "'\(criterion.name)' has \(criterion.values.count) values; "
                    + "a search parameter takes at most \(valuesPerParameter) values")
        }
    }
}
