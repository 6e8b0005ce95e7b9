import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// `/metrics`: the series an operator needs, in Prometheus text a real parser reads, labelled by route templates and
/// bounded sets only; readable as `METRICS_TOKEN`, `METRICS_ALLOW` and the mode say.
@Suite struct MetricsTests {
    static let chfid = DemoDataset.johnDoeCHFID

    /// Every route template the route table can produce under `configuration`, and `unmatched`.
    static func templates(_ configuration: ServerConfiguration) -> Set<String> {
        var all: Set<String> = ["unmatched"]
        for (mount, base) in RouteTable.bases(configuration) {
            for row in RouteTable.table where mount.serves(row) {
                let lookup = RouteLookup(outcome: .notFound, mount: mount, basePath: base, dialect: .outcome,
                                         segments: [], row: row)
                var found = lookup
                found.outcome = .methodNotAllowed([])
                all.insert(found.metricsLabels(providers: [:]).route)
            }
        }
        return all
    }

    func scrape(_ client: any TestClientProtocol, headers: HTTPFields = [:]) async throws -> [PrometheusSample] {
        let text = try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return String(buffer: response.body)
        }
        return try await parsePrometheus(text)
    }

    @Test func trafficShowsUpByRouteTemplateAndNoLabelHoldsAnIdACHFIDOrAQueryValue() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let before = try await scrape(client)
            for uri in ["/fhir/Patient/\(Self.chfid)", "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)",
                        "/fhir/Patient/\(Self.chfid)", "/fhir/Patient?identifier=\(Self.chfid)&family=Doe",
                        "/api/api_fhir_r4/Patient/\(Self.chfid)/", "/fhir/Patient/\(Self.chfid)/_history/1",
                        "/fhir/Secret\(Self.chfid)/x", "/nowhere/\(Self.chfid)?name=Doe"] {
                try await client.fhir(uri: uri, method: .get) { _ in }
            }
            _ = try await client.token([("grant_type", "password"), ("username", "jdoe"), ("password", "JohnDoe-123")])
            _ = try await client.token([("grant_type", "password"), ("username", "jdoe"), ("password", "wrong")])
            _ = try await client.token([("grant_type", "chfid-\(Self.chfid)")])
            let otpID = try await client.execute(
                uri: "/auth/otp", method: .post, headers: formHeaders, body: form([("purpose", "login"), ("username", "jdoe")])
            ) { response in
                #expect(response.status == .accepted)
                return try JSONParser.parse(Array(buffer: response.body))["otp_id"]?.string ?? ""
            }
            _ = try await client.token([("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", "000000")])

            let samples = try await scrape(client)
            let delta = { (name: String, labels: [String: String]) in samples.total(name, labels) - before.total(name, labels) }
            #expect(delta("imisfhir_http_requests_total",
                          ["route": "/fhir/{type}/{id}", "type": "Patient", "method": "GET", "status": "200"]) == 3)
            #expect(delta("imisfhir_http_requests_total", ["route": "/api/api_fhir_r4/{type}/{id}", "type": "Patient"]) == 1)
            #expect(delta("imisfhir_http_requests_total", ["route": "/fhir/{type}", "type": "Patient"]) == 1)
            #expect(delta("imisfhir_http_requests_total", ["route": "/fhir/{type}/{id}/_history/{vid}"]) == 1)
            #expect(delta("imisfhir_http_requests_total", ["route": "/fhir/{type}/{id}", "type": "unknown", "status": "404"]) == 1)
            #expect(delta("imisfhir_http_requests_total", ["route": "unmatched", "status": "404"]) == 1)
            // Three reads of John Doe and one of a type the server does not serve.
            #expect(delta("imisfhir_http_request_duration_seconds_count", ["route": "/fhir/{type}/{id}", "method": "GET"]) == 4)
            #expect(!samples.matching("imisfhir_http_request_duration_seconds_bucket", ["le": "0.1"]).isEmpty)
            #expect(samples.matching("imisfhir_http_requests_in_flight").first?.value == 1, "the scrape itself")
            #expect(delta("imisfhir_token_grants_total", ["grant_type": "password"]) == 1)
            #expect(delta("imisfhir_token_failures_total", ["grant_type": "password"]) == 1)
            #expect(delta("imisfhir_token_failures_total", ["grant_type": "other"]) == 1)
            #expect(delta("imisfhir_otp_challenges_total", ["event": "started"]) >= 1)
            #expect(delta("imisfhir_otp_challenges_total", ["event": "failed"]) >= 1)
            for event in ["verified", "locked"] { #expect(!samples.matching("imisfhir_otp_challenges_total", ["event": event]).isEmpty) }
            let engine = TestPostgres.isBackend ? "postgresql" : "sqlite"
            #expect(delta("imisfhir_db_connection_wait_seconds_count", ["engine": engine]) > 0)
            #expect(!samples.matching("imisfhir_db_connections_in_use", ["engine": engine]).isEmpty)
            if !TestPostgres.isBackend {
                // The embedded database keeps a render cache: the second read of John Doe was a hit.
                #expect(samples.total("imisfhir_render_cache_hits_total") >= 1)
                #expect(samples.total("imisfhir_render_cache_misses_total") >= 1)
                #expect(samples.total("imisfhir_render_cache_bytes") > 0)
                #expect(!samples.matching("imisfhir_render_cache_invalidations_total").isEmpty)
            }
            #expect(samples.total("process_resident_memory_bytes") > 1_000_000)
            #expect(samples.total("process_open_fds") > 0)
            #expect(samples.total("imisfhir_uptime_seconds") > 0)

            // Labels are templates and bounded values, never what the request carried.
            let templates = Self.templates(ServerConfiguration())
            let forbidden = [Self.chfid, DemoDataset.UUIDs.johnDoe, "Doe", "jdoe", "identifier", "?", "=", "Secret", "nowhere", "000000"]
            for sample in samples {
                if let route = sample.labels["route"] { #expect(templates.contains(route), "\(sample.name) route \(route)") }
                for (name, value) in sample.labels {
                    for word in forbidden { #expect(!value.contains(word), "\(sample.name) \(name)=\(value)") }
                }
            }
        }
    }

    @Test func rateLimitRefusalsAreCountedByBudget() async throws {
        var configuration = ServerConfiguration()
        configuration.rateLimit = try RateLimitRate(parsing: "2/m")
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            let before = try await scrape(client).total("imisfhir_rate_limit_refusals_total", ["budget": "credential"])
            var refused = 0
            for _ in 0..<4 {
                let (status, _, _) = try await client.token([("grant_type", "password"), ("username", "x"), ("password", "y")])
                if status == .tooManyRequests { refused += 1 }
            }
            #expect(refused >= 1)
            let after = try await scrape(client).total("imisfhir_rate_limit_refusals_total", ["budget": "credential"])
            #expect(after - before == Double(refused))
        }
    }

    @Test func inProductionWithoutASettingOnlyLoopbackMayRead() async throws {
        var configuration = ServerConfiguration(production: true)
        #expect(Operations(production: true).metricsRefusal(headers: [:], clientIP: "127.0.0.1") == nil)
        #expect(Operations(production: true).metricsRefusal(headers: [:], clientIP: "::1") == nil)
        #expect(Operations(production: true).metricsRefusal(headers: [:], clientIP: "10.1.2.3")?.status == .forbidden)
        #expect(Operations(production: false).metricsRefusal(headers: [:], clientIP: "10.1.2.3") == nil)
        // Through the application: the test client has no peer address, so it is not loopback.
        configuration.operations = OperationsConfiguration()
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .forbidden) }
        }
    }

    @Test func aTokenOrAnAllowedAddressOpensTheMetrics() async throws {
        var operations = OperationsConfiguration()
        operations.metricsToken = "scrape-secret-0123456789"
        operations.metricsAllow = [try #require(AddressRange("10.0.0.0/8")), try #require(AddressRange("fd00::1"))]
        let guarded = Operations(configuration: operations, production: false)
        #expect(guarded.metricsRefusal(headers: [:], clientIP: "192.168.1.1")?.status == .unauthorized)
        #expect(guarded.metricsRefusal(headers: [.authorization: "Bearer wrong"], clientIP: "192.168.1.1")?.status == .unauthorized)
        #expect(guarded.metricsRefusal(headers: [.authorization: "Bearer scrape-secret-0123456789"], clientIP: "192.168.1.1") == nil)
        #expect(guarded.metricsRefusal(headers: [:], clientIP: "10.20.30.40") == nil)
        #expect(guarded.metricsRefusal(headers: [:], clientIP: "::ffff:10.20.30.40") == nil)
        #expect(guarded.metricsRefusal(headers: [:], clientIP: "fd00::1") == nil)
        #expect(guarded.metricsRefusal(headers: [:], clientIP: "11.0.0.1")?.status == .unauthorized)
        var configuration = ServerConfiguration()
        configuration.operations = operations
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            _ = try await scrape(client, headers: [.authorization: "Bearer scrape-secret-0123456789"])
        }
    }

    @Test func allowListEntriesAreAddressesOrIPv4Ranges() {
        for good in ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "fd00::1"] { #expect(AddressRange(good) != nil, "\(good)") }
        for bad in ["", "10.0.0", "10.0.0.256", "10.0.0.0/33", "host.example", "10.0.0.0/x", "1.2.3.4/8/9"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
    }
}
