import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Membership
import PostgresNIO
import NIOCore
import Synchronization
import Testing

@testable import FHIRServer

/// Error reports: a 5xx reaches a Sentry envelope endpoint as an event with release, environment, route template and
/// request id, and nothing personal; a dead Sentry changes nothing for clients.
@Suite struct SentryTests {
    /// What a local stand-in for Sentry's envelope endpoint received.
    final class Received: Sendable {
        let envelopes = Mutex<[(auth: String, body: String)]>([])
        var all: [(auth: String, body: String)] { envelopes.withLock { $0 } }
        /// The envelopes of request errors: background work of other tests in this process (an OTP delivery
        /// failing) reports through the same process-wide handler while a test's stand-in listens.
        var ofRequests: [(auth: String, body: String)] { all.filter { $0.body.contains("\"route\"") } }
    }

    /// Serves `POST /api/42/envelope/` on a free loopback port while `body` runs.
    static func withSentryStandIn(_ received: Received, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("api/42/envelope") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            received.envelopes.withLock { $0.append((request.headers[.init("X-Sentry-Auth")!] ?? "", String(buffer: buffer))) }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"id":"1"}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    /// The server's configuration reporting to `port`.
    static func configuration(port: Int) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        let sentry = SentryConfiguration(dsn: "http://publickey@127.0.0.1:\(port)/42", environment: "test", release: "imis-fhir@9.9.9")
        #expect(sentry != nil)
        configuration.operations.sentry = sentry
        return configuration
    }

    /// Makes a row of John Doe's family unreadable for the mapping (a database the server cannot read): on SQLite his
    /// birth date, on PostgreSQL (whose date column holds only dates) his policy's member. The read that answers 500
    /// and its resource type.
    @discardableResult
    static func breakJohnDoe(_ backend: TestBackend) async throws -> (uri: String, type: String) {
        if let postgres = backend.postgres {
            for sql in [
                #"ALTER TABLE "tblInsureePolicy" ALTER COLUMN "InsureeId" DROP NOT NULL"#,
                #"UPDATE "tblInsureePolicy" SET "InsureeId" = NULL"#,
            ] {
                _ = try await postgres.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect()
            }
            return ("/fhir/Contract/\(DemoDataset.UUIDs.doePolicy)?_elements=subject", "Contract")
        } else {
            try await backend.sqlite.write { db in
                try db.execute(sql: "UPDATE tblInsuree SET DOB = 'not a date' WHERE CHFID = ?", arguments: [DemoDataset.johnDoeCHFID])
            }
            return ("/fhir/Patient/\(DemoDataset.johnDoeCHFID)?_elements=name", "Patient")
        }
    }

    @Test func aServerErrorIsReportedWithItsRouteAndRequestIdAndNoPersonalData() async throws {
        let received = Received()
        try await Self.withSentryStandIn(received) { port in
            let (app, backend) = try await makeTestApplication(configuration: try Self.configuration(port: port))
            let (uri, type) = try await Self.breakJohnDoe(backend)
            try await app.test(.router) { client in
                try await client.fhir(uri: uri, method: .get,
                                      headers: [.traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]) {
                    #expect($0.status == .internalServerError)
                }
                let waited = ContinuousClock.now
                while received.ofRequests.isEmpty, ContinuousClock.now - waited < .seconds(10) { try await Task.sleep(for: .milliseconds(50)) }
            }
            let envelope = try #require(received.ofRequests.first)
            #expect(envelope.auth.contains("sentry_key=publickey"))
            #expect(envelope.auth.contains("sentry_version=7"))
            let lines = envelope.body.split(separator: "\n").map { try? JSONParser.parse(Array($0.utf8)) }
            #expect(lines.count == 3)
            let header = try #require(lines.first ?? nil)
            let item = try #require(lines.dropFirst().first ?? nil)
            let event = try #require(lines.last ?? nil)
            #expect(header["event_id"]?.string == event["event_id"]?.string)
            #expect(item["type"]?.string == "event")
            #expect(event["release"]?.string == "imis-fhir@9.9.9")
            #expect(event["environment"]?.string == "test")
            #expect(event["level"]?.string == "error")
            #expect(event["transaction"]?.string == "GET /fhir/{type}/{id}")
            #expect(event["tags"]?["route"]?.string == "/fhir/{type}/{id}")
            #expect(event["tags"]?["status"]?.string == "500")
            #expect(event["tags"]?["resource_type"]?.string == type)
            #expect(event["tags"]?["request_id"]?.string?.isEmpty == false)
            #expect(event["contexts"]?["trace"]?["trace_id"]?.string == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(event["user"] == nil && event["request"] == nil)
            // Nothing of the insuree, the request or the caller.
            for word in [DemoDataset.johnDoeCHFID, DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.doePolicy, "John", "Doe",
                         "_elements", adminToken, "Bearer"] {
                #expect(!envelope.body.contains(word), "the report holds \(word)")
            }
        }
    }

    @Test func aDeadSentryNeitherDelaysNorFailsAnswers() async throws {
        // A port nothing listens on (the stand-in was stopped).
        let closed = Mutex(0)
        try await Self.withSentryStandIn(Received()) { port in closed.withLock { $0 = port } }
        let (app, backend) = try await makeTestApplication(configuration: try Self.configuration(port: closed.withLock { $0 }))
        let (uri, _) = try await Self.breakJohnDoe(backend)
        try await app.test(.router) { client in
            for _ in 0..<20 {
                let started = ContinuousClock.now
                try await client.fhir(uri: uri, method: .get) {
                    #expect($0.status == .internalServerError)
                }
                #expect(ContinuousClock.now - started < .seconds(2))
            }
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.janeDoeCHFID)", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aDSNIsParsedIntoTheEnvelopeURL() throws {
        let sentry = try #require(SentryConfiguration(dsn: "https://abc123@o1.ingest.sentry.io/4507", environment: "p", release: "r"))
        #expect(sentry.envelopeURL.absoluteString == "https://o1.ingest.sentry.io/api/4507/envelope/")
        #expect(sentry.publicKey == "abc123")
        let prefixed = try #require(SentryConfiguration(dsn: "http://k@localhost:9000/sentry/7", environment: "p", release: "r"))
        #expect(prefixed.envelopeURL.absoluteString == "http://localhost:9000/sentry/api/7/envelope/")
        for bad in ["", "not a url", "https://o1.ingest.sentry.io/4507", "https://k@host/", "ftp://k@host/1", "https://k@host/x"] {
            #expect(SentryConfiguration(dsn: bad, environment: "p", release: "r") == nil, "\(bad)")
        }
    }
}
