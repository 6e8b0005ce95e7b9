import FHIRModels
import HTTPTypes

extension FHIRService {
    /// search-type: `GET [base]/[type]?...` and `POST [base]/[type]/_search`
    /// (http://hl7.org/fhir/R4/http.html#search, search.html).
    func search(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        var params = request.query
        if request.method == .post {
            let contentType = request.headers[.contentType].map { FHIRFormat.mediaTypeName($0) }
            if let contentType, contentType != "application/x-www-form-urlencoded" {
                throw FHIRError(.unsupportedMediaType, "POST _search takes application/x-www-form-urlencoded")
            }
            let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
            params = QueryParameters(params.items + form.items)
        }
        let query = try SearchQuery.parse(params, for: provider, strict: request.strict)
        let matches = try await provider.search(query)
        let type = provider.resourceType
        let selfURL = "\(request.base)/\(type)" + (query.applied.items.isEmpty ? "" : "?" + query.applied.encoded)
        var links = [FHIRBundleLink(relation: "self", url: FHIRPrimitive(FHIRURI(selfURL)))]
        if let next = matches.nextCursor, !query.summaryCount {
            let nextParams = QueryParameters(query.applied.items + [("_cursor", next)])
            links.append(FHIRBundleLink(relation: "next", url: FHIRPrimitive(FHIRURI("\(request.base)/\(type)?\(nextParams.encoded)"))))
        }
        if let previous = matches.previousCursor, !query.summaryCount {
            let previousParams = QueryParameters(query.applied.items + [("_before", previous)])
            links.append(
                FHIRBundleLink(relation: "previous", url: FHIRPrimitive(FHIRURI("\(request.base)/\(type)?\(previousParams.encoded)"))))
        }
        var entries = matches.resources.map { stored in
            FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(request.base)/\(type)/\(stored.resource.id ?? "")")),
                resource: stored.resource, search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.match)))
        }
        entries += try await included(query, matches: matches, type: type, base: request.base)
        if let elements = query.elements {
            entries = entries.map { entry in
                var entry = entry
                if let resource = entry.resource, entry.search?.mode?.value == .match {
                    entry.resource = ElementsFilter.apply(elements, to: resource)
                }
                return entry
            }
        }
        let bundle = FHIRBundle(
            type: FHIRPrimitive(.searchset),
            total: matches.total.map { FHIRPrimitive(FHIRUnsignedInt(UInt32($0))) },
            link: links,
            entry: entries.isEmpty ? nil : entries)
        return .resource(.bundle(bundle), pretty: request.pretty)
    }
}
