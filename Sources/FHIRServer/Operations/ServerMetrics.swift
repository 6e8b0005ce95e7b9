import Foundation
import IMISData
import Membership
import NIOConcurrencyHelpers
import Prometheus

/// The process's metrics, served at `/metrics` in the Prometheus text format (swift-prometheus's registry). Labels
/// are bounded sets: route templates of ``RouteTable`` (`unmatched` for paths no row serves), served resource types,
/// methods, status codes, grant types, outcomes — never a path, an id, a CHF ID or a query value.
///
/// One per application (``Operations/metrics``, reached from ``FHIRService/operations``); other parts of the server
/// report through the methods here: the subscription delivery records its outcomes with
/// ``subscriptionDelivery(outcome:lag:)``. The database connections and one-time codes are counted per process
/// (``PoolStatistics``, ``OTPStatistics``) and read at scrape time.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let startedAt = Date()
    private let inFlight: Gauge
    /// Latency buckets, in seconds: from a cached read (milliseconds) to a large export page.
    static let latencyBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map {
        .milliseconds(Int64($0 * 1000))
    }
    /// Methods kept as labels; anything else is `other`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    /// Render-cache invalidations (commits that reached the cache).
    private let invalidations: Counter
    /// Subscription notifications by outcome, for the status page.
    let deliveries = NIOLockedValueBox<[String: Int]>([:])

    public init() {
        inFlight = registry.makeGauge(
            descriptor: Self.named("imisfhir_http_requests_in_flight", "HTTP requests being answered"))
        invalidations = registry.makeCounter(
            descriptor: Self.named("imisfhir_render_cache_invalidations_total", "Commits that invalidated cached renderings"))
    }

    /// A name without namespace or unit parts, and its help text.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// A request started; call ``requestFinished(route:type:method:status:duration:)`` when it is answered.
    func requestStarted() { inFlight.increment() }

    /// A request was answered with `status` after `duration`; `route` is its template, `type` its resource type.
    func requestFinished(route: String, type: String, method: String, status: Int, duration: Duration) {
        inFlight.decrement()
        let method = Self.methods.contains(method) ? method : "other"
        registry.makeCounter(
            descriptor: Self.named(
                "imisfhir_http_requests_total", "HTTP requests answered, by route template, resource type, method and status"),
            labels: [("route", route), ("type", type), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.named("imisfhir_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method"),
            labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// A request refused by a rate limit (429), by the budget it spent (`credential`, `api`, `openDocument`).
    func rateLimited(budget: String) {
        registry.makeCounter(
            descriptor: Self.named("imisfhir_rate_limit_refusals_total", "Requests refused by a rate limit, by budget"),
            labels: [("budget", budget)]
        ).increment()
    }

    /// A token request answered: `grantType` one of the grant types the endpoint knows (else `other`), `granted`
    /// whether tokens were issued.
    func tokenRequest(grantType: String, granted: Bool) {
        let grant = TokenEndpoint.grantTypes.contains(grantType) ? grantType : "other"
        let descriptor = granted
            ? Self.named("imisfhir_token_grants_total", "Tokens issued, by grant type")
            : Self.named("imisfhir_token_failures_total", "Token requests refused, by grant type")
        registry.makeCounter(descriptor: descriptor, labels: [("grant_type", grant)]).increment()
    }

    /// A commit dropped cached renderings.
    func renderCacheInvalidated() { invalidations.increment() }

    /// The outcome of one subscription notification: `sent`, `failed` (given up), `retried`; `lag` is the time from
    /// the change to the delivery attempt. For the subscription delivery to call.
    public func subscriptionDelivery(outcome: String, lag: Duration? = nil) {
        let outcome = ["sent", "failed", "retried"].contains(outcome) ? outcome : "other"
        deliveries.withLockedValue { $0[outcome, default: 0] += 1 }
        registry.makeCounter(
            descriptor: Self.named("imisfhir_subscription_deliveries_total", "Subscription notifications, by outcome"),
            labels: [("outcome", outcome)]
        ).increment()
        if let lag {
            registry.makeDurationHistogram(
                descriptor: Self.named("imisfhir_subscription_delivery_lag_seconds", "Time from a change to the delivery of its notification"),
                buckets: [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
                          .seconds(15), .seconds(60), .seconds(300), .seconds(1800)]
            ).record(lag)
        }
    }

    /// The text served at `/metrics`: the registry, then what is read at scrape time (the render cache, the
    /// database connections, the process).
    func exposition(cache: RenderCache.Statistics?) -> [UInt8] {
        var text = registry.emitToString()
        var sample = ScrapeText()
        if let cache {
            sample.add("imisfhir_render_cache_hits_total", .counter, "Reads answered from the render cache", Double(cache.hits))
            sample.add("imisfhir_render_cache_misses_total", .counter, "Reads the render cache could not answer", Double(cache.misses))
            sample.add("imisfhir_render_cache_bytes", .gauge, "Memory taken by cached renderings", Double(cache.bytes))
            sample.add("imisfhir_render_cache_entries", .gauge, "Cached renderings", Double(cache.entries))
        }
        for (engine, statistics) in [("sqlite", PoolStatistics.sqlite), ("postgresql", PoolStatistics.postgresql)] {
            sample.pool(engine: engine, statistics.reading)
        }
        let otp = OTPStatistics.shared.reading
        for (event, count) in [("started", otp.started), ("verified", otp.verified), ("failed", otp.failed), ("locked", otp.locked)] {
            sample.add("imisfhir_otp_challenges_total", .counter,
                       "One-time-code challenges started, verified, failed (wrong, expired or unknown code), locked (last attempt used)",
                       Double(count), labels: [("event", event)])
        }
        let process = ProcessReading.now()
        if let rss = process.residentBytes {
            sample.add("process_resident_memory_bytes", .gauge, "Resident memory size in bytes", Double(rss))
        }
        if let files = process.openFiles {
            sample.add("process_open_fds", .gauge, "Open file descriptors", Double(files))
        }
        if let limit = process.maxFiles {
            sample.add("process_max_fds", .gauge, "Largest number of open file descriptors allowed", Double(limit))
        }
        sample.add("process_start_time_seconds", .gauge, "Start of the process, seconds since the epoch",
                   startedAt.timeIntervalSince1970)
        sample.add("imisfhir_uptime_seconds", .gauge, "Seconds since the server started", Date().timeIntervalSince(startedAt))
        text += sample.text
        return Array(text.utf8)
    }
}
