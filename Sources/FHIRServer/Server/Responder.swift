import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import IMISData
import Logging
import Membership
import NIOCore

/// The one HTTP entry point: finds the surface (FHIR base, openIMIS alias, health), matches the
/// route table, runs the handler, and turns every failure, the framework's included, into an
/// OperationOutcome with the right status. Bad input never produces a 5xx.
public struct FHIRResponder: HTTPResponder {
    public typealias Context = IMISRequestContext
    let service: FHIRService
    let auth: AuthServices
    let tokenEndpoint: TokenEndpoint
    let limits: RateLimits

    public init(service: FHIRService, auth: AuthServices) {
        self.service = service
        self.auth = auth
        self.tokenEndpoint = TokenEndpoint(services: auth)
        self.limits = RateLimits(service.configuration)
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        let (refused, credential) = await limited(request, context: context)
        if let refused {
            response = refused
        } else {
            response = await respondWithoutLog(to: request, context: context, credential: credential)
        }
        let config = service.configuration
        if config.production { SecurityHeaders.apply(to: &response.headers) }
        if let cors = config.cors, request.headers[.origin] != nil {
            // Caches must not give one origin's answer to another.
            if response.headers[.vary] == nil { response.headers[.vary] = "Origin" }
            if let fields = cors.headers(for: request.head) {
                for field in fields where response.headers[field.name] == nil || field.name == .vary {
                    response.headers[field.name] = field.value
                }
            }
        }
        if context.logger.logLevel <= .info {
            // No query string, ids or bodies: they can carry personal data (security.md).
            let elapsed = ContinuousClock.now - started
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)", "route": "\(routeLabel(request.uri.path))",
                    "status": "\(response.status.code)", "duration_us": "\(micros)",
                ])
        }
        return response
    }

    /// The path with ids replaced: `/fhir/Patient/{id}/_history/{vid}`.
    func routeLabel(_ path: String) -> String {
        let segments = path.split(separator: "/")
        var label: [String] = []
        for (i, segment) in segments.enumerated() {
            let previous = i > 0 ? segments[i - 1] : ""
            if previous.first?.isUppercase == true && segment.first != "_" && segment.first != "$" {
                label.append("{id}")
            } else if previous == "_history" {
                label.append("{vid}")
            } else {
                label.append(String(segment))
            }
        }
        return "/" + label.joined(separator: "/")
    }

    /// The answer to `request`; `credential` is its bearer token when the rate limiter has already verified it.
    func respondWithoutLog(to request: Request, context: Context, credential: BearerCredential? = nil) async -> Response {
        let pretty = request.uri.query.map { $0.contains("_pretty=true") } ?? false
        do {
            return try await route(request, context: context, credential: credential).hummingbird
        } catch let error as FHIRError {
            if error.category == .server || error.category == .unavailable {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error.message)"])
            }
            return FHIRResponse.error(error, pretty: pretty).hummingbird
        } catch let answer as AuthAnswer {
            return answer.response.hummingbird
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return FHIRResponse.error(FHIRError(.tooLarge, "the request body is too large"), pretty: pretty).hummingbird
        } catch {
            context.logger.error("unexpected failure", metadata: ["path": "\(request.uri.path)", "error": "\(type(of: error))"])
            return FHIRResponse.error(FHIRError(.server, "the request could not be completed"), pretty: pretty).hummingbird
        }
    }

    func route(_ request: Request, context: Context, credential: BearerCredential? = nil) async throws -> FHIRResponse {
        let path = request.uri.path
        let config = service.configuration
        if path == "/health/live" || path == "/health/ready" {
            return FHIRResponse(status: .ok, headers: [.contentType: "text/plain"], body: Array("ok\n".utf8))
        }
        if let response = try await authSurface(request, path: path, clientIP: context.remoteAddress?.ipAddress ?? "unknown") {
            return response
        }
        let viaAlias: Bool
        let rest: Substring
        if let r = strip(path, prefix: config.fhirBasePath) {
            viaAlias = false
            rest = r
        } else if let r = strip(path, prefix: config.aliasBasePath) {
            viaAlias = true
            rest = r
        } else {
            throw FHIRError(.notFound, "nothing is served at this path")
        }
        let segments = rest.split(separator: "/").map { percentDecode($0) }
        if segments == [".well-known", "smart-configuration"], request.method == .get {
            return tokenEndpoint.smartConfiguration(authBase: baseURL(request, basePath: config.prefix + "/auth"))
        }
        if viaAlias, segments == ["login"] {
            // The alias's sign-in answers as the token endpoint does, its refusals included (RFC 6749 JSON).
            guard request.method == .post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.openIMISLogin(headers: request.headers, body: try await readBody(request))
        }
        let match = try FHIRRoutes.match(method: request.method, segments: segments)
        let query = QueryParameters(parsing: Substring(request.uri.query ?? ""))
        try FHIRFormat.checkAcceptable(format: query.first("_format"), accept: request.headers[.accept])
        let body = request.method == .post || request.method == .put ? try await readBody(request) : []
        var fhirRequest = FHIRRequest(
            method: request.method, match: match, query: query, headers: request.headers, body: body,
            base: baseURL(request, basePath: viaAlias ? config.aliasBasePath : config.fhirBasePath),
            pretty: query.first("_pretty") == "true", viaAlias: viaAlias)
        if match.route.interaction != .capabilities {
            var bearer = credential ?? .absent
            if credential == nil { bearer = await resolveBearer(request.headers) }
            switch bearer {
            case .absent: break
            case .verified(let principal, _): fhirRequest.principal = principal
            case .refused: fhirRequest.invalidToken = true
            case .unverifiable(let error): throw FHIRError.storage(error)
            }
        }
        return try await service.handle(fhirRequest)
    }

    /// The token of an `Authorization: Bearer` header.
    func bearerToken(_ header: String) -> String? {
        // Byte-wise: Foundation's trimming goes through UTF-16 and cost a measurable share of every request.
        let bytes = header.utf8
        guard bytes.count > 7 else { return nil }
        let scheme = bytes.prefix(7).map { $0 | 0x20 }
        guard scheme == Array("bearer ".utf8) else { return nil }
        var token = Substring(header).utf8.dropFirst(7)
        while let first = token.first, first == 0x20 || first == 0x09 { token = token.dropFirst() }
        while let last = token.last, last == 0x20 || last == 0x09 { token = token.dropLast() }
        return token.isEmpty ? nil : String(Substring(token))
    }

    /// The request body, up to the configured limit (413 beyond).
    func readBody(_ request: Request) async throws -> [UInt8] {
        let limit = service.configuration.maxBodySize
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            if let failure = ConnectionGuard.bodyFailure(error) { throw failure }
            // The framework stops reading past the limit (NIOTooManyBytesError or HTTPError 413).
            throw FHIRError(.tooLarge, "the request body is larger than \(limit) bytes")
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// `/auth/...`, `/membership/...` and `/.well-known/oauth-authorization-server`; nil for other paths.
    func authSurface(_ request: Request, path: String, clientIP: String) async throws -> FHIRResponse? {
        let prefix = service.configuration.prefix
        let compatBase = (service.configuration.siteRoot.isEmpty ? "/api" : prefix) + "/membership"
        if let rest = strip(path, prefix: prefix + "/membership") {
            let route = rest.split(separator: "/").map { percentDecode($0) }
            let own = route == ["me"] || route == ["card"] || route.first == "push-tokens"
            if own || prefix + "/membership" != compatBase {
                return try await membershipSurface(request, route: route)
            }
        }
        if let rest = strip(path, prefix: compatBase) {
            let compat = MembershipCompat(services: auth, service: service)
            let route = rest.split(separator: "/").map { percentDecode($0) }
            let query = QueryParameters(parsing: Substring(request.uri.query ?? ""))
            if Self.carriesNUL(route, query) {
                return MembershipCompat.message("The request cannot contain a NUL character.", status: .badRequest)
            }
            let body = request.method == .post ? try await authBody(request) : []
            return await compat.handle(
                method: request.method, route: route, headers: request.headers, query: query, body: body, clientIP: clientIP,
                today: LocalDate(utc: auth.tokens.now))
        }
        if path == prefix + "/.well-known/oauth-authorization-server" {
            guard request.method == .get else { return Self.authMethodNotAllowed("GET") }
            return tokenEndpoint.authorizationServerMetadata(authBase: baseURL(request, basePath: prefix + "/auth"))
        }
        guard let rest = strip(path, prefix: prefix + "/auth") else { return nil }
        let route = rest.split(separator: "/").joined(separator: "/")
        let post = request.method == .post
        switch route {
        case "token":
            guard post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.token(headers: request.headers, body: try await authBody(request))
        case "revoke":
            guard post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.revoke(headers: request.headers, body: try await authBody(request))
        case "introspect":
            guard post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.introspect(headers: request.headers, body: try await authBody(request))
        case "otp":
            guard post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.startOTP(headers: request.headers, body: try await authBody(request), clientIP: clientIP)
        case "otp/resend":
            guard post else { return Self.authMethodNotAllowed("POST") }
            return await tokenEndpoint.resendOTP(headers: request.headers, body: try await authBody(request))
        case "dev/outbox":
            guard request.method == .get else { return Self.authMethodNotAllowed("GET") }
            return tokenEndpoint.outbox()
        case "jwks.json":
            guard request.method == .get else { return Self.authMethodNotAllowed("GET") }
            return tokenEndpoint.jwks()
        default:
            return AuthJSON.error(TokenError("not_found", "no such endpoint", status: 404))
        }
    }

    /// `/membership/...` (api.md §3).
    func membershipSurface(_ request: Request, route: [String]) async throws -> FHIRResponse {
        let membership = MembershipEndpoint(services: auth)
        if Self.carriesNUL(route, QueryParameters(parsing: Substring(request.uri.query ?? ""))) {
            return AuthJSON.error(TokenError.invalidRequest("the request cannot contain a NUL character"))
        }
        switch route {
        case ["me"]:
            guard request.method == .get else { return Self.authMethodNotAllowed("GET") }
            return await membership.me(headers: request.headers)
        case ["push-tokens"]:
            guard request.method == .post else { return Self.authMethodNotAllowed("POST") }
            return await membership.savePushToken(headers: request.headers, body: try await authBody(request))
        case let path where path.count == 2 && path[0] == "push-tokens":
            guard request.method == .delete else { return Self.authMethodNotAllowed("DELETE") }
            return await membership.deletePushToken(headers: request.headers, token: path[1])
        case ["card"]:
            guard request.method == .get else { return Self.authMethodNotAllowed("GET") }
            return await membership.card(headers: request.headers, query: QueryParameters(parsing: Substring(request.uri.query ?? "")),
                                         today: LocalDate(utc: auth.tokens.now))
        default:
            return AuthJSON.error(TokenError("not_found", "no such endpoint", status: 404))
        }
    }

    /// A body for the auth endpoints; too large answers an RFC 6749 error, not an OperationOutcome.
    func authBody(_ request: Request) async throws -> [UInt8] {
        do {
            return try await readBody(request)
        } catch let error as FHIRError where error.category != .tooLarge {
            // A body that stopped (408) or whose framing is broken (400).
            throw AuthAnswer(response: AuthJSON.error(TokenError("invalid_request", error.message, status: Int(error.status.code))))
        } catch {
            throw AuthAnswer(response: AuthJSON.error(TokenError("invalid_request", "the request body is too large", status: 413)))
        }
    }

    /// Whether path segments or query parameters hold a NUL (`%00`): no identifier or code does, and PostgreSQL text
    /// cannot store one (SQLSTATE 22021), so such a request is refused before it reaches a store.
    static func carriesNUL(_ route: [String], _ query: QueryParameters) -> Bool {
        route.contains { $0.utf8.contains(0) } || query.items.contains { $0.name.utf8.contains(0) || $0.value.utf8.contains(0) }
    }

    static func authMethodNotAllowed(_ allowed: String) -> FHIRResponse {
        var response = AuthJSON.error(TokenError("invalid_request", "this endpoint takes \(allowed)", status: 405))
        response.headers[.allow] = allowed
        return response
    }

    /// `rest` of `path` under `prefix` (`/fhir`, `/fhir/`, `/fhir/Patient`), or nil.
    func strip(_ path: String, prefix: String) -> Substring? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty || rest.hasPrefix("/") { return rest }
        return nil
    }

    /// The absolute base URL: `SITE_URL` when set, else from the request's Host.
    func baseURL(_ request: Request, basePath: String) -> String {
        if let site = service.configuration.siteURL {
            return (site.hasSuffix("/") ? String(site.dropLast()) : site) + basePath
        }
        let host = request.head.authority ?? "\(service.configuration.host):\(service.configuration.port)"
        let scheme = request.head.scheme ?? "http"
        return "\(scheme)://\(host)\(basePath)"
    }
}

