import HTTPTypes

/// The response headers of `MODE=PROD` (security.md, Input and transport).
public enum SecurityHeaders {
    /// HSTS for a year with subdomains, same-origin content only, no framing, no MIME sniffing, no referrer,
    /// no geolocation or microphone.
    public static let production: [HTTPField] = [
        HTTPField(name: .strictTransportSecurity, value: "max-age=31536000; includeSubDomains"),
        HTTPField(name: .contentSecurityPolicy, value: "default-src 'self'"),
        HTTPField(name: HTTPField.Name("X-Frame-Options")!, value: "DENY"),
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: HTTPField.Name("Referrer-Policy")!, value: "no-referrer"),
        HTTPField(name: HTTPField.Name("Permissions-Policy")!, value: "geolocation=(), microphone=()"),
    ]

    /// Adds ``production`` to `fields`, leaving any of them a handler has already set.
    public static func apply(to fields: inout HTTPFields) {
        for field in production where fields[field.name] == nil { fields.append(field) }
    }
}

/// Cross-origin access for the origins of `HOSTS` (security.md: CORS only for the origins in `HOSTS`;
/// the Fetch standard's CORS protocol).
///
/// `HOSTS` is a comma-separated list; each entry is one of
/// - a full origin, `https://app.example.org` or `http://localhost:3000`: that scheme, host and port only
///   (the default port may be written or not);
/// - a host name or address, `localhost`, `127.0.0.1`, `[::1]`: `http` and `https` on any port, or with
///   `:port` on that port only;
/// - a domain with a leading dot, `.example.org`: that domain and its subdomains, `http` and `https`, any port
///   (Django's `ALLOWED_HOSTS` meaning);
/// - `*`: any origin (echoed, never the wildcard, so that `Authorization` may be sent).
///
/// Tokens travel in `Authorization`, not in cookies, so credentials are not allowed.
public struct CORSPolicy: Sendable, Hashable {
    enum Rule: Sendable, Hashable {
        case any
        case origin(WebOrigin)
        case host(String, port: Int?)
        case domain(String)
    }

    let rules: [Rule]

    /// Methods a preflight allows.
    public static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    /// Request headers a preflight allows: the bearer token, the body's type, FHIR's conditional and
    /// preference headers.
    public static let allowedHeaders =
        "Authorization, Content-Type, Accept, If-Match, If-None-Match, If-None-Exist, If-Modified-Since, Prefer"
    /// Response headers a script may read: where a created resource is, its version, when to retry.
    public static let exposedHeaders = "Location, Content-Location, ETag, Last-Modified, Retry-After"
    /// How long a browser may cache a preflight answer (seconds; browsers cap it at 2 hours or less).
    public static let maxAge = 7200

    /// The policy for a `HOSTS` value; throws, naming `HOSTS`, when an entry is neither an origin nor a host.
    public init(hosts: String) throws(CORSConfigurationError) {
        var rules: [Rule] = []
        for entry in hosts.split(separator: ",").map({ String($0).trimmed }) where !entry.isEmpty {
            guard let rule = Self.rule(entry) else { throw CORSConfigurationError(entry: entry) }
            rules.append(rule)
        }
        self.rules = rules
    }

    static func rule(_ entry: String) -> Rule? {
        if entry == "*" { return .any }
        if entry.contains("://") {
            return WebOrigin(entry.hasSuffix("/") ? String(entry.dropLast()) : entry).map(Rule.origin)
        }
        if entry.hasPrefix(".") {
            let domain = String(entry.dropFirst()).lowercased()
            return WebOrigin.isHostName(domain) ? .domain(domain) : nil
        }
        return WebOrigin.hostAndPort(Substring(entry)).map { .host($0.host, port: $0.port) }
    }

    /// Whether a request from `origin` (the `Origin` header's value) may read the answer.
    public func allows(origin: String) -> Bool {
        guard let parsed = WebOrigin(origin) else { return false }
        return rules.contains { rule in
            switch rule {
            case .any: true
            case .origin(let allowed): allowed == parsed
            case .host(let host, let port):
                parsed.isWeb && parsed.host == host && (port == nil || port == parsed.effectivePort)
            case .domain(let domain):
                parsed.isWeb && (parsed.host == domain || parsed.host.hasSuffix("." + domain))
            }
        }
    }

    /// The CORS headers for a request from `origin`, or nil when the origin is not allowed (then the answer
    /// carries no CORS header and the browser keeps it from the script). A preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) also gets the allowed methods and headers and their lifetime.
    ///
    /// Answers to cross-origin requests should carry `Vary: Origin` whatever this returns, so that a cache
    /// does not serve one origin's answer to another.
    public func headers(origin: String, preflight: Bool) -> [HTTPField]? {
        guard allows(origin: origin) else { return nil }
        var fields = [
            HTTPField(name: .accessControlAllowOrigin, value: origin),
            HTTPField(name: .vary, value: "Origin"),
        ]
        if preflight {
            fields.append(HTTPField(name: .accessControlAllowMethods, value: Self.allowedMethods))
            fields.append(HTTPField(name: .accessControlAllowHeaders, value: Self.allowedHeaders))
            fields.append(HTTPField(name: .accessControlMaxAge, value: String(Self.maxAge)))
        } else {
            fields.append(HTTPField(name: .accessControlExposeHeaders, value: Self.exposedHeaders))
        }
        return fields
    }

    /// ``headers(origin:preflight:)`` for `request`: nil without an `Origin` header or for an origin not allowed.
    public func headers(for request: HTTPRequest) -> [HTTPField]? {
        guard let origin = request.headerFields[.origin] else { return nil }
        return headers(origin: origin, preflight: Self.isPreflight(request))
    }

    /// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    public static func isPreflight(_ request: HTTPRequest) -> Bool {
        request.method == .options && request.headerFields[.origin] != nil
            && request.headerFields[.accessControlRequestMethod] != nil
    }
}

/// `HOSTS` holds an entry that is neither an origin nor a host name.
public struct CORSConfigurationError: Error, Hashable, CustomStringConvertible {
    public var entry: String
    public var description: String {
        "invalid setting HOSTS: \"\(entry)\" is neither an origin (https://host[:port]) nor a host name"
    }
}

/// A serialised origin (RFC 6454 §6.2): scheme, host, port; scheme and host in lower case, the scheme's
/// default port left out.
struct WebOrigin: Sendable, Hashable {
    var scheme: String
    var host: String
    var port: Int?

    init?(_ text: String) {
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
            let (host, port) = Self.hostAndPort(text[separator.upperBound...])
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port == Self.defaultPort(scheme) ? nil : port
    }

    /// `host[:port]` with the host in lower case; nil for anything else (paths, user information, bad ports).
    static func hostAndPort(_ text: Substring) -> (host: String, port: Int?)? {
        var rest = text
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            let digits = rest[rest.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(digits), (1...65535).contains(value)
            else { return nil }
            port = value
            rest = rest[..<colon]
        }
        let host = rest.lowercased()
        guard isHostName(host) || isIPv6Literal(host) else { return nil }
        return (host, port)
    }

    var isWeb: Bool { scheme == "http" || scheme == "https" }

    var effectivePort: Int? { port ?? Self.defaultPort(scheme) }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    /// Letters, digits, `-` and `.` in non-empty labels (names and IPv4 addresses).
    static func isHostName(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// `[` hex digits, colons and dots `]`.
    static func isIPv6Literal(_ host: String) -> Bool {
        guard host.count > 2, host.first == "[", host.last == "]" else { return false }
        return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
