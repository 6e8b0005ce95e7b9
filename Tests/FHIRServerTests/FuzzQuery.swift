import Foundation
import IMISData

@testable import FHIRServer

/// Query strings for searches (and conditional creates, and batch entry urls): known parameters with good and bad
/// values, odd and empty names and modifiers, control parameters at their limits, huge value lists.
enum FuzzQuery {
    /// Names that are not `name[:modifier]`: colons only, empty parts, encoded colons, modifiers on control parameters.
    static let oddNames = [
        ":", "::", ":::", "a:", ":a", "::a", "_include:iterate", "_revinclude:iterate", "%3A", "%3A%3A", "%3a",
        "identifier%3Aof-type", "_count:", "_id:", "_id:not", "_id:bogus", "_lastUpdated:missing", "_lastUpdated:exact",
        "_sort:", "page-offset:", "%00", "%FF", "_format", "_pretty", "+", "%20", "a b", "_cursor:x",
        "name:exact:extra",
    ]

    static let modifiers = [
        "missing", "not", "exact", "contains", "of-type", "text", "identifier", "Patient", "Group", "below", "above",
        "iterate", "bogus", "", ":", "MISSING", "%3A",
    ]

    /// Values of the control parameters, at and past their limits.
    static let control: [String: [String]] = [
        "_count": [
            "0", "1", "2", "1000", "1001", "-1", "abc", "1e3", "99999999999999999999", "9223372036854775807", "",
        ],
        "page-offset": [
            "1", "2", "3", "0", "-1", "100000", "100001", "9223372036854775807", "99999999999999999999", "x",
        ],
        "_sort": ["_id", "-_id", "_lastUpdated", "-_lastUpdated", "name", "", "-", "--_id", "_id,_lastUpdated"],
        "_total": ["none", "estimate", "accurate", "maybe", ""],
        "_summary": ["count", "false", "true", "text", "data", ""],
        "_elements": ["name,birthDate", "id", ",,,", "*", "", "meta.lastUpdated", "name,name,name", "resourceType"],
        "_include": [
            "Patient:group", "Patient:*", "*", ":", "::", "Group:member:Patient", "a:b:c:d", "Patient:", ":group",
            "Claim:patient", "Coverage:beneficiary", "Patient:general-practitioner:Practitioner", "Patient:group:Nope",
        ],
        "_revinclude": [
            "Group:member", "Coverage:beneficiary", "Claim:patient", "*", "::", "Patient:link", "Invoice:subject",
        ],
        "_cursor": ["bm90LWEtY3Vyc29y", "%%%", "", "AAAA", String(repeating: "A", count: 4_000), "x|y"] + forgedCursors,
        "_before": ["bm90LWEtY3Vyc29y", "", "%FF"] + forgedCursors,
        "_id": [
            DemoDataset.UUIDs.johnDoe, "\(DemoDataset.UUIDs.johnDoe),\(DemoDataset.UUIDs.janeDoe)", ",", "",
            "123456789", "a\\,b",
        ],
        "_lastUpdated": [
            "gt2020", "le2099-12-31T23:59:59Z", "2020-02-30", "ne2023", "ap2023-11-14", "eb", "gt", "0000",
        ],
        "_format": ["json", "xml", "", "text/html"],
    ]

