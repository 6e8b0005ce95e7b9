import FHIRModels
import Foundation
import HTTPTypes
import IMISData

@testable import FHIRServer

/// What the generators know of the server under test: its types and search parameters (from its own
/// CapabilityStatement), ids of the demo world, valid resources to mutate, and the principals to send as.
struct FuzzCatalog: Sendable {
    /// A resource type and its search parameters (name, FHIR search parameter type).
    struct TypeInfo: Sendable {
        var name: String
        var parameters: [(name: String, type: String)]
        /// The interactions the type supports (`read`, `create`, `update`, ...).
        var interactions: Set<String> = []
    }

    var types: [TypeInfo]
    /// Valid resources by type (demo reads and the fixtures), the raw material of the write bodies.
    var seeds: [String: [JSON]]
    /// Ids that exist (UUIDs, business codes) and some that do not.
    var ids: [String]
    /// `Authorization` values: signed tokens of the admin, an insuree, a system client (nil: no header).
    var principals: [String?]

    /// Every seed, in a fixed order (a dictionary's order changes from run to run, the generated cases must not).
    var allSeeds: [JSON] { seeds.keys.sorted().flatMap { seeds[$0] ?? [] } }

    /// The types and parameters a CapabilityStatement declares.
    static func types(of statement: JSON) -> [TypeInfo] {
        let resources = statement["rest"]?.array?.first?["resource"]?.array ?? []
        return resources.compactMap { resource in
            guard let name = resource["type"]?.string else { return nil }
            let parameters = (resource["searchParam"]?.array ?? []).compactMap { p -> (name: String, type: String)? in
                guard let n = p["name"]?.string, let t = p["type"]?.string else { return nil }
                return (n, t)
            }
            let interactions = (resource["interaction"]?.array ?? []).compactMap { $0["code"]?.string }
            return TypeInfo(name: name, parameters: parameters, interactions: Set(interactions))
        }
    }
}

/// Generates hostile requests over every route family, reproducibly from a seed.
struct FuzzGenerator {
    var rng: FuzzRandom
    let catalog: FuzzCatalog

    /// `Prefer` (http://hl7.org/fhir/R4/http.html#ops).
    static let prefer = HTTPField.Name("Prefer") ?? .accept

    init(seed: UInt64, catalog: FuzzCatalog) {
        self.rng = FuzzRandom(seed: seed)
        self.catalog = catalog
    }

    /// The next case.
    mutating func next(index: Int) -> FuzzCase {
        var fuzzCase: FuzzCase
        switch rng.below(100) {
        case 0..<22: fuzzCase = searchGET()
        case 22..<28: fuzzCase = searchPOST()
        case 28..<38: fuzzCase = instanceRead()
        case 38..<52: fuzzCase = write()
        case 52..<54: fuzzCase = delete()
        case 54..<64: fuzzCase = bundle()
        case 64..<67: fuzzCase = metadata()
        case 67..<73: fuzzCase = pathTrick()
        case 73..<85: fuzzCase = auth()
        case 85..<90: fuzzCase = membership()
        case 90..<92: fuzzCase = export()
        case 92..<95: fuzzCase = elsewhere()
        default: fuzzCase = forgedToken()
        }
        fuzzCase.index = index
        return fuzzCase
    }

    // MARK: Pieces

    /// The FHIR base or the openIMIS alias.
    mutating func base() -> String { rng.percent(75) ? "/fhir" : "/api/api_fhir_r4" }

    /// A served type, mostly; else a type the server does not serve or an odd spelling.
    mutating func type() -> FuzzCatalog.TypeInfo {
        if rng.percent(92), !catalog.types.isEmpty { return rng.pick(catalog.types) }
        return FuzzCatalog.TypeInfo(
            name: rng.pick([
                "Bundle", "OperationOutcome", "patient", "Patient2", "Binary", "CapabilityStatement", "Subscription",
                "_history", "$export", "%50atient", "Pat%69ent", "X" + String(repeating: "y", count: 300),
            ]),
            parameters: [])
    }

    /// A known id or business code, mostly; else an empty, encoded, traversing, huge or injected one.
    mutating func id() -> String {
        rng.percent(70)
            ? rng.pick(catalog.ids)
            : rng.pick([
                "", "_history", "$everything", "%2F..%2F", "x%00y", "%FF%FE", "..", ".", "%2e%2e", UUIDText.zero,
                String(repeating: "7", count: 5_000), "123456789%20", "' OR 1=1 --", "%E2%9C%93", "a%2Fb",
            ])
    }

