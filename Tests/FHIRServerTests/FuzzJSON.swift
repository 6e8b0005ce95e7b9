import FHIRModels
import Foundation

/// Structural mutations of JSON documents (delete, duplicate, retype, rename, wrap, deepen elements) and byte-level
/// damage of their text (truncation, invalid UTF-8, stray bytes), for the fuzz test's request bodies.
enum FuzzJSON {
    /// One step into a document: the n-th member of an object or the n-th item of an array.
    typealias Path = [Int]

    /// The paths of every value in `json`, the root included.
    static func paths(_ json: JSON, _ prefix: Path = [], into result: inout [Path]) {
        result.append(prefix)
        switch json {
        case .object(let members): for (i, m) in members.enumerated() { paths(m.value, prefix + [i], into: &result) }
        case .array(let items): for (i, item) in items.enumerated() { paths(item, prefix + [i], into: &result) }
        default: break
        }
    }

    /// `json` with the value at `path` replaced by `body(value)`.
    static func update(_ json: JSON, at path: ArraySlice<Int>, _ body: (JSON) -> JSON) -> JSON {
        guard let step = path.first else { return body(json) }
        switch json {
        case .object(var members) where step < members.count:
            members[step].value = update(members[step].value, at: path.dropFirst(), body)
            return .object(members)
        case .array(var items) where step < items.count:
            items[step] = update(items[step], at: path.dropFirst(), body)
            return .array(items)
        default: return json
        }
    }

    /// A value of some JSON type, hostile more often than not.
    static func value(_ rng: inout FuzzRandom) -> JSON {
        switch rng.below(9) {
        case 0: return .null
        case 1: return .bool(rng.percent(50))
        case 2: return .number(rng.pick(Hostile.numbers))
        case 3, 4: return .string(rng.pick(Hostile.strings))
        case 5: return .string(rng.pick(Hostile.references))
        case 6: return .array(rng.percent(50) ? [] : [.string("x"), .null, .number("1")])
        case 7: return .object(rng.percent(50) ? [] : [JSONMember("reference", .string(rng.pick(Hostile.references)))])
        default: return .object([JSONMember("resourceType", .string(rng.pick(["Patient", "Bundle", "Nope", ""])))])
        }
    }

    /// Strings that FHIR's lexical rules mostly accept but the mappings must still judge: edge dates and instants,
    /// codes, identifiers, references, long and odd text.
    static let plausibleStrings = [
        "2020-02-29", "1900-01-01", "9999-12-31", "0001-01-01", "2021-02-28", "2020", "2020-01", "2020-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999+14:00", "male", "female", "other", "unknown", "home", "official", "active",
        "cancelled",
        "draft", "issued", "balanced", "123456789", "000000000", "1", "0", "-1", "Code", "UUID", "R1D1M2V1", "RAHOS001",
        "RX01",
        "Patient/\(UUIDText.zero)", "Group/d30f70df-d10b-43d4-bf31-5137c118ad82", "Location/R1", "InsurancePlan/RX01",
        "Organization/RAHOS001", "Patient/123456789", "urn:uuid:\(UUIDText.zero)", "http://x/y|z", "x",
        String(repeating: "x", count: 5_000),
        "ÅÄÖ ñ 汉字", "EUR", "XXX", "€", "a\u{7F}b", "x\u{0}y", "\u{1}", "tab\there",
    ]

    /// `json` with mutations that mostly keep it valid FHIR (deleted elements, repeated items, other strings, numbers
    /// and flags), so that it gets past the validator into the mappings.
    static func mutateGently(_ json: JSON, _ rng: inout FuzzRandom) -> JSON {
        var result = json
        for _ in 0..<rng.int(1...5) {
            var all: [Path] = []
            paths(result, into: &all)
            let path = rng.pick(all)
            result = update(result, at: path[...]) { node in
                switch node {
                case .object(var members)
                where !members.isEmpty && members.first?.key != "resourceType" || members.count > 2:
                    let i = rng.below(members.count)
                    if members[i].key != "resourceType" { members.remove(at: i) }
                    return .object(members)
                case .array(var items) where !items.isEmpty:
                    if rng.percent(50) {
                        items.remove(at: rng.below(items.count))
                    } else {
                        items += Array(repeating: items[rng.below(items.count)], count: rng.pick([1, 2, 30, 300]))
                    }
                    return .array(items)
                case .string: return .string(rng.pick(plausibleStrings))
                case .number: return .number(rng.pick(Hostile.numbers))
                case .bool(let flag): return .bool(!flag)
                default: return node
                }
            }
        }
        return result
    }

