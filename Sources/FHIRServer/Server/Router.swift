import Hummingbird
import Membership

extension FHIRResponder {
    /// Runs the row of ``RouteTable`` that `request` matches, after the refusals every row shares, in this order and
    /// in the row's dialect: a NUL in a membership path or query (400), no row (404), another method (405 with
    /// `Allow`); for FHIR rows an unacceptable format (406); the body (413 past the limit); for bearer rows the
    /// token (401), resolved here and only here — `credential` is the one the rate limiter already verified.
    func route(_ request: Request, context: Context, credential: BearerCredential? = nil, lookup: RouteLookup? = nil)
        async throws -> FHIRResponse
    {
        let lookup = lookup
            ?? RouteTable.lookup(method: request.method, path: request.uri.path, configuration: service.configuration)
        let query = QueryParameters(parsing: Substring(request.uri.query ?? ""))
        if lookup.mount.refusesNUL, Self.carriesNUL(lookup.segments, query) { return try lookup.dialect.carriesNUL() }
        let match: FHIRRoutes.Match
        switch lookup.outcome {
        case .notFound: return try lookup.dialect.notFound(lookup)
        case .methodNotAllowed(let allowed):
            return try lookup.dialect.methodNotAllowed(request.method, allowed: allowed)
        case .found(let found): match = found
        }
        let dialect = lookup.dialect
        switch match.route.handler {
        case .fhir, .openFHIR:
            return try await fhir(request, match: match, lookup: lookup, query: query, credential: credential)
        case .open(let handler), .credentials(let handler):
            let parts = try await parts(of: request, match: match, query: query, context: context)
            do { return try await handler(parts) } catch { return try dialect.failure(error) }
        case .bearer(let handler):
            let parts = try await parts(of: request, match: match, query: query, context: context)
            let principal = try await authenticate(request, credential: credential, dialect: dialect)
            do { return try await handler(parts, principal) } catch { return try dialect.failure(error) }
        }
    }

    /// A FHIR row: the request as the FHIR handlers see it, through ``FHIRService/handle(_:principal:)`` unless open.
    func fhir(_ request: Request, match: FHIRRoutes.Match, lookup: RouteLookup, query: QueryParameters,
              credential: BearerCredential?) async throws -> FHIRResponse {
        try FHIRFormat.checkAcceptable(format: query.first("_format"), accept: request.headers[.accept])
        let body = request.method == .post || request.method == .put ? try await readBody(request) : []
        let fhirRequest = FHIRRequest(
            method: request.method, match: match, query: query, headers: request.headers, body: body,
            base: baseURL(request, basePath: lookup.basePath), pretty: query.first("_pretty") == "true",
            viaAlias: lookup.mount == .alias)
        if case .openFHIR(let handler) = match.route.handler { return try await handler(service)(fhirRequest) }
        let principal = try await authenticate(request, credential: credential, dialect: .outcome)
        return try await service.handle(fhirRequest, principal: principal)
    }

    /// The parts of a request a non-FHIR handler reads; the body of a POST or PUT row, its refusals in RFC 6749 JSON.
    func parts(of request: Request, match: FHIRRoutes.Match, query: QueryParameters, context: Context) async throws
        -> RouteRequest
    {
        let method = match.route.method
        let body = method == .post || method == .put ? try await authBody(request) : []
        return RouteRequest(
            headers: request.headers, query: query, body: body, parameters: match.parameters,
            clientIP: context.remoteAddress?.ipAddress ?? "unknown",
            authBase: baseURL(request, basePath: service.configuration.prefix + "/auth"),
            fhirBase: baseURL(request, basePath: service.configuration.fhirBasePath), auth: auth, service: service)
    }

    /// The principal of the request's bearer token or, when `BASIC_AUTH` is on, its HTTP Basic credentials (a user
    /// or a system client, ``TokenService/basicSignIn(name:secret:)``); else the refusal of `dialect` (401; 503 when
    /// it cannot be looked up).
    func authenticate(_ request: Request, credential: BearerCredential?, dialect: RouteDialect) async throws
        -> Principal
    {
        let bearer: BearerCredential
        if let credential { bearer = credential } else { bearer = await resolveBearer(request.headers) }
        guard case .verified(let principal, _) = bearer else {
            throw dialect.unauthenticated(bearer, offerBasic: service.configuration.basicAuth)
        }
        return principal
    }
}
