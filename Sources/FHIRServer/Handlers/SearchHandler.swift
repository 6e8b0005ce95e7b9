import FHIRModels
import HTTPTypes

extension FHIRService {
    /// search-type: `GET [base]/[type]?...` and `POST [base]/[type]/_search`
    /// (http://hl7.org/fhir/R4/http.html#search, search.html).
    func search(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard let cached = CachedSearch(request, provider: provider, cache: renderCache) else {
            return try await search(request, provider: provider).response
        }
        if let answer = cached.answer() { return answer }
        return try await cached.record { () async throws(FHIRError) in try await search(request, provider: provider) }
    }

    /// The search itself, and its matches.
    func search(_ request: FHIRRequest, provider: any ResourceProvider) async throws(FHIRError)
        -> (response: FHIRResponse, matches: [StoredResource])
    {
        var params = request.query
        if request.method == .post {
            let contentType = request.headers[.contentType].map { FHIRFormat.mediaTypeName($0) }
            if let contentType, contentType != "application/x-www-form-urlencoded" {
                throw FHIRError(.unsupportedMediaType, "POST _search takes application/x-www-form-urlencoded")
            }
            let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
            params = QueryParameters(params.items + form.items)
        }
        var query = try SearchQuery.parse(params, for: provider, strict: request.strict)
        if let restriction = request.restriction {
            // Access control narrows the search without showing in the links.
            let narrowing = try SearchQuery.parse(restriction, for: provider, strict: true, allowInternal: true)
            query.criteria += narrowing.criteria
            query.ids += narrowing.ids
        }
        let matches = try await provider.search(query)
        let type = provider.resourceType
        let selfURL = "\(request.base)/\(type)" + (query.applied.items.isEmpty ? "" : "?" + query.applied.encoded)
        var links = [FHIRBundleLink(relation: "self", url: FHIRPrimitive(FHIRURI(selfURL)))]
        func link(_ relation: String, _ extra: (String, String)) -> FHIRBundleLink {
            let params = QueryParameters(query.applied.items + [extra])
            return FHIRBundleLink(relation: FHIRPrimitive(FHIRString(relation)), url: FHIRPrimitive(FHIRURI("\(request.base)/\(type)?\(params.encoded)")))
        }
        if let pageOffset = query.pageOffset, !query.summaryCount {
            // openIMIS paging: 1-based page numbers.
            links[0] = link("self", ("page-offset", String(pageOffset)))
            if matches.nextCursor != nil { links.append(link("next", ("page-offset", String(pageOffset + 1)))) }
            if pageOffset > 1 { links.append(link("previous", ("page-offset", String(pageOffset - 1)))) }
        } else if !query.summaryCount {
            if let next = matches.nextCursor { links.append(link("next", ("_cursor", next))) }
            if let previous = matches.previousCursor { links.append(link("previous", ("_before", previous))) }
        }
        if !request.pretty, query.elements == nil, query.includes.isEmpty, query.revIncludes.isEmpty,
            let body = SearchBundleJSON.encode(
                total: matches.total, links: links, matches: matches.resources, base: request.base, type: type)
        {
            let response = FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: body)
            return (try withinBudget(response), matches.resources)
        }
        var entries = matches.resources.map { stored in
            FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(request.base)/\(type)/\(stored.resource.id ?? "")")),
                resource: stored.resource, search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.match)))
        }
        entries += try await included(query, matches: matches, type: type, base: request.base, principal: request.principal)
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
            total: matches.total.map { FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: $0))) },
            link: links,
            entry: entries.isEmpty ? nil : entries)
        return (try withinBudget(.resource(.bundle(bundle), pretty: request.pretty)), matches.resources)
    }

    /// A search answer no larger than the answer budget (`RESPONSE_MAX_MB`); past it 413, asking for smaller pages.
    func withinBudget(_ response: FHIRResponse) throws(FHIRError) -> FHIRResponse {
        let budget = configuration.maxResponseBytes
        guard response.body.count <= budget else {
            throw FHIRError(
                .tooLarge,
                "the answer would hold \(response.body.count) bytes, more than the limit of \(budget / 1_048_576) MB (RESPONSE_MAX_MB): ask for a smaller _count or fewer _include")
        }
        return response
    }
}
