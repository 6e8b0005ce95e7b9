import HTTPTypes
import Membership

extension RouteDialect {
    /// 404: nothing at this path (`lookup` says under which mount).
    func notFound(_ lookup: RouteLookup) throws -> FHIRResponse {
        switch self {
        case .outcome:
            if lookup.mount == .fhir || lookup.mount == .alias { throw FHIRRoutes.notFound(lookup.segments) }
            throw FHIRError(.notFound, "nothing is served at this path")
        case .oauth: return AuthJSON.error(TokenError("not_found", "no such endpoint", status: 404))
        case .compat: return MembershipCompat.message("Not found.", status: .notFound)
        }
    }

    /// 405 with `Allow`: the path is served, by other methods.
    func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) throws -> FHIRResponse {
        let allow = RouteTable.allowHeader(allowed)
        var response: FHIRResponse
        switch self {
        case .outcome: throw FHIRRoutes.methodNotAllowed(method, allowed: allowed)
        case .oauth:
            response = AuthJSON.error(TokenError("invalid_request", "this endpoint takes \(allow)", status: 405))
        case .compat:
            response = MembershipCompat.message("Method \"\(method.rawValue)\" not allowed.", status: .methodNotAllowed)
        }
        response.headers[.allow] = allow
        return response
    }

    /// 400: a NUL in the path or the query (see ``RouteMount/refusesNUL``).
    func carriesNUL() throws -> FHIRResponse {
        switch self {
        case .outcome: throw FHIRError(.invalid, "the request cannot contain a NUL character")
        case .oauth: return AuthJSON.error(TokenError.invalidRequest("the request cannot contain a NUL character"))
        case .compat:
            return MembershipCompat.message("The request cannot contain a NUL character.", status: .badRequest)
        }
    }

    /// The refusal of a bearer route's request whose token is not `.verified`, to be thrown: 401 with the Bearer
    /// challenge (RFC 6750 §3; `error="invalid_token"` only when a bearer token came) and, when `offerBasic`, the
    /// Basic one (RFC 7617 §2) on FHIR routes, RFC 6749's `invalid_token` on the membership routes, openIMIS's
    /// message on its compatibility routes; 503 (or 500) when the user or client could not be looked up.
    func unauthenticated(_ credential: BearerCredential, offerBasic: Bool = true) -> any Error {
        if case .unverifiable(let error) = credential {
            switch self {
            case .outcome: return FHIRError.storage(error)
            case .oauth: return AuthAnswer(response: TokenEndpoint.failure(error))
            case .compat: return AuthAnswer(response: MembershipCompat.failure(error))
            }
        }
        var invalid = false
        if case .refused = credential { invalid = true }
        switch self {
        case .outcome: return FHIRService.unauthorized(invalid, offerBasic: offerBasic)
        case .oauth:
            let error = TokenError("invalid_token", "a valid access token is required", status: 401)
            return AuthAnswer(response: AuthJSON.error(error))
        case .compat:
            let text = "Authentication credentials were not provided."
            return AuthAnswer(response: MembershipCompat.message(text, status: .unauthorized))
        }
    }

    /// A handler's error as an answer of this dialect (thrown on, for the responder, on FHIR routes).
    func failure(_ error: any Error) throws -> FHIRResponse {
        switch self {
        case .outcome: throw error
        case .oauth: return TokenEndpoint.failure(error)
        case .compat: return MembershipCompat.failure(error)
        }
    }
}
