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

    /// The search itself, and its matches: the request's search, asked of the provider, answered as a searchset
    /// Bundle within the answer budget.
    func search(_ request: FHIRRequest, provider: any ResourceProvider, principal: Principal) async throws(FHIRError)
        -> (response: FHIRResponse, matches: [StoredResource])
    {
        let query = try searchQuery(request, provider: provider)
        let matches = try await provider.search(query)
        let builder = SearchBundleBuilder(base: request.base, type: provider.resourceType, query: query, matches: matches)
        return (try withinBudget(try await searchset(builder, request: request, principal: principal)), matches.resources)
    }

    /// The parameters of the request (query string, and the form of `POST _search`) parsed, then narrowed by
    /// access control without showing in the links.
    func searchQuery(_ request: FHIRRequest, provider: any ResourceProvider) throws(FHIRError) -> SearchQuery {
        var query = try SearchQuery.parse(try Self.searchParameters(request), for: provider, strict: request.strict)
        if let restriction = request.restriction { try query.narrow(by: restriction, for: provider) }
        return query
    }

    /// The searchset answer: copied from the matches' cached renderings when it is just those, else the Bundle with
    /// what `_include` and `_revinclude` add.
    func searchset(_ builder: SearchBundleBuilder, request: FHIRRequest, principal: Principal) async throws(FHIRError)
        -> FHIRResponse
    {
        if let body = builder.cachedJSON(pretty: request.pretty) {
            return FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: body)
        }
        let included = try await included(
            builder.query, matches: builder.matches, type: builder.type, base: builder.base, principal: principal)
        return .resource(.bundle(builder.bundle(included: included)), pretty: request.pretty)
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
