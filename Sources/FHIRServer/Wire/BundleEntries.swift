import FHIRModels
import Foundation
import HTTPTypes

/// A batch or transaction Bundle as posted to the base (http://hl7.org/fhir/R4/http.html#transaction): the
/// envelope validated by the model layer, the entries' resources kept as JSON until each entry goes through the
/// handler of its interaction (which decodes and validates it as a single request's body).
struct BundleSubmission: Sendable {
    var type: BundleType
    var entries: [BundleEntryRequest]

    /// Parses and checks the body of `POST [base]`; more than `maxEntries` entries are refused (413) before any
    /// of them is read.
    init(_ request: FHIRRequest, maxEntries: Int) throws(FHIRError) {
        try FHIRFormat.checkBodyType(request.headers[.contentType])
        guard !request.body.isEmpty else { throw FHIRError(.invalid, "the request has no body") }
        let json: JSON
        do {
            json = try JSONParser.parse(request.body)
        } catch {
            throw FHIRError(
                .invalid, "the body is not JSON",
                issues: [
                    ValidationIssue(code: .structure, path: "", message: error.description)
                ])
        }
        guard case .object(var members) = json, case .string("Bundle")? = json["resourceType"] else {
            throw FHIRError(.invalid, "only a batch or transaction Bundle can be posted to the base")
        }
        // The envelope alone goes through the model layer; each resource is decoded later as the body of its entry.
        var resources: [Int: JSON] = [:]
        for m in members.indices where members[m].key == "entry" {
            guard case .array(var entries) = members[m].value else { continue }
            guard entries.count <= maxEntries else {
                throw FHIRError(
                    .tooLarge,
                    "the Bundle has \(entries.count) entries; at most \(maxEntries) are accepted in one request (split it)")
            }
            for e in entries.indices {
                guard case .object(var fields) = entries[e] else { continue }
                if let r = fields.firstIndex(where: { $0.key == "resource" }) {
                    resources[e] = fields[r].value
                    fields.remove(at: r)
                }
                entries[e] = .object(fields)
            }
            members[m].value = .array(entries)
        }
        let bundle: FHIRBundle
        do {
            guard case .bundle(let decoded) = try Resource.decode(json: .object(members)) else {
                throw FHIRError(.invalid, "expected a Bundle")
            }
            bundle = decoded
        } catch let error as FHIRValidationError {
            throw FHIRError.invalidResource(error)
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError(.invalid, "the Bundle could not be read")
        }
        guard let type = bundle.type.value, type == .batch || type == .transaction else {
            throw FHIRError(
                .invalid, "a Bundle posted to the base is a batch or a transaction",
                issues: [
                    ValidationIssue(code: .value, path: "Bundle.type", message: "expected batch or transaction")
                ])
        }
        self.type = type
        var entries: [BundleEntryRequest] = []
        var fullUrls: Set<String> = []
        for (index, entry) in (bundle.entry ?? []).enumerated() {
            let path = "Bundle.entry[\(index)]"
            guard let request = entry.request, let method = request.method.value,
                let url = request.url.value?.string, !url.isEmpty
            else {
                throw FHIRError(
                    .invalid, "\(path) has no request (method and url)",
                    issues: [
                        ValidationIssue(
                            code: .required, path: "\(path).request",
                            message: "a \(type.rawValue) entry needs a request")
                    ])
            }
            let fullUrl = entry.fullUrl?.value?.string
            if let fullUrl, !fullUrls.insert(fullUrl).inserted {
                throw FHIRError(
                    .invalid, "\(path).fullUrl repeats an earlier entry's",
                    issues: [
                        ValidationIssue(
                            code: .invariant, path: "\(path).fullUrl",
                            message: "fullUrl must be unique in a Bundle (bdl-7)")
                    ])
            }
            let resource = resources[index]
            if case .string("Bundle")? = resource?["resourceType"], case .string(let nested)? = resource?["type"],
                nested == "batch" || nested == "transaction"
            {
                throw FHIRError(
                    .invalid, "\(path) holds a \(nested) Bundle; they do not nest",
                    issues: [
                        ValidationIssue(
                            code: .notSupported, path: "\(path).resource",
                            message: "batch and transaction Bundles do not nest")
                    ])
            }
            entries.append(
                BundleEntryRequest(
                    index: index, method: method, url: url, fullUrl: fullUrl, resource: resource,
                    ifNoneExist: request.ifNoneExist?.value?.string, ifMatch: request.ifMatch?.value?.string))
        }
        self.entries = entries
    }
}