    /// Paging cursors as the server writes them (`id|key`, base64url) around keys it never wrote: NUL, not a
    /// time, not a UUID, extreme ids, a nested cursor, a huge key.
    static let forgedCursors = [
        "0|\u{0}", "1|not-a-time", "1|2023-11-14 22:13:20.000", "1|9999-99-99 99:99:99.999",
        "1|2023-11-14 22:13:20.000|x",
        "1|2023-13-45|\(UUIDText.zero)", "-9223372036854775808|", "9223372036854775807|zzz", "2|", "99|", "-1|",
        "5|" + String(repeating: "k", count: 3_000), "0|" + RowCursor(key: "\u{0}", id: 1).token,
        "1|" + RowCursor(key: "x", id: -5).token,
        "1|\(UUIDText.zero)", "1|\(UUIDText.zero.uppercased())", "1|'; DROP TABLE tblInsuree; --",
    ].map { text in
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    /// The hostile strings short enough for a search value; long ones and comma runs (value lists) are the huge-list
    /// generator's business.
    static let searchStrings = Hostile.strings.filter { $0.utf8.count < 1_000 && !$0.contains(",,") }

    /// A value of a search parameter of `type` (token, string, date, reference, ...), or a hostile one.
    static func value(_ rng: inout FuzzRandom, type: String) -> String {
        if rng.percent(25) { return rng.pick(searchStrings) }
        switch type {
        case "token":
            return rng.pick([
                "123456789", "|123456789", "http://x|y", "system|", "|", "||", "a|b|c", "male", "other", "\\|", "prov",
                "V", "D", "R", "true",
                "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers|Code|1",
                "Code|x", "|||",
            ])
        case "string": return rng.pick(["doe", "jo", "Ω", "%", "_", "'", "a b", "DOE", "ñ", "\\"])
        case "date":
            return rng.pick([
                "2020", "ge2020-01-01", "lt1963", "2021-02-29", "eq2020-01-01T10:00", "2020-01-01T25:00Z", "gt",
                "ap9999-12-31", "sa0001-01-01", "2020-01-01T10:00:00.123456789+14:00", "0000", "-2020", "2020-13",
                "le9999", "eb0001", "2020-01-01T10:00:00-14:01", "2020-01-01T10", "2020-01-01T",
            ])
        case "reference":
            return rng.pick([
                DemoDataset.UUIDs.johnDoe, "Patient/\(DemoDataset.UUIDs.johnDoe)", "Group/", "/",
                "http://x/fhir/Patient/1/_history/2",
                "Patient/x/_history", "123456789", "a/b/c/d/e", "Location/R1D1M2V1", "R1D1", "RAHOS001",
            ])
        default: return rng.pick(["1", "-1", "1e9999", "gt5", "abc", "http://x", ""])
        }
    }

    /// `name=value`, percent-encoded in one of several ways.
    static func pair(_ rng: inout FuzzRandom, _ name: String, _ value: String) -> String {
        switch rng.below(10) {
        case 0: return name  // no `=`
        case 1: return name + "=" + value  // raw
        case 2: return name + "=" + percentEncode(value) + rng.pick(Hostile.percentTricks)
        default: return name + "=" + percentEncode(value)
        }
    }

    /// A whole query string for a search on `type` (any type when nil), and the generator's kind.
    static func query(_ rng: inout FuzzRandom, for type: FuzzCatalog.TypeInfo?, catalog: FuzzCatalog) -> (
        kind: String, text: String
    ) {
        let parameters = type?.parameters ?? []
        if rng.percent(4), let p = parameters.isEmpty ? nil : rng.pick(parameters) {
            // One parameter with a huge list of values (ORed), or repeated many times (ANDed).
            let count = rng.pick([100, 1_000, 5_000])
            let one = value(&rng, type: p.type)
            if rng.percent(50) {
                return (
                    "search.hugeValueList",
                    p.name + "=" + Array(repeating: percentEncode(one), count: count).joined(separator: ",")
                )
            }
            return (
                "search.manyRepeats",
                Array(repeating: p.name + "=" + percentEncode(one), count: count).joined(separator: "&")
            )
        }
        var pairs: [String] = []
        for _ in 0..<rng.int(0...4) {
            switch rng.below(100) {
            case 0..<45 where !parameters.isEmpty:
                let p = rng.pick(parameters)
                let name = rng.percent(25) ? p.name + ":" + rng.pick(modifiers) : p.name
                pairs.append(pair(&rng, name, value(&rng, type: p.type)))
            case 0..<75:
                let name = rng.pick(Array(control.keys).sorted())
                let values = control[name] ?? [""]
                pairs.append(pair(&rng, name, rng.pick(values)))
            default:
                let name = rng.pick(oddNames)
                pairs.append(
                    name + "=" + percentEncode(value(&rng, type: rng.pick(["token", "string", "date", "reference"]))))
            }
        }
        let separator = rng.percent(95) ? "&" : rng.pick(["&&", ";", "&=&", "&&&&"])
        return ("search", pairs.joined(separator: separator))
    }
}
