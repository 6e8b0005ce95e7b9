import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import FHIRServer

/// Whose budget a request spends (security.md, Input and transport): credential routes and requests without a valid
/// token per client IP at `RATELIMIT_RATE`; authenticated traffic per principal at `RATELIMIT_AUTHENTICATED_RATE`;
/// open documents per IP at the authenticated rate; health checks never. Every request of these tests comes from
/// one address. The small budgets are per hour, so that a request arriving late on a loaded machine never finds its
/// budget refilled.
@Suite("Rate limits per client IP and per principal")
struct RateLimitPolicyTests {
    static func rate(_ text: String) throws -> RateLimitRate { try RateLimitRate(parsing: text) }

    static let apiPath = "/fhir/InsurancePlan?_count=1"

    /// The token of a system client that may read everything.
    static func systemClientToken(_ world: AuthTestWorld, id: String = "payment-layer") async throws -> String {
        _ = try await world.client(id, scope: "system/*.read")
        return testToken(scope: "system/*.read", clientID: id)
    }

    /// An access token whose signature is not the server's.
    static var forgedToken: String {
        let parts = testToken().split(separator: ".")
        return "\(parts[0]).\(parts[1])." + String(repeating: "A", count: parts[2].count)
    }

    @Test func underTheDefaultRatesABurstOf500AuthenticatedRequestsFromOneAddressIsServed() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: .defaultAnonymous, authenticatedRateLimit: .defaultAuthenticated))
        try await world.run { client in
            var statuses: [HTTPResponse.Status: Int] = [:]
            for _ in 0..<500 { statuses[try await client.status(Self.apiPath, token: adminToken), default: 0] += 1 }
            #expect(statuses == [.ok: 500])
        }
    }

    @Test func twoPrincipalsFromOneAddressHaveSeparateBudgets() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("150/m"), authenticatedRateLimit: try Self.rate("3/h")))
        let other = try await Self.systemClientToken(world)
        try await world.run { client in
            for _ in 0..<3 { #expect(try await client.status(Self.apiPath, token: adminToken) == .ok) }
            let refused = try await client.execute(uri: Self.apiPath, method: .get, headers: [.authorization: "Bearer \(adminToken)"]) { $0 }
            #expect(refused.status == .tooManyRequests)
            #expect((1...1200).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0))
            #expect(issueCode(fhirBody(refused)) == "throttled")
            // The other principal behind the same address still has its whole budget.
            for _ in 0..<3 { #expect(try await client.status(Self.apiPath, token: other) == .ok) }
            #expect(try await client.status(Self.apiPath, token: other) == .tooManyRequests)
            // A new token of the first user is the same principal, with the same spent budget.
            #expect(try await client.status(Self.apiPath, token: testToken()) == .tooManyRequests)
        }
    }

    @Test func theTokenEndpointIsLimitedPerAddressAtTheStrictRateWhateverTokenComesWithIt() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("3/h"), authenticatedRateLimit: .defaultAuthenticated))
        try await world.run { client in
            let attempt = [("grant_type", "password"), ("username", "Admin"), ("password", "wrong")]
            for _ in 0..<3 { #expect(try await client.token(attempt).0 != .tooManyRequests) }
            var headers = formHeaders
            headers[.authorization] = "Bearer \(adminToken)"
            let (status, fields, json) = try await client.token(attempt, headers: headers)
            #expect(status == .tooManyRequests)
            #expect(Int(fields[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(json["error"]?.string != nil)
            // Authenticated traffic from the same address is not held to the strict budget.
            for _ in 0..<10 { #expect(try await client.status(Self.apiPath, token: adminToken) == .ok) }
        }
    }

    @Test func theCredentialRoutesShareTheAddressBudgetHoweverTheirPathIsWritten() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("4/h"), authenticatedRateLimit: .defaultAuthenticated))
        try await world.run { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(adminToken)", .contentType: "application/json"]
            let body = ByteBuffer(string: #"{"username":"Admin","password":"wrong"}"#)
            for uri in ["/api/api_fhir_r4/login/", "/api/membership/login", "/auth/otp", "/auth/revoke"] {
                let status = try await client.execute(uri: uri, method: .post, headers: bearer, body: body) { $0.status }
                #expect(status != .tooManyRequests, "\(uri)")
            }
            // A login spelt with percent-escapes reaches the login route, and is counted as one.
            for uri in ["/api/membership/%6Cogin", "/api/api_fhir_r4/%6Cogin", "/auth/introspect", "/auth/otp/resend"] {
                let response = try await client.execute(uri: uri, method: .post, headers: bearer, body: body) { $0 }
                #expect(response.status == .tooManyRequests, "\(uri)")
                #expect(response.headers[.retryAfter] != nil, "\(uri)")
            }
        }
    }

    @Test func aForgedTokenIsCountedPerAddressAtTheStrictRate() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("3/h"), authenticatedRateLimit: .defaultAuthenticated))
        try await world.run { client in
            for _ in 0..<3 { #expect(try await client.status(Self.apiPath, token: Self.forgedToken) == .unauthorized) }
            let refused = try await client.execute(uri: Self.apiPath, method: .get, headers: [.authorization: "Bearer \(Self.forgedToken)"]) { $0 }
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            // No token at all is anonymous too, on the same budget.
            #expect(try await client.status(Self.apiPath, token: nil) == .tooManyRequests)
            // A valid token spends its principal's budget, not the address's.
            #expect(try await client.status(Self.apiPath, token: adminToken) == .ok)
        }
    }

    @Test func openDocumentsAreLimitedPerAddressAtTheAuthenticatedRate() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("2/h"), authenticatedRateLimit: try Self.rate("5/h")))
        try await world.run { client in
            let documents = ["/fhir/metadata", "/fhir/.well-known/smart-configuration", "/.well-known/oauth-authorization-server",
                             "/auth/jwks.json", "/api/api_fhir_r4/metadata"]
            for uri in documents { #expect(try await client.status(uri, token: nil) == .ok, "\(uri)") }
            let refused = try await client.execute(uri: "/fhir/metadata", method: .get) { $0 }
            #expect(refused.status == .tooManyRequests)
            #expect(issueCode(fhirBody(refused)) == "throttled")
            #expect(refused.headers[.retryAfter] != nil)
            // The strict budget of the address is untouched.
            #expect(try await client.token([("grant_type", "password")]).0 != .tooManyRequests)
        }
    }

    @Test func healthChecksAreNeverLimited() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(
            rateLimit: try Self.rate("1/h"), authenticatedRateLimit: try Self.rate("1/h")))
        try await world.run { client in
            for _ in 0..<20 {
                let live = try await client.status("/health/live", token: nil)
                let ready = try await client.status("/health/ready", token: Self.forgedToken)
                #expect([live, ready] == [.ok, .ok])
            }
        }
    }

    @Test func theAuthenticatedLimitCanBeTurnedOff() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(rateLimit: try Self.rate("1/h")))
        try await world.run { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<200 { statuses.append(try await client.status(Self.apiPath, token: adminToken)) }
            #expect(statuses.allSatisfy { $0 == .ok })
            let anonymous = [try await client.status(Self.apiPath, token: nil), try await client.status(Self.apiPath, token: nil)]
            #expect(anonymous == [.unauthorized, .tooManyRequests])
        }
    }

    @Test(arguments: [
        ("/health/live", "", RequestBudget.unlimited), ("/auth/token", "", .credential), ("/auth/otp/resend", "", .credential),
        ("/auth//token/", "", .credential), ("/auth/revoke", "", .credential), ("/auth/introspect", "", .credential),
        ("/auth/jwks.json", "", .openDocument), ("/auth/dev/outbox", "", .api), ("/auth/nothing", "", .api),
        ("/api/api_fhir_r4/login/", "", .credential), ("/api/api_fhir_r4/metadata", "", .openDocument),
        ("/api/membership/register", "", .credential), ("/api/membership/validate-otp/", "", .credential),
        ("/api/membership/resend-otp", "", .credential), ("/api/membership/insuree-information", "", .api),
        // The insuree app's reference tables and national-ID lookup: the address's strict budget; its configuration
        // an open document.
        ("/api/membership/locations/", "", .credential), ("/api/membership/hospitals", "", .credential),
        ("/api/membership/nationalId/", "", .credential), ("/api/membership/config", "", .openDocument),
        ("/api/membership/check-username/", "", .credential),
        ("/membership/enrollment", "", .credential), ("/api/membership/enrollment/", "", .credential),
        ("/membership/enrollment/x/paypal/capture", "", .credential),
        ("/membership/me", "", .api), ("/fhir/metadata", "", .openDocument), ("/fhir/Patient", "", .api),
        ("/fhir/.well-known/smart-configuration", "", .openDocument), ("/.well-known/oauth-authorization-server", "", .openDocument),
        ("/api/auth/token", "api", .credential), ("/auth/token", "api", .api), ("/api/fhir/metadata", "api", .openDocument),
        ("/api/membership/login", "api", .credential), ("/api/api_fhir_r4/login", "api", .credential),
        ("/api/.well-known/oauth-authorization-server", "api", .openDocument),
    ])
    func eachRouteHasItsBudget(_ path: String, _ siteRoot: String, _ budget: RequestBudget) {
        #expect(RequestBudget.of(path: path, preflight: false, configuration: ServerConfiguration(siteRoot: siteRoot)) == budget)
    }

    @Test func aCORSPreflightIsAnOpenDocument() {
        #expect(RequestBudget.of(path: "/fhir/Patient", preflight: true, configuration: ServerConfiguration()) == .openDocument)
        #expect(RequestBudget.of(path: "/health/live", preflight: true, configuration: ServerConfiguration()) == .unlimited)
    }
}
