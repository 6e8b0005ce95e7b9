import FHIRModels
import Foundation
import HTTPTypes
import IMISData

@testable import FHIRServer

extension FuzzGenerator {
    /// Entry urls: relative and absolute, with odd queries and names, other servers, traversal, nothing.
    static let entryURLs = [
        "Patient", "Patient/\(DemoDataset.UUIDs.johnDoe)", "Patient/\(DemoDataset.UUIDs.johnDoe)/_history/1",
        "Patient?family=doe",
        "Organization?:=1", "Organization?::=x", "Patient?%3A%3A=x", "Patient?a:=1",
        "Patient?_include:iterate=Patient:group",
        "Patient?_count=-1", "Patient?page-offset=9223372036854775807&_count=1000", "metadata", "", "/", "?", "?:=1",
        "Patient/",
        "http://other.example/fhir/Patient", "https://localhost/fhir/Patient", "Patient/%2F..%2F", "Patient/x%00y",
        "../Patient",
        "Bundle", "Bundle/x", "$export", "Patient/$everything", "_history", "patient",
        "Group/\(DemoDataset.UUIDs.doeFamily)",
        "Patient/_search", "Claim", "Invoice", "Coverage?beneficiary=Patient/\(DemoDataset.UUIDs.johnDoe)",
        "urn:uuid:1",
        "Patient?identifier=" + String(repeating: "1,", count: 50), "Patient/" + String(repeating: "z", count: 5_000),
    ]

    /// A batch or transaction Bundle with hostile entries: bad urls, missing requests, nested Bundles, wrong methods,
    /// repeated fullUrls, circular `urn:uuid:` references, mutated resources.
    mutating func bundle() -> FuzzCase {
        if rng.percent(2) { return manyValidEntries() }
        let transaction = rng.percent(50)
        var kind = transaction ? "bundle.transaction" : "bundle.batch"
        var count = rng.int(0...6)
        if rng.percent(3) {
            count = rng.pick([150, 1_000])
            kind = "bundle.manyEntries"
        }
        var entries: [JSON] = []
        for i in 0..<count { entries.append(entry(i, count: count)) }
        var members: [JSONMember] = [JSONMember("resourceType", .string("Bundle"))]
        if rng.percent(95) {
            members.append(
                JSONMember(
                    "type",
                    rng.percent(90)
                        ? .string(transaction ? "transaction" : "batch")
                        : rng.pick([
                            .string("collection"), .string("searchset"), .string("BATCH"), .number("1"), .null,
                            .string(""),
                        ])))
        }
        if !entries.isEmpty || rng.percent(50) { members.append(JSONMember("entry", .array(entries))) }
        var json = JSON.object(members)
        if rng.percent(20) { json = FuzzJSON.mutate(json, &rng) }
        var body = FuzzJSON.bytes(json)
        if rng.percent(10) { body = FuzzJSON.damage(body, &rng) }
        let path = rng.percent(85) ? base() : base() + rng.pick(["/", "//", "/Bundle", "/_search"])
        let method: HTTPRequest.Method = rng.percent(92) ? .post : rng.pick([.put, .get, .delete])
        return FuzzCase(
            kind: kind, method: method, uri: path, headers: headers(contentType: contentType(json: true)), body: body)
    }

    /// A batch or transaction of 1,000 to 10,000 valid searches with `_revinclude`: the server must bound the
    /// entries (and the answer) rather than work for minutes.
    mutating func manyValidEntries() -> FuzzCase {
        let count = rng.pick([1_000, 2_000, 10_000])
        let entry = JSON.object([
            JSONMember(
                "request",
                .object([
                    JSONMember("method", .string("GET")),
                    JSONMember("url", .string("Patient?_count=1000&_revinclude=Group:member")),
                ]))
        ])
        let bundle = JSON.object([
            JSONMember("resourceType", .string("Bundle")),
            JSONMember("type", .string(rng.pick(["batch", "transaction"]))),
            JSONMember("entry", .array(Array(repeating: entry, count: count))),
        ])
        return FuzzCase(
            kind: "bundle.manyValidEntries", method: .post, uri: base(),
            headers: [
                .authorization: catalog.principals.first.flatMap { $0 } ?? "", .contentType: "application/fhir+json",
            ],
            body: FuzzJSON.bytes(bundle))
    }

