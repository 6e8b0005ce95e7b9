import FHIRModels
import HTTPTypes
import Membership

extension FHIRService {
    /// search-type: `GET [base]/[type]?...` and `POST [base]/[type]/_search`
    /// (http://hl7.org/fhir/R4/http.html#search, search.html), by `principal` (what `_include` may add).
    func search(_ request: FHIRRequest, principal: Principal) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard let cached = CachedSearch(request, provider: provider, cache: renderCache) else {
            return try await search(request, provider: provider, principal: principal).response
        }
        if let answer = cached.answer() { return answer }
        return try await cached.record { () async throws(FHIRError) in
            try await search(request, provider: provider, principal: principal)
        }
    }

    /// The search itself, and its matches: the parameters (query string, and the form of `POST _search`) parsed,
    /// narrowed by access control, asked of the provider, answered as a searchset Bundle.
    func search(_ request: FHIRRequest, provider: any ResourceProvider, principal: Principal) async throws(FHIRError)
        -> (response: FHIRResponse, matches: [StoredResource])
    {
        var query = try SearchQuery.parse(try Self.searchParameters(request), for: provider, strict: request.strict)
        // Access control narrows the search without showing in the links.
        if let restriction = request.restriction { try query.narrow(by: restriction, for: provider) }
        let matches = try await provider.search(query)
        let builder = SearchBundleBuilder(base: request.base, type: provider.resourceType, query: query, matches: matches)
        if let body = builder.cachedJSON(pretty: request.pretty) {
            let response = FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: body)
            return (try withinBudget(response), matches.resources)
        }
        let included = try await included(
            query, matches: matches, type: provider.resourceType, base: request.base, principal: principal)
        let response = FHIRResponse.resource(.bundle(builder.bundle(included: included)), pretty: request.pretty)
        return (try withinBudget(response), matches.resources)
    }

    /// The query string's parameters, and for `POST _search` those of its form body after them.
    static func searchParameters(_ request: FHIRRequest) throws(FHIRError) -> QueryParameters {
        guard request.method == .post else { return request.query }
        let contentType = request.headers[.contentType].map { FHIRFormat.mediaTypeName($0) }
        if let contentType, contentType != "application/x-www-form-urlencoded" {
            throw FHIRError(.unsupportedMediaType, "POST _search takes application/x-www-form-urlencoded")
        }
        let form = QueryParameters(parsing: Substring(String(decoding: request.body, as: UTF8.self)))
        return QueryParameters(request.query.items + form.items)
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
