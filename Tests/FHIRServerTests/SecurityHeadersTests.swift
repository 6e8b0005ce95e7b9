import HTTPTypes
import Testing

@testable import FHIRServer

/// The PROD response headers and CORS for `HOSTS` (security.md, Input and transport).
@Suite struct SecurityHeadersTests {
    @Test func productionHeadersAreThoseOfTheSecurityRules() {
        let fields = SecurityHeaders.production.map { [$0.name.rawName, $0.value] }
        #expect(
            fields == [
                ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
                ["Content-Security-Policy", "default-src 'self'"],
                ["X-Frame-Options", "DENY"],
                ["X-Content-Type-Options", "nosniff"],
                ["Referrer-Policy", "no-referrer"],
                ["Permissions-Policy", "geolocation=(), microphone=()"],
            ])
    }

    @Test func applyingThemKeepsWhatAHandlerSet() {
        var fields: HTTPFields = [.contentSecurityPolicy: "default-src 'none'", .contentType: "application/pdf"]
        SecurityHeaders.apply(to: &fields)
        #expect(fields[values: .contentSecurityPolicy] == ["default-src 'none'"])
        #expect(fields[.xContentTypeOptions] == "nosniff")
        #expect(fields[HTTPField.Name("X-Frame-Options")!] == "DENY")
        #expect(fields.count == 7)
    }

    @Test(arguments: [
        ("localhost", "http://localhost:3000", true),
        ("localhost", "https://localhost", true),
        ("localhost", "http://LOCALHOST:8080", true),
        ("localhost", "http://localhost.evil.org", false),
        ("localhost", "http://evil.org", false),
        ("localhost", "ftp://localhost", false),
        ("localhost", "null", false),
        ("localhost", "http://localhost/", false),
        ("localhost", "http://user@localhost", false),
        ("localhost:3000", "http://localhost:3000", true),
        ("localhost:3000", "http://localhost:3001", false),
        ("localhost:80", "http://localhost", true),
        ("localhost:80", "https://localhost", false),
        ("https://app.example.org", "https://app.example.org", true),
        ("https://app.example.org/", "https://app.example.org:443", true),
        ("https://app.example.org", "http://app.example.org", false),
        ("https://app.example.org", "https://app.example.org:8443", false),
        ("https://app.example.org", "https://app.example.org.evil.com", false),
        ("https://app.example.org", "https://evil.com/?https://app.example.org", false),
        ("capacitor://localhost", "capacitor://localhost", true),
        (".example.org", "https://example.org", true),
        (".example.org", "https://a.b.example.org:444", true),
        (".example.org", "https://badexample.org", false),
        ("127.0.0.1, [::1]", "http://[::1]:8080", true),
        ("127.0.0.1, [::1]", "http://127.0.0.1:5173", true),
        ("127.0.0.1, [::1]", "http://127.0.0.2", false),
        ("*", "https://anything.test", true),
        ("*", "null", false),
        ("", "http://localhost", false),
    ])
    func originsAreAllowedAsHOSTSSays(_ hosts: String, _ origin: String, _ allowed: Bool) throws {
        let policy = try CORSPolicy(hosts: hosts)
        #expect(policy.allows(origin: origin) == allowed)
        #expect((policy.headers(origin: origin, preflight: false) != nil) == allowed)
    }

    @Test(arguments: ["https://x.org/path", "user@host", "http://", "exa mple.org", ".", "::1", "host:0", "a..b"])
    func anInvalidHOSTSEntryIsAConfigurationError(_ hosts: String) {
        #expect {
            _ = try CORSPolicy(hosts: "localhost, " + hosts)
        } throws: { error in
            "\(error)".contains("HOSTS") && "\(error)".contains(hosts)
        }
    }

    static func request(_ method: HTTPRequest.Method, _ fields: HTTPFields) -> HTTPRequest {
        HTTPRequest(
            method: method, scheme: "https", authority: "imis.example.org", path: "/fhir/Patient", headerFields: fields)
    }

    @Test func anAllowedOriginIsEchoedWithVary() throws {
        let policy = try CORSPolicy(hosts: "localhost")
        let fields = try #require(policy.headers(for: Self.request(.get, [.origin: "http://localhost:5173"])))
        #expect(
            fields.map { [$0.name.rawName, $0.value] } == [
                ["Access-Control-Allow-Origin", "http://localhost:5173"],
                ["Vary", "Origin"],
                ["Access-Control-Expose-Headers", "Location, Content-Location, ETag, Last-Modified, Retry-After"],
            ])
    }

    @Test func aPreflightGetsMethodsHeadersAndLifetime() throws {
        let policy = try CORSPolicy(hosts: "https://app.example.org")
        let preflight = Self.request(
            .options,
            [
                .origin: "https://app.example.org", .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type, if-none-exist",
            ])
        #expect(CORSPolicy.isPreflight(preflight))
        let fields = HTTPFields(try #require(policy.headers(for: preflight)))
        #expect(fields[.accessControlAllowOrigin] == "https://app.example.org")
        #expect(fields[.vary] == "Origin")
        let methods = Set((fields[.accessControlAllowMethods] ?? "").split(separator: ",").map { String($0).trimmed })
        #expect(methods.isSuperset(of: ["GET", "POST", "PUT", "DELETE", "PATCH"]))
        let headers = Set((fields[.accessControlAllowHeaders] ?? "").split(separator: ",").map { String($0).trimmed })
        #expect(headers.isSuperset(of: ["Authorization", "Content-Type", "If-Match", "If-None-Exist", "Prefer"]))
        #expect(fields[.accessControlMaxAge] == "7200")
        #expect(fields[.accessControlExposeHeaders] == nil)
    }

    @Test func noCORSHeadersWithoutAnAllowedOrigin() throws {
        let policy = try CORSPolicy(hosts: "localhost")
        #expect(policy.headers(for: Self.request(.get, [:])) == nil)
        #expect(policy.headers(for: Self.request(.get, [.origin: "https://evil.example"])) == nil)
        let plainOptions = Self.request(.options, [.origin: "http://localhost"])
        #expect(!CORSPolicy.isPreflight(plainOptions))
        let fields = try #require(policy.headers(for: plainOptions))
        #expect(!fields.contains { $0.name == .accessControlAllowMethods })
    }
}