    /// `json` with one to four random structural mutations.
    static func mutate(_ json: JSON, _ rng: inout FuzzRandom) -> JSON {
        var result = json
        for _ in 0..<rng.int(1...4) { result = mutateOnce(result, &rng) }
        return result
    }

    /// `json` with one structural mutation at a random place.
    static func mutateOnce(_ json: JSON, _ rng: inout FuzzRandom) -> JSON {
        var all: [Path] = []
        paths(json, into: &all)
        let path = rng.pick(all)
        let operation = rng.below(12)
        return update(json, at: path[...]) { node in
            switch (operation, node) {
            case (0, .object(var members)) where !members.isEmpty:
                members.remove(at: rng.below(members.count))  // delete an element
                return .object(members)
            case (1, .object(var members)) where !members.isEmpty:
                let i = rng.below(members.count)  // duplicate an element (a repeated key)
                members.insert(members[i], at: rng.below(members.count + 1))
                return .object(members)
            case (2, .object(var members)) where !members.isEmpty:
                let i = rng.below(members.count)  // rename an element
                let key = members[i].key
                members[i].key = rng.pick([
                    "_" + key, key + "x", key.uppercased(), "", "resourceType", "extension", "id",
                ])
                return .object(members)
            case (3, .object(var members)):
                members.append(
                    JSONMember(
                        rng.pick([
                            "contained", "extension", "modifierExtension", "meta", "_id", "text",
                            "identifier", "reference", "valueString", "unknown",
                        ]), value(&rng)))
                return .object(members)
            case (4, .array(var items)) where !items.isEmpty:
                let item = items[rng.below(items.count)]  // repeat an item
                items += Array(repeating: item, count: rng.pick([2, 50, 300]))
                return .array(items)
            case (5, .array(let items)):
                return items.first ?? .null  // unwrap an array
            case (6, _):
                return .array([node])  // wrap a single value
            case (7, _):
                var deep = node  // deepen, around the parser's limit
                for _ in 0..<rng.pick([20, 95, 99, 101, 150]) {
                    deep = rng.percent(50) ? .array([deep]) : .object([JSONMember("a", deep)])
                }
                return deep
            case (8, .string), (9, .string):
                return .string(rng.pick(rng.percent(50) ? Hostile.strings : Hostile.references))
            case (8, .number), (9, .number):
                return .number(rng.pick(Hostile.numbers))
            case (10, .object(var members)):
                if let i = members.firstIndex(where: { $0.key == "resourceType" }) {
                    members[i].value = .string(
                        rng.pick([
                            "Patient", "Group", "Bundle", "OperationOutcome", "Claim", "Invoice",
                            "Binary", "patient", "", "Nope",
                        ]))
                }
                return .object(members)
            default:
                return value(&rng)  // retype
            }
        }
    }

    /// The text of `json`.
    static func bytes(_ json: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeJSON(json)
        return writer.bytes
    }

    /// `bytes` damaged: cut, or with invalid UTF-8, a stray byte, a BOM, trailing content or UTF-16.
    static func damage(_ bytes: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] {
        var out = bytes
        let at = rng.below(out.count + 1)
        switch rng.below(8) {
        case 0: out = Array(out.prefix(at))
        case 1: out.insert(contentsOf: rng.pick(Hostile.invalidUTF8), at: at)
        case 2: if !out.isEmpty { out[rng.below(out.count)] = UInt8(truncatingIfNeeded: rng.next()) }
        case 3: out = [0xEF, 0xBB, 0xBF] + out
        case 4: out += Array(rng.pick(["}", "]", ",", "{}", "\u{0}", " garbage", "\"", "\\"]).utf8)
        case 5: out.insert(0, at: at)
        case 6: out = Array(String(decoding: out, as: UTF8.self).utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        default:
            // A string made invalid inside: an unpaired surrogate escape, or a raw control character.
            if let quote = out.indices.first(where: { $0 >= at && out[$0] == UInt8(ascii: "\"") }) {
                out.insert(
                    contentsOf: Array(rng.pick(["\\ud800", "\\udc00x", "\u{1}", "\\x", "\\u12"]).utf8), at: quote + 1)
            }
        }
        return out
    }

    /// Deeply nested text of a few shapes, below and far above the parser's limit.
    static func deep(_ rng: inout FuzzRandom) -> [UInt8] {
        let depth = rng.pick([99, 100, 101, 1_000, 20_000])
        switch rng.below(4) {
        case 0: return Array(String(repeating: "[", count: depth).utf8)
        case 1: return Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        case 2:
            return Array(
                (#"{"resourceType":"Patient","extension":"#
                    + String(repeating: #"[{"url":"x","extension":"#, count: depth)
                    + "[]" + String(repeating: "}]", count: depth) + "}").utf8)
        default:
            return Array((String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)).utf8)
        }
    }
}
