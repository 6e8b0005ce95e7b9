import HTTPTypes
import Hummingbird
import Membership

/// Which budget a request counts against (security.md, Input and transport): a column of the route table
/// (``Route/budget``), implied by each row's kind unless the row says otherwise.
///
/// - Health checks: never limited.
/// - Credential routes — the token endpoint, OTP, revocation, introspection, the alias's `login`, the anonymous
///   membership routes (`login`, `register`, `resend-otp`, `validate-otp`) — per client IP at `RATELIMIT_RATE`,
///   whatever token comes with them.
/// - Open documents — the CapabilityStatement, the discovery documents, the JWKS, CORS preflights — per client IP at
///   `RATELIMIT_AUTHENTICATED_RATE`: static answers that clients and test suites fetch often; they cost little and
///   guess nothing, so the strict budget would only throttle well-behaved clients, yet they stay bounded per address.
/// - Everything else: per principal (the verified token's subject: a user or a system client) at
///   `RATELIMIT_AUTHENTICATED_RATE`, never per shared IP; a request whose token is missing or does not verify is
///   anonymous and counts per client IP at `RATELIMIT_RATE`.
enum RequestBudget: Sendable, Hashable {
    case unlimited
    case credential
    case openDocument
    case api

    /// The budget of a request to `path` under `configuration`'s prefixes: the budget of the route-table row it
    /// reaches (``Route/budget``); a CORS preflight reads an open document.
    static func of(path: String, preflight: Bool, configuration: ServerConfiguration) -> RequestBudget {
        of(RouteTable.lookup(method: .get, path: path, configuration: configuration), preflight: preflight)
    }

    /// The budget of a request `lookup` matched against the route table.
    static func of(_ lookup: RouteLookup, preflight: Bool) -> RequestBudget {
        let budget = lookup.budget
        return preflight && budget != .unlimited ? .openDocument : budget
    }

    /// The budget a row's kind implies: the health checks none; a row taking credentials, or an anonymous POST
    /// (an OTP, a registration), the per-address budget of sign-ins; an open GET that of open documents; every
    /// route needing a token the API budget of its caller.
    static func implied(method: HTTPRequest.Method?, mount: RouteMount, handler: RouteHandler) -> RequestBudget {
        if mount == .root { return .unlimited }
        switch handler {
        case .credentials: return .credential
        case .open: return method == .post ? .credential : .openDocument
        case .openFHIR: return .openDocument
        case .bearer, .fhir: return .api
        }
    }
}

/// The bearer token of a request, verified once, by the rate limiter when it needs to know whose budget a request
/// spends, else by the routing.
enum BearerCredential: Sendable {
    /// No `Authorization` header.
    case absent
    /// A valid access token: who it speaks for and its subject (`user:…` or `client:…`).
    case verified(Principal, subject: String)
    /// A bearer token that is not valid (forged, expired, of a removed user or client).
    case refused
    /// Credentials of another scheme: Basic that does not verify or is malformed, Basic while `BASIC_AUTH` is off,
    /// an unknown scheme. 401 with the challenges but without `error="invalid_token"` (RFC 6750 §3.1: no token came).
    case refusedCredentials
    /// A well-signed token whose user or client could not be looked up (the database is unreachable): 503.
    case unverifiable(any Error)
}

/// The two limiters: `RATELIMIT_RATE` per client IP and `RATELIMIT_AUTHENTICATED_RATE` per principal (and per IP
/// for open documents, under keys of their own).
struct RateLimits: Sendable {
    let anonymous: RateLimiter?
    let authenticated: RateLimiter?

    init(_ configuration: ServerConfiguration, now: @escaping @Sendable () -> Duration = RateLimiter.monotonicNow) {
        anonymous = configuration.rateLimit.map { RateLimiter(rate: $0, now: now) }
        authenticated = configuration.authenticatedRateLimit.map { RateLimiter(rate: $0, now: now) }
    }

    var isEmpty: Bool { anonymous == nil && authenticated == nil }
}

extension FHIRResponder {
    /// 429 when the request is over its budget (``RequestBudget``); 204 for a CORS preflight; nil to go on, with the
    /// bearer token when it had to be verified to find the budget (the routing then does not verify it again).
    func limited(_ request: Request, context: Context, lookup: RouteLookup) async
        -> (refused: Response?, credential: BearerCredential?)
    {
        let path = request.uri.path
        let preflight = request.method == .options && service.configuration.cors != nil && CORSPolicy.isPreflight(request.head)
        var credential: BearerCredential?
        if !limits.isEmpty {
            let client = context.remoteAddress?.ipAddress ?? "unknown"
            let budget = RequestBudget.of(lookup, preflight: preflight)
            var decision = RateLimiter.Decision.allowed
            switch budget {
            case .unlimited:
                break
            case .credential:
                decision = limits.anonymous?.check(client) ?? .allowed
            case .openDocument:
                decision = limits.authenticated?.check("ip " + client) ?? .allowed
            case .api:
                // Basic credentials not verified in the last minute cost a password check: the sign-in budget of the
                // address, as at the token endpoint (``BasicVerifications``); a verified request then also spends
                // its principal's API budget.
                let checksPassword = basicNeedsPasswordCheck(request.headers)
                if checksPassword, case .limited(let retryAfter) = limits.anonymous?.check(client) ?? .allowed {
                    return (tooManyRequests(path: path, retryAfter: retryAfter), nil)
                }
                let bearer = await resolveBearer(request.headers)
                credential = bearer
                if case .verified(_, let subject) = bearer {
                    decision = limits.authenticated?.check("sub " + subject) ?? .allowed
                } else if !checksPassword {
                    decision = limits.anonymous?.check(client) ?? .allowed
                }
            }
            if case .limited(let retryAfter) = decision {
                return (tooManyRequests(path: path, retryAfter: retryAfter), credential)
            }
        }
        if preflight { return (Response(status: .noContent, headers: [.contentLength: "0"]), credential) }
        return (nil, credential)
    }

    /// The bearer token of `headers`, verified (a cached verification costs a dictionary lookup), or its Basic
    /// credentials when Basic is on (``resolveBasic(_:)``).
    func resolveBearer(_ headers: HTTPFields) async -> BearerCredential {
        guard let authorization = headers[.authorization] else { return .absent }
        if let credentials = basicCredentials(headers) { return await resolveBasic(credentials) }
        guard let token = bearerToken(authorization) else { return .refusedCredentials }
        do {
            guard let found = try await auth.tokens.resolve(bearer: token) else { return .refused }
            return .verified(found.principal, subject: found.claims.sub)
        } catch {
            return .unverifiable(error)
        }
    }

    /// 429 with `Retry-After`: an OperationOutcome on the FHIR paths, an RFC 6749 error elsewhere.
    func tooManyRequests(path: String, retryAfter: Int) -> Response {
        let configuration = service.configuration
        let fhir = path.hasPrefix(configuration.fhirBasePath) || path.hasPrefix(configuration.aliasBasePath)
        if fhir {
            let error = FHIRError(.tooManyRequests, "too many requests; try again later",
                                  headers: [.retryAfter: String(retryAfter)])
            return FHIRResponse.error(error, pretty: false).hummingbird
        }
        var answer = AuthJSON.error(TokenError("rate_limited", "too many requests; try again later", status: 429,
                                               retryAfter: retryAfter))
        answer.headers[.retryAfter] = String(retryAfter)
        return answer.hummingbird
    }
}
