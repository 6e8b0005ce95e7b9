import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

@Suite("Rate limit, PROD headers and CORS through HTTP")
struct TransportSecurityTests {
    @Test func requestsOverTheRateAre429WithRetryAfter() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(rateLimit: RateLimitRate(requests: 3, seconds: 3600)))
        try await world.run { client in
            // Requests without a token are anonymous: counted per client IP at RATELIMIT_RATE.
            for _ in 0..<3 { #expect(try await client.status("/fhir/Patient", token: nil) == .unauthorized) }
            let refused = try await client.execute(uri: "/fhir/Patient", method: .get) { $0 }
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(issueCode(fhirBody(refused)) == "throttled")
            let token = try await client.execute(uri: "/auth/token", method: .post, headers: formHeaders, body: form([("grant_type", "password")])) { $0 }
            #expect(token.status == .tooManyRequests)
            #expect(try JSONParser.parse(Array(buffer: token.body))["error"] != nil)
            // Health checks are never limited.
            #expect(try await client.status("/health/live", token: nil) == .ok)
        }
    }

    @Test func productionAnswersCarryTheSecurityHeaders() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(production: true))
        try await world.run { client in
            let response = try await client.execute(uri: "/fhir/metadata", method: .get) { $0 }
            for field in SecurityHeaders.production {
                #expect(response.headers[field.name] == field.value, "\(field.name)")
            }
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            let error = try await client.execute(uri: "/auth/token", method: .post, headers: formHeaders, body: form([])) { $0 }
            #expect(error.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
        let dev = try await AuthTestWorld.make()
        try await dev.run { client in
            let response = try await client.execute(uri: "/fhir/metadata", method: .get) { $0 }
            #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
        }
    }

    @Test func corsAnswersAllowedOriginsOnly() async throws {
        let world = try await AuthTestWorld.make(configuration: ServerConfiguration(cors: try CORSPolicy(hosts: "app.example.org")))
        try await world.run { client in
            let allowed = try await client.execute(uri: "/fhir/metadata", method: .get, headers: [.origin: "https://app.example.org"]) { $0 }
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example.org")
            #expect(allowed.headers[.vary]?.contains("Origin") == true)
            let other = try await client.execute(uri: "/fhir/metadata", method: .get, headers: [.origin: "https://evil.example"]) { $0 }
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            #expect(other.headers[.vary]?.contains("Origin") == true)
            let preflight = try await client.execute(uri: "/fhir/Patient", method: .options, headers: [
                .origin: "https://app.example.org", .accessControlRequestMethod: "GET",
                .accessControlRequestHeaders: "authorization"]) { $0 }
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("GET") == true)
        }
    }
}