extension FHIRService {
    /// Runs the handler of the matched interaction. Every interaction passes here, whether it came as an HTTP
    /// request or as an entry of a batch or transaction Bundle: what must hold for each request (access
    /// control, auditing) belongs here, not in the responder.
    func handle(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        var request = request
        if request.match.route.interaction != .capabilities {
            guard request.principal != nil else { throw Self.unauthorized(request.invalidToken) }
            try await authorize(&request)
        }
        switch request.match.route.interaction {
        case .capabilities: return try await capabilities(request)
        case .read: return try await read(request)
        case .vread: return try await vread(request)
        case .historyInstance: return try await history(request)
        case .searchType: return try await search(request)
        case .create, .update:
            if let restriction = request.restriction { return try await restrictedWrite(request, restriction: restriction) }
            return request.match.route.interaction == .create ? try await create(request) : try await update(request)
        case .delete: return try await delete(request)
        case .batch, .transaction: return try await bundle(request)
        }
    }
}

/// The request context: Hummingbird's core context and the peer address (for the per-IP rate limit).
public struct IMISRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// A finished non-FHIR answer thrown out of the routing (e.g. an auth endpoint's body too large).
struct AuthAnswer: Error {
    let response: FHIRResponse
}

extension FHIRResponse {
    var hummingbird: Response {
        var headers = headers
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