    /// One entry of a generated Bundle: a fullUrl among the others' (or odd), a request (or none), a resource.
    mutating func entry(_ index: Int, count: Int) -> JSON {
        var members: [JSONMember] = []
        if rng.percent(40) {
            let fullUrl =
                rng.percent(70)
                ? "urn:uuid:\(UUIDText.zero.dropLast(4))\(String(format: "%04d", rng.below(max(1, count))))"
                : rng.pick(["", "urn:uuid:", "http://x/Patient/1", "Patient/1", String(repeating: "u", count: 3_000)])
            members.append(JSONMember("fullUrl", .string(fullUrl)))
        }
        if rng.percent(90) {
            var request: [JSONMember] = []
            if rng.percent(95) {
                request.append(
                    JSONMember(
                        "method",
                        .string(
                            rng.percent(85)
                                ? rng.pick(["GET", "POST", "PUT", "DELETE"])
                                : rng.pick(["PATCH", "HEAD", "get", "TRACE", "", "CONNECT"]))))
            }
            if rng.percent(95) {
                let url =
                    rng.percent(60)
                    ? rng.pick(Self.entryURLs)
                    : "\(type().name)\(rng.percent(50) ? "/\(id())" : "?" + FuzzQuery.query(&rng, for: nil, catalog: catalog).text)"
                request.append(JSONMember("url", .string(url)))
            }
            if rng.percent(10) {
                request.append(JSONMember("ifMatch", .string(rng.pick(["W/\"1\"", "W/\"x\"", "\"", ""]))))
            }
            if rng.percent(10) {
                request.append(
                    JSONMember("ifNoneExist", .string(rng.pick([":=1", "::=x", "identifier=123456789", "?", ""]))))
            }
            members.append(
                JSONMember(
                    "request",
                    rng.percent(95) ? .object(request) : rng.pick([.string("GET Patient"), .array([]), .null])))
        }
        if rng.percent(60) {
            let resource: JSON
            switch rng.below(10) {
            case 0:
                resource = .object([
                    JSONMember("resourceType", .string("Bundle")),
                    JSONMember("type", .string(rng.pick(["batch", "transaction", "collection"]))),
                    JSONMember(
                        "entry",
                        .array([
                            .object([
                                JSONMember(
                                    "request",
                                    .object([
                                        JSONMember("method", .string("GET")), JSONMember("url", .string("Patient")),
                                    ]))
                            ])
                        ])),
                ])
            case 1: resource = rng.pick([.string("Patient"), .array([]), .null, .number("1")])
            default:
                let (_, bytes, _) = resourceBody(preferring: type().name)
                resource = (try? JSONParser.parse(bytes)) ?? .object([])
            }
            members.append(JSONMember("resource", resource))
        }
        if rng.percent(5) { members.append(JSONMember("response", .object([JSONMember("status", .string("200"))]))) }
        return .object(members)
    }

    /// Path and percent-encoding tricks on the FHIR bases: NUL, encoded slashes, traversal, doubled slashes, overlong
    /// segments, odd methods.
    mutating func pathTrick() -> FuzzCase {
        let t = type().name
        let base = base()
        var path = rng.pick(Self.pathTemplates)
        // Only the chosen template is filled in: some of the pieces are large.
        for (placeholder, value) in [("{B}", base.uppercased()), ("{b}", base), ("{tl}", t.lowercased()), ("{t}", t)] {
            path = path.replacingOccurrences(of: placeholder, with: value)
        }
        if path.contains("{id}") { path = path.replacingOccurrences(of: "{id}", with: id()) }
        if path.contains("{trick}") {
            path = path.replacingOccurrences(of: "{trick}", with: rng.pick(Hostile.percentTricks))
        }
        if path.contains("{long}") { path = path.replacingOccurrences(of: "{long}", with: rng.pick(Self.longSegments)) }
        let method: HTTPRequest.Method =
            rng.percent(70) ? .get : rng.pick([.post, .put, .delete, .patch, .head, .options])
        let body: [UInt8]? = method == .post || method == .put ? resourceBody(preferring: t).1 : nil
        return FuzzCase(
            kind: "path", method: method, uri: path, headers: headers(contentType: contentType(json: true)), body: body)
    }

    /// Paths on a base (`{b}`, upper-cased `{B}`) with a type (`{t}`, lower-cased `{tl}`), an id, a percent trick or a
    /// long segment filled in.
    static let pathTemplates = [
        "{b}//{t}", "{b}/{t}/../{t}", "{b}/./metadata", "{b}/{t}/%2F..%2F", "{b}/{t}/x%00y", "{b}/{t}/{long}",
        "{b}/{long}",
        "{b}/{t}/id/_history/1/extra", "{b}/$export", "{b}/{t}/$everything", "{b}/_search", "{b}/{tl}", "{B}/{t}",
        "{b}%2F{t}", "{b}/{t}%2F\(DemoDataset.UUIDs.johnDoe)", "{b}/{t}/%FF%FE", "{b}/%E2%80%AE", "{b}/{t}/{id}/",
        "{b}///",
        "{b}/{t}?", "{b}/{t}/?#frag", "{b}/.well-known/smart-configuration", "{b}/.well-known/%2e%2e/x", "{b}/login",
        "{b}/log%69n", "{b}/{t}/\(Hostile.percentTricks.joined())", "{b}/{t}?\(String(repeating: "&", count: 5_000))",
        "{b}/{t}?" + String(repeating: "a=1&", count: 2_000), "{b}/{t}/{trick}/_history/{trick}", "{b}", "{b}/",
        "{b}/%00",
        "{b}/{t}/{id}/_history/%2F",
    ]

    /// Overlong path segments.
    static let longSegments = [300, 10_000, 70_000].map { String(repeating: "s", count: $0) }

    /// Requests with a forged or mangled bearer token on the FHIR and membership routes.
    mutating func forgedToken() -> FuzzCase {
        var fields = HTTPFields()
        fields[.authorization] = FuzzTokens.mangled(&rng, valid: catalog.principals.compactMap { $0 })
        let uri = rng.pick([
            "\(base())/Patient", "\(base())/Patient/\(DemoDataset.UUIDs.johnDoe)", "\(base())/metadata",
            "/membership/me",
            "/api/membership/insuree-information?insuree=\(DemoDataset.johnDoeCHFID)", "/membership/card",
            "\(base())/Invoice",
        ])
        return FuzzCase(kind: "token", method: .get, uri: uri, headers: fields)
    }
}
