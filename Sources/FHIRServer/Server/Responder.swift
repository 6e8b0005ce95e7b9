import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import IMISData
import Logging
import Membership
import NIOCore

/// The one HTTP entry point: rate limits, runs the row of ``RouteTable`` the request matches
/// (``route(_:context:credential:)``), turns every failure, the framework's included, into an answer of the
/// route's dialect with the right status, adds the security and CORS headers, and logs the request. Bad input
/// never produces a 5xx.
public struct FHIRResponder: HTTPResponder {
    public typealias Context = IMISRequestContext
    let service: FHIRService
    let auth: AuthServices
    let limits: RateLimits
    /// HTTP Basic verifications of the last minute.
    let basic = BasicVerifications()

    public init(service: FHIRService, auth: AuthServices) {
        self.service = service
        self.auth = auth
        self.limits = RateLimits(service.configuration)
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let startedAt = Date()
        var response: Response
        var traced: (spans: [StatementSpan], dropped: Int) = ([], 0)
        // One match against the route table serves the rate limiter, the router and the metrics.
        let lookup = RouteTable.lookup(method: request.method, path: request.uri.path, configuration: service.configuration)
        let operations = service.operations
        operations.metrics.requestStarted()
        // The caller's W3C trace, or a new one; outgoing calls made for this request continue it.
        let incoming = request.headers[.traceparent].flatMap(TraceParent.init(header:))
        let trace = incoming?.child() ?? TraceParent.newTrace(sampleRate: operations.configuration.traceSampleRate)
        let (refused, credential) = await limited(request, context: context, lookup: lookup)
        if let refused {
            response = refused
            if refused.status == .tooManyRequests {
                operations.metrics.rateLimited(budget: "\(RequestBudget.of(lookup, preflight: false))")
            }
        } else {
            // A sampled trace that is exported records its database statements as child spans.
            let statements = operations.spans != nil && trace.sampled ? StatementSpans() : nil
            // Only a GET or HEAD may read from a replica (ReadRouting): a write's own lookups read the primary.
            let readOnly = request.method == .get || request.method == .head
            response = await TraceParent.$current.withValue(trace) {
                await StatementSpans.$current.withValue(statements) {
                    await ReadRouting.$mayUseReplica.withValue(readOnly) {
                        await respondWithoutLog(to: request, context: context, credential: credential, lookup: lookup)
                    }
                }
            }
            traced = statements?.recorded ?? ([], 0)
        }
        let labels = lookup.metricsLabels(providers: service.providers)
        operations.metrics.requestFinished(
            route: labels.route, type: labels.type, method: request.method.rawValue, status: Int(response.status.code),
            duration: ContinuousClock.now - started)
        let method = ServerMetrics.methods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        operations.spans?.record(RequestSpan(
            trace: trace, parentSpanID: incoming?.spanID, name: "\(method) \(labels.route)", method: method,
            route: labels.route, status: Int(response.status.code), start: startedAt, end: Date(),
            statements: traced.spans, droppedStatements: traced.dropped))
        if response.status.code >= 500 {
            operations.reportServerError(
                status: Int(response.status.code), method: request.method.rawValue, route: labels.route, type: labels.type,
                requestID: context.logger[metadataKey: "hb.request.id"]?.description ?? "", trace: trace)
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
                    "status": "\(response.status.code)", "duration_us": "\(micros)", "trace_id": "\(trace.traceID)",
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
    func respondWithoutLog(to request: Request, context: Context, credential: BearerCredential? = nil,
                           lookup: RouteLookup? = nil) async -> Response {
        let pretty = request.uri.query.map { $0.contains("_pretty=true") } ?? false
        do {
            return try await route(request, context: context, credential: credential, lookup: lookup).hummingbird
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
        if let stream { return Response(status: status, headers: headers, body: stream.body) }
        var headers = headers
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