    /// An `Authorization` value: one of the principals, none, or a forged token.
    mutating func authorization() -> String? {
        switch rng.below(100) {
        case 0..<45: return catalog.principals.first ?? nil
        case 45..<80: return rng.pick(catalog.principals)
        default: return FuzzTokens.mangled(&rng, valid: catalog.principals.compactMap { $0 })
        }
    }

    /// Request headers: a principal, `contentType`, and now and then odd Accept, Prefer, conditional and invalid
    /// UTF-8 values.
    mutating func headers(contentType: String?) -> HTTPFields {
        var fields = HTTPFields()
        if let value = authorization() { fields[.authorization] = value }
        if let contentType { fields[.contentType] = contentType }
        if rng.percent(15) {
            fields[.accept] = rng.pick([
                "application/fhir+json", "application/fhir+xml", "text/html", "*/*", "", ";;;,,,",
                "application/json;q=0", String(repeating: "a/b,", count: 2_000),
            ])
        }
        if rng.percent(10) {
            fields[FuzzGenerator.prefer] = rng.pick([
                "return=minimal", "return=OperationOutcome", "return=representation",
                "handling=strict", "handling=lenient", "return=", "=;=;", "respond-async",
            ])
        }
        if rng.percent(8) {
            fields[.ifMatch] = rng.pick([
                "W/\"1\"", "W/\"0\"", "W/\"-1\"", "W/\"99999999999999999999\"", "\"", "W/", "*", "W/\"x\"", "",
            ])
        }
        if rng.percent(5) { fields[.ifNoneMatch] = rng.pick(["*", "W/\"1\"", "garbage"]) }
        if rng.percent(5) { fields[.ifModifiedSince] = rng.pick(["Sat, 29 Oct 1994 19:43:31 GMT", "yesterday", "0"]) }
        if rng.percent(4) { fields[.origin] = rng.pick(["http://evil.example", "null", ""]) }
        if rng.percent(3) {
            fields.append(
                HTTPField(
                    name: rng.pick([.contentType, .authorization, .accept]), lenientValue: rng.pick(Hostile.invalidUTF8)
                ))
        }
        return fields
    }