/// One entry of a batch or transaction: its request, and its resource as posted.
struct BundleEntryRequest: Sendable {
    var index: Int
    var method: HTTPVerb
    var url: String
    var fullUrl: String?
    var resource: JSON?
    var ifNoneExist: String?
    var ifMatch: String?

    /// `Bundle.entry[3]`.
    var path: String { "Bundle.entry[\(index)]" }

    /// The type of the entry's resource, when it has one.
    var resourceType: String? {
        if case .string(let type)? = resource?["resourceType"] { return type }
        return nil
    }

    /// The entry as a request through the single-request path: its url matched against the route table, the
    /// outer request's headers (credentials, `Prefer`, `Accept`) with the entry's own conditions, `body` as the
    /// body.
    func request(body: [UInt8], outer: FHIRRequest) throws(FHIRError) -> FHIRRequest {
        var relative = Substring(url)
        if url.contains("://") {
            guard url.hasPrefix(outer.base + "/") else {
                throw badURL("request.url names another server than this one")
            }
            relative = relative.dropFirst(outer.base.count + 1)
        }
        let parts = relative.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let segments = (parts.first ?? "").split(separator: "/").map { percentDecode($0) }
        guard let first = segments.first, first.first?.isUppercase == true || first == "metadata" else {
            throw badURL("request.url is relative to the base: Type, Type/id or Type?query")
        }
        let method: HTTPRequest.Method
        switch self.method {
        case .get, .head: method = .get
        case .post: method = .post
        case .put: method = .put
        case .delete: method = .delete
        case .patch: method = .patch
        }
        let match = try FHIRRoutes.match(method: method, segments: segments)
        var headers = outer.headers
        for name in [
            HTTPField.Name.contentType, .contentLength, .ifMatch, .ifNoneMatch, .ifModifiedSince, .ifNoneExist,
        ] {
            headers[name] = nil
        }
        headers[.contentType] = FHIRFormat.mediaType
        if let ifMatch { headers[.ifMatch] = ifMatch }
        if let ifNoneExist { headers[.ifNoneExist] = ifNoneExist }
        let request = FHIRRequest(
            method: method, match: match, query: QueryParameters(parsing: parts.count > 1 ? parts[1] : ""),
            headers: headers, body: body, base: outer.base, pretty: false, viaAlias: outer.viaAlias)
        return request
    }

    private func badURL(_ message: String) -> FHIRError {
        FHIRError(
            .invalid, message, issues: [ValidationIssue(code: .value, path: "\(path).request.url", message: message)])
    }
}

extension HTTPField.Name {
    /// `If-None-Exist` (conditional create, http://hl7.org/fhir/R4/http.html#ccreate).
    static let ifNoneExist = HTTPField.Name("If-None-Exist")!
}

/// `urn:uuid:` references between the entries of a transaction (http://hl7.org/fhir/R4/bundle.html#references).
enum BundleReferences {
    /// The values of `reference` elements in `json` that are among `targets`.
    static func references(in json: JSON, among targets: Set<String>) -> Set<String> {
        var found: Set<String> = []
        visit(json) { value in if targets.contains(value) { found.insert(value) } }
        return found
    }

    /// `json` with every `reference` that `resolved` knows replaced by its `Type/id`.
    static func resolving(_ json: JSON, _ resolved: [String: String]) -> JSON {
        guard !resolved.isEmpty else { return json }
        switch json {
        case .object(let members):
            return .object(
                members.map { member in
                    if member.key == "reference", case .string(let value) = member.value, let target = resolved[value] {
                        return JSONMember(member.key, .string(target))
                    }
                    return JSONMember(member.key, resolving(member.value, resolved))
                })
        case .array(let items): return .array(items.map { resolving($0, resolved) })
        default: return json
        }
    }

    private static func visit(_ json: JSON, _ body: (String) -> Void) {
        switch json {
        case .object(let members):
            for member in members {
                if member.key == "reference", case .string(let value) = member.value {
                    body(value)
                } else {
                    visit(member.value, body)
                }
            }
        case .array(let items): for item in items { visit(item, body) }
        default: break
        }
    }
}
