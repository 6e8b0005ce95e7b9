/// The settings of the HTTP surface (see the configuration spec; the executable reads them from
/// flags, the environment and `.env`).
public struct ServerConfiguration: Sendable {
    /// `MODE`: DEV or PROD.
    public var production: Bool
    /// `HOST`, `PORT`.
    public var host: String
    public var port: Int
    /// `SITE_ROOT`: a path prefix before every route (openIMIS uses `api`).
    public var siteRoot: String
    /// `SITE_URL`: the absolute base written into links; nil: taken from the request.
    public var siteURL: String?
    /// `DATA_UPLOAD_MAX_MEMORY_SIZE`: the largest request body.
    public var maxBodySize: Int
    /// `RESOURCE_CACHE_MB` in bytes: the memory rendered resources may take (0: no cache).
    public var resourceCacheBytes: Int
    /// `RATELIMIT_RATE`: requests per client IP to the credential routes, and of requests without a valid token
    /// (nil: not limited; see ``RequestBudget``).
    public var rateLimit: RateLimitRate?
    /// `HOSTS`: the origins CORS allows (nil: no CORS headers).
    public var cors: CORSPolicy?
    /// `BUNDLE_MAX_ENTRIES`: the most entries a batch or transaction Bundle may hold (413 beyond).
    public var maxBundleEntries: Int = 1_000
    /// `RESPONSE_MAX_MB` in bytes: the most a single answer may hold; a search past it is refused (413) and a
    /// batch or transaction answers the entries past it without their resources.
    public var maxResponseBytes: Int = 32 << 20
    /// `RATELIMIT_AUTHENTICATED_RATE`: requests per principal with a valid token, and per client IP to the open
    /// documents (nil: not limited).
    public var authenticatedRateLimit: RateLimitRate?
    /// `HTTP_IDLE_TIMEOUT`, `HTTP_HEADER_TIMEOUT`, `HTTP_BODY_TIMEOUT`, `HTTP_MAX_CONNECTIONS`.
    public var connections: ConnectionLimits
    /// `BASIC_AUTH`: whether the authenticated routes also take HTTP Basic credentials (a user's name and password,
    /// or a system client's id and secret), as openIMIS does; when off, Basic is refused like an unknown scheme and
    /// not offered in the challenge.
    public var basicAuth: Bool = true
    /// `SUBSCRIPTION_ALLOWED_HOSTS`: loopback or private hosts a subscription endpoint may name in production
    /// (names or IP literals; link-local and metadata addresses stay refused).
    public var subscriptionAllowedHosts: [String] = []
    /// `$export` (Bulk Data): where the files go, how long they are kept, how many exports run at once, how
    /// long a write may take to commit after its time stamp, the largest file, and when a silent job is failed.
    public var export = ExportSettings()
    /// `SUBSCRIPTION_*`: how Subscription events are delivered (``DeliverySettings``).
    public var delivery = DeliverySettings()
    /// `METRICS_*`, `SENTRY_*`, `SHUTDOWN_*`, `STATUS_COUNTS` (``OperationsConfiguration``).
    public var operations = OperationsConfiguration()

    public init(
        production: Bool = false, host: String = "127.0.0.1", port: Int = 8080, siteRoot: String = "",
        siteURL: String? = nil, maxBodySize: Int = 10_485_760, resourceCacheBytes: Int = 32 << 20,
        rateLimit: RateLimitRate? = nil, cors: CORSPolicy? = nil, authenticatedRateLimit: RateLimitRate? = nil,
        connections: ConnectionLimits = ConnectionLimits()
    ) {
        self.rateLimit = rateLimit
        self.cors = cors
        self.authenticatedRateLimit = authenticatedRateLimit
        self.connections = connections
        self.production = production
        self.host = host
        self.port = port
        self.siteRoot = siteRoot
        self.siteURL = siteURL
        self.maxBodySize = maxBodySize
        self.resourceCacheBytes = resourceCacheBytes
    }

    /// The path of the FHIR base, e.g. `/fhir` or `/api/fhir`.
    public var fhirBasePath: String { prefix + "/fhir" }
    /// The path of the openIMIS-compatible alias, e.g. `/api/api_fhir_r4`.
    public var aliasBasePath: String { (siteRoot.isEmpty ? "/api" : prefix) + "/api_fhir_r4" }

    public var prefix: String {
        let trimmed = siteRoot.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty ? "" : "/" + trimmed
    }
}