    /// A body's Content-Type: the right one mostly (FHIR JSON, or plain JSON when `json` is false), else none or a
    /// wrong, empty or malformed one.
    mutating func contentType(json: Bool) -> String? {
        switch rng.below(100) {
        case 0..<(json ? 70 : 10): return json ? "application/fhir+json" : "application/json"
        case 70..<78: return nil
        case 78..<82: return "application/json; charset=utf-8"
        default:
            return rng.pick([
                "application/fhir+xml", "text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "", ";", "application/fhir+json; charset=utf-16", "application/fhir+json;;;", "*/*",
                "application/json+fhir", String(repeating: "x", count: 3_000),
            ])
        }
    }

    // MARK: Interactions

    /// read, history and vread with odd ids and versions, now and then with another method.
    mutating func instanceRead() -> FuzzCase {
        let t = type().name
        let path: String
        switch rng.below(4) {
        case 0, 1: path = "\(base())/\(t)/\(id())"
        case 2: path = "\(base())/\(t)/\(id())/_history"
        default:
            path =
                "\(base())/\(t)/\(id())/_history/"
                + rng.pick([
                    "1", "2", "0", "-1", "abc", "", "99999999999999999999", "9223372036854775807", "1.5", "%31",
                    "1/extra",
                ])
        }
        let method: HTTPRequest.Method =
            rng.percent(90) ? .get : rng.pick([.head, .options, .patch, .post, .put, .delete])
        let query = rng.percent(30) ? "?" + FuzzQuery.query(&rng, for: nil, catalog: catalog).text : ""
        return FuzzCase(kind: "read", method: method, uri: path + query, headers: headers(contentType: nil))
    }

    /// delete of a known or odd id.
    mutating func delete() -> FuzzCase {
        // The two insurees the principals speak for stay, so the insuree's token keeps working.
        let target = rng.pick(
            catalog.ids.filter {
                $0 != DemoDataset.UUIDs.johnDoe && $0 != DemoDataset.UUIDs.janeDoe
                    && $0 != DemoDataset.johnDoeCHFID && $0 != DemoDataset.janeDoeCHFID
            })
        return FuzzCase(
            kind: "delete", method: .delete, uri: "\(base())/\(type().name)/\(rng.percent(50) ? target : id())",
            headers: headers(contentType: nil))
    }

    /// The CapabilityStatement with odd `_format` values and methods.
    mutating func metadata() -> FuzzCase {
        let query =
            rng.percent(60)
            ? "?"
                + rng.pick([
                    "_format=xml", "_format=json", "_format=", "_format=%00", "_pretty=true",
                    "_format=text/html&_format=json", "mode=terminology", "_summary=true",
                ]) : ""
        let method: HTTPRequest.Method = rng.percent(85) ? .get : rng.pick([.post, .put, .delete, .head, .options])
        return FuzzCase(
            kind: "metadata", method: method, uri: "\(base())/metadata\(query)", headers: headers(contentType: nil))
    }

    /// search-type by GET.
    mutating func searchGET() -> FuzzCase {
        let t = type()
        let (kind, query) = FuzzQuery.query(&rng, for: t, catalog: catalog)
        return FuzzCase(
            kind: kind, method: .get, uri: "\(base())/\(t.name)?\(query)", headers: headers(contentType: nil))
    }

    /// search-type by POST `_search`: the form in the body (sometimes damaged), sometimes more in the URL.
    mutating func searchPOST() -> FuzzCase {
        let t = type()
        var (kind, form) = FuzzQuery.query(&rng, for: t, catalog: catalog)
        var body = Array(form.utf8)
        if rng.percent(15) { body = FuzzJSON.damage(body, &rng) }
        var inURL = ""
        if rng.percent(20) {
            let (urlKind, text) = FuzzQuery.query(&rng, for: t, catalog: catalog)
            inURL = "?" + text
            if urlKind != "search" { kind = urlKind }
        }
        let type = rng.percent(80) ? "application/x-www-form-urlencoded" : contentType(json: true)
        return FuzzCase(
            kind: kind, method: .post, uri: "\(base())/\(t.name)/_search\(inURL)", headers: headers(contentType: type),
            body: body)
    }

    /// create (POST) or update (PUT) with a mutated valid resource, a damaged text, or deep nesting.
    mutating func write() -> FuzzCase {
        let put = rng.percent(40)
        let writable = catalog.types.filter {
            $0.interactions.contains(put ? "update" : "create") && catalog.seeds[$0.name] != nil
        }
        let t = rng.percent(85) && !writable.isEmpty ? rng.pick(writable) : type()
        let (kind, body, seedID) = resourceBody(preferring: t.name)
        let uri = put ? "\(base())/\(t.name)/\(rng.percent(60) ? seedID ?? id() : id())" : "\(base())/\(t.name)"
        // Half the writes are otherwise clean (the admin, FHIR JSON), so that their bodies reach the mappings.
        var fields =
            rng.percent(50)
            ? [.authorization: catalog.principals.first.flatMap { $0 } ?? "", .contentType: "application/fhir+json"]
            : headers(contentType: contentType(json: true))
        var caseKind = "write.\(kind)"
        if !put, rng.percent(15) {
            let (queryKind, condition) = FuzzQuery.query(&rng, for: t, catalog: catalog)
            fields[.ifNoneExist] =
                rng.percent(50)
                ? condition
                : rng.pick([":=1", "::=x", "%3A%3A=x", "?:", "a:=", "identifier=", "_count=-1", "&&&", "?"])
            if fields[.ifNoneExist] == condition, queryKind != "search" { caseKind = queryKind }
        }
        return FuzzCase(kind: caseKind, method: put ? .put : .post, uri: uri, headers: fields, body: body)
    }

    /// A request body: a (mutated) seed resource, damaged text, or deep nesting; what kind it is, and the seed's id.
    mutating func resourceBody(preferring type: String) -> (String, [UInt8], String?) {
        let pool = catalog.seeds[type] ?? []
        let seed = !pool.isEmpty && rng.percent(90) ? rng.pick(pool) : rng.pick(catalog.allSeeds)
        let id = seed["id"]?.string
        switch rng.below(100) {
        case 0..<10: return ("valid", FuzzJSON.bytes(seed), id)
        case 10..<40: return ("mutated", FuzzJSON.bytes(FuzzJSON.mutate(seed, &rng)), id)
        case 40..<70: return ("mutated", FuzzJSON.bytes(FuzzJSON.mutateGently(seed, &rng)), id)
        case 70..<86:
            return (
                "damaged", FuzzJSON.damage(FuzzJSON.bytes(rng.percent(50) ? seed : FuzzJSON.mutate(seed, &rng)), &rng),
                id
            )
        case 86..<93: return ("deep", FuzzJSON.deep(&rng), id)
        default:
            return (
                "junk",
                Array(
                    rng.pick([
                        "", "null", "[]", "{}", "0", "\"Patient\"", "{\"resourceType\":null}", "{\"resourceType\":[]}",
                        "resourceType=Patient", "<Patient xmlns=\"http://hl7.org/fhir\"/>", " ",
                    ]).utf8), id
            )
        }
    }
}
