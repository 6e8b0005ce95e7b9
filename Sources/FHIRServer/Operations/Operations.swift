import Foundation
import HTTPTypes
import IMISData
import Logging
import NIOConcurrencyHelpers

/// The operator's surface of one application: readiness (`/health/ready`), `/metrics`, the status page at `/`, error
/// reports, and the draining state graceful shutdown sets.
public final class Operations: Sendable {
    public let configuration: OperationsConfiguration
    let production: Bool
    let store: (any IMISStore)?
    let engine: Storage.Engine
    let cache: RenderCache?
    /// The Sentry reporter, when `SENTRY_DSN` is set and `IS_SENTRY_ENABLED` is not false.
    public let sentry: SentryReporter?
    /// The OTLP exporter of request spans, when an endpoint is configured.
    public let spans: SpanExporter?
    /// The metrics of this application (its own registry).
    public let metrics: ServerMetrics
    private let state = NIOLockedValueBox(State())
    /// How long the status page keeps its counts (they cost a count over four tables).
    static let countsLifetime: Duration = .seconds(30)

    struct State {
        var counts: (at: ContinuousClock.Instant, values: [(String, Int)])?
    }

    init(configuration: OperationsConfiguration = OperationsConfiguration(), production: Bool = false,
         store: (any IMISStore)? = nil, engine: Storage.Engine = .sqlite, cache: RenderCache? = nil,
         metrics: ServerMetrics = ServerMetrics(), logger: Logger? = nil) {
        self.metrics = metrics
        self.configuration = configuration
        self.production = production
        self.store = store
        self.engine = engine
        self.cache = cache
        if let sentry = configuration.sentry, let logger {
            self.sentry = SentryReporter(configuration: sentry, logger: logger)
        } else {
            self.sentry = nil
        }
        if let endpoint = configuration.otlpTracesEndpoint, let logger {
            spans = SpanExporter(endpoint: endpoint, serviceName: configuration.serviceName, logger: logger)
        } else {
            spans = nil
        }
    }

    /// Why the server is not ready, or nil when it is: draining, migrations pending, or a database that does not
    /// answer a one-row read.
    func notReadyReason() async -> String? {
        if configuration.lifecycle.isDraining { return "draining" }
        if configuration.lifecycle.migrationsPending { return "migrations pending" }
        guard let store else { return nil }
        do {
            _ = try await store.search(Family.self, RowQuery(limit: 1))
            return nil
        } catch {
            return "database unreachable"
        }
    }

    /// `/health/ready`: 200 `ok`, or 503 with the reason.
    func readiness() async -> FHIRResponse {
        guard let reason = await notReadyReason() else { return RouteTable.healthy }
        return FHIRResponse(
            status: .serviceUnavailable, headers: [.contentType: "text/plain", .cacheControl: "no-store"],
            body: Array("not ready: \(reason)\n".utf8))
    }

    /// `/metrics`, for whom may read it: with `METRICS_TOKEN`, a request bearing it; with `METRICS_ALLOW`, a client
    /// in the list; with neither, anyone in DEV and loopback clients only in PROD.
    func metricsAnswer(headers: HTTPFields, clientIP: String) -> FHIRResponse {
        if let refusal = metricsRefusal(headers: headers, clientIP: clientIP) { return refusal }
        return FHIRResponse(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: metrics.exposition(cache: cache?.statistics))
    }

    func metricsRefusal(headers: HTTPFields, clientIP: String) -> FHIRResponse? {
        let token = configuration.metricsToken
        let allow = configuration.metricsAllow
        if token == nil && allow.isEmpty {
            if !production || AddressRange.isLoopback(clientIP) { return nil }
            return Self.plain(.forbidden, "metrics are served to loopback clients only (set METRICS_TOKEN or METRICS_ALLOW)")
        }
        if allow.contains(where: { $0.contains(clientIP) }) { return nil }
        if let token, let presented = headers[.authorization], Self.constantTimeEqual(presented, "Bearer " + token) {
            return nil
        }
        if token != nil {
            var refusal = Self.plain(.unauthorized, "a bearer token is needed")
            refusal.headers[.wwwAuthenticate] = "Bearer realm=\"metrics\""
            return refusal
        }
        return Self.plain(.forbidden, "this address may not read the metrics")
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> FHIRResponse {
        FHIRResponse(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Array((text + "\n").utf8))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<min(x.count, y.count) { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// Whether the status page shows counts: `STATUS_COUNTS`, else in DEV only.
    var showsCounts: Bool { configuration.statusCounts ?? !production }

    /// The counts of insurees, families, policies and claims (current rows), kept ``countsLifetime``; nil when the
    /// database does not answer.
    func counts() async -> [(String, Int)]? {
        if let kept = state.withLockedValue({ $0.counts }), ContinuousClock.now - kept.at < Self.countsLifetime {
            return kept.values
        }
        guard let store else { return [] }
        do {
            let total = RowQuery(limit: 0, countTotal: true)
            let values = [
                ("insurees", try await store.search(Insuree.self, total).total ?? 0),
                ("families", try await store.search(Family.self, total).total ?? 0),
                ("policies", try await store.search(Policy.self, total).total ?? 0),
                ("claims", try await store.search(Claim.self, total).total ?? 0),
            ]
            state.withLockedValue { $0.counts = (ContinuousClock.now, values) }
            return values
        } catch {
            return nil
        }
    }
}
