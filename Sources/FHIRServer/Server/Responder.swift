import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The one HTTP entry point: finds the surface (FHIR base, openIMIS alias, health), matches the
/// route table, runs the handler, and turns every failure, the framework's included, into an
/// OperationOutcome with the right status. Bad input never produces a 5xx.
public struct FHIRResponder: HTTPResponder {
    public typealias Context = BasicRequestContext
    let service: FHIRService

    public init(service: FHIRService) { self.service = service }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response = await respondWithoutLog(to: request, context: context)
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

    func respondWithoutLog(to request: Request, context: Context) async -> Response {
        let pretty = request.uri.query.map { $0.contains("_pretty=true") } ?? false
        do {
            return try await route(request, context: context).hummingbird
        } catch let error as FHIRError {
            if error.category == .server {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error.message)"])
            }
            return FHIRResponse.error(error, pretty: pretty).hummingbird
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return FHIRResponse.error(FHIRError(.tooLarge, "the request body is too large"), pretty: pretty).hummingbird
        } catch {
            context.logger.error("unexpected failure", metadata: ["path": "\(request.uri.path)", "error": "\(type(of: error))"])
            return FHIRResponse.error(FHIRError(.server, "the request could not be completed"), pretty: pretty).hummingbird
        }
    }

    func route(_ request: Request, context: Context) async throws -> FHIRResponse {
        let path = request.uri.path
        let config = service.configuration
        if path == "/health/live" || path == "/health/ready" {
            return FHIRResponse(status: .ok, headers: [.contentType: "text/plain"], body: Array("ok\n".utf8))
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
        let match = try FHIRRoutes.match(method: request.method, segments: segments)
        let query = QueryParameters(parsing: Substring(request.uri.query ?? ""))
        try FHIRFormat.checkAcceptable(format: query.first("_format"), accept: request.headers[.accept])
        var body: [UInt8] = []
        if request.method == .post || request.method == .put {
            var buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: config.maxBodySize)
            } catch {
                // The framework stops reading past the limit (NIOTooManyBytesError or HTTPError 413).
                throw FHIRError(.tooLarge, "the request body is larger than \(config.maxBodySize) bytes")
            }
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        let fhirRequest = FHIRRequest(
            method: request.method, match: match, query: query, headers: request.headers, body: body,
            base: baseURL(request, basePath: viaAlias ? config.aliasBasePath : config.fhirBasePath),
            pretty: query.first("_pretty") == "true", viaAlias: viaAlias)
        return try await service.handle(fhirRequest)
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
        switch request.match.route.interaction {
        case .capabilities: return try await capabilities(request)
        case .read: return try await read(request)
        case .vread: return try await vread(request)
        case .historyInstance: return try await history(request)
        case .searchType: return try await search(request)
        case .create: return try await create(request)
        case .update: return try await update(request)
        case .delete: return try await delete(request)
        case .batch, .transaction: return try await bundle(request)
        }
    }
}

extension FHIRResponse {
    var hummingbird: Response {
        var headers = headers
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
