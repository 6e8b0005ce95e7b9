import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Synchronization
import Testing

@testable import FHIRServer

/// W3C Trace Context: a `traceparent` is honoured, and the request's span goes to an OTLP/HTTP collector (JSON).
@Suite struct TracingTests {
    final class Collected: Sendable {
        let bodies = Mutex<[String]>([])
        var all: [String] { bodies.withLock { $0 } }
        /// Every span of every batch received.
        var spans: [JSON] {
            all.flatMap { body -> [JSON] in
                let json = try? JSONParser.parse(Array(body.utf8))
                return (json?["resourceSpans"]?.array ?? []).flatMap { resource in
                    (resource["scopeSpans"]?.array ?? []).flatMap { $0["spans"]?.array ?? [] }
                }
            }
        }
    }

    /// Runs `requests` against an application exporting its spans to a local OTLP collector; the spans the collector
    /// received (every batch), once `expected` of them have arrived or after 10 s.
    static func collectSpans(expected: Int, _ requests: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws -> (spans: [JSON], bodies: [String])
    {
        let collected = Collected()
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 22)
            collected.bodies.withLock { $0.append(String(buffer: body)) }
            return Response(status: .ok)
        }
        let collector = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await collector.test(.live) { live in
            var configuration = ServerConfiguration()
            configuration.operations.otlpTracesEndpoint = URL(string: "http://127.0.0.1:\(try #require(live.port))/v1/traces")
            let (app, _) = try await makeTestApplication(configuration: configuration)
            try await app.test(.router) { client in
                try await requests(client)
                let waited = ContinuousClock.now
                while collected.spans.count < expected, ContinuousClock.now - waited < .seconds(10) {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        let first = try JSONParser.parse(Array(try #require(collected.all.first).utf8))
        let resource = first["resourceSpans"]?.array?.first
        #expect(resource?["resource"]?["attributes"]?.array?.contains { $0["value"]?["stringValue"]?.string == "imis-fhir" } == true)
        return (collected.spans, collected.all)
    }

    static func attribute(_ span: JSON, _ key: String) -> String? {
        let value = span["attributes"]?.array?.first { $0["key"]?.string == key }?["value"]
        return value?["stringValue"]?.string ?? value?["intValue"]?.string
    }

    @Test func aRequestSpanJoinsTheCallersTraceAndIsExportedOverOTLP() async throws {
        let (spans, bodies) = try await Self.collectSpans(expected: 1) { client in
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.johnDoeCHFID)?_elements=name", method: .get,
                                  headers: [.traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]) {
                #expect($0.status == .ok)
            }
            // Not sampled by the caller: not exported.
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.janeDoeCHFID)", method: .get,
                                  headers: [.traceparent: "00-11111111111111111111111111111111-2222222222222222-00"]) {
                #expect($0.status == .ok)
            }
        }
        let requests = spans.filter { $0["kind"]?.number == "2" }
        #expect(requests.count == 1)
        let span = try #require(requests.first)
        #expect(span["traceId"]?.string == "0af7651916cd43dd8448eb211c80319c")
        #expect(span["parentSpanId"]?.string == "b7ad6b7169203331")
        #expect(span["spanId"]?.string?.count == 16 && span["spanId"]?.string != "b7ad6b7169203331")
        #expect(span["name"]?.string == "GET /fhir/{type}/{id}")
        #expect(Self.attribute(span, "http.route") == "/fhir/{type}/{id}")
        #expect(Self.attribute(span, "http.response.status_code") == "200")
        // Every other span is a statement of that request.
        #expect(spans.allSatisfy { $0["kind"]?.number == "2" || $0["parentSpanId"]?.string == span["spanId"]?.string })
        for word in [DemoDataset.johnDoeCHFID, DemoDataset.janeDoeCHFID, "_elements", "11111111111111111111111111111111"] {
            #expect(!bodies.joined().contains(word), "the export holds \(word)")
        }
    }

    @Test func theDatabaseStatementsOfATracedRequestAreItsChildSpansByKindAndTable() async throws {
        let trace = "5a8a0b0c0d0e0f101112131415161718"
        let (spans, bodies) = try await Self.collectSpans(expected: 4) { client in
            // A search (never answered from a cache) and a write (its rows, then its commit).
            try await client.fhir(uri: "/fhir/Patient?family=Doe&_total=accurate", method: .get,
                                  headers: [.traceparent: "00-\(trace)-1111111111111111-01"]) { #expect($0.status == .ok) }
            var headers = SubscriptionTests.fhirJSON
            headers[.traceparent] = "00-\(trace)-2222222222222222-01"
            try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: headers,
                                  body: PaymentTests.noticeJSON(identifier: "TRACED-1", invoice: DemoDataset.UUIDs.doeContributionInvoice,
                                                                amount: "0.01")) { #expect($0.status == .created) }
        }
        let system = TestPostgres.isBackend ? "postgresql" : "sqlite"
        let requests = spans.filter { $0["kind"]?.number == "2" }
        let search = try #require(requests.first { $0["parentSpanId"]?.string == "1111111111111111" })
        let write = try #require(requests.first { $0["parentSpanId"]?.string == "2222222222222222" })
        func children(_ parent: JSON) -> [JSON] { spans.filter { $0["parentSpanId"]?.string == parent["spanId"]?.string } }
        for (request, statements) in [(search, children(search)), (write, children(write))] {
            #expect(!statements.isEmpty)
            for statement in statements {
                #expect(statement["kind"]?.number == "3")
                #expect(statement["traceId"]?.string == trace)
                #expect(statement["spanId"]?.string?.count == 16)
                #expect(Self.attribute(statement, "db.system.name") == system)
                let operation = try #require(Self.attribute(statement, "db.operation.name"))
                let table = Self.attribute(statement, "db.collection.name")
                #expect(statement["name"]?.string == ([operation] + (table.map { [$0] } ?? [])).joined(separator: " "))
                // Inside the request's span.
                let start = UInt64(statement["startTimeUnixNano"]?.string ?? "") ?? 0
                let end = UInt64(statement["endTimeUnixNano"]?.string ?? "") ?? 0
                #expect(start <= end)
                #expect(start >= (UInt64(request["startTimeUnixNano"]?.string ?? "") ?? .max))
                #expect(end <= (UInt64(request["endTimeUnixNano"]?.string ?? "") ?? 0))
            }
        }
        let searched = children(search).map { $0["name"]?.string ?? "" }
        #expect(searched.contains { $0.hasPrefix("SELECT ") }, "\(searched)")
        let written = children(write).map { $0["name"]?.string ?? "" }
        #expect(written.contains("INSERT tblPremium"), "\(written)")
        #expect(written.contains("COMMIT"), "\(written)")
        // The kind and the table only: no SQL text, no values.
        for word in ["TRACED-1", "Doe", "WHERE", "VALUES", "?", "$1"] {
            #expect(!bodies.joined().contains(word), "the export holds \(word)")
        }
    }

    @Test func aStatementIsNamedByItsKindAndTheTableItNamesFirst() {
        let cases: [(String, String, String?)] = [
            ("SELECT a FROM tblInsuree WHERE CHFID = ?", "SELECT", "tblInsuree"),
            ("select * from \"tblInsuree\" i join \"tblFamilies\" f on true", "SELECT", "tblInsuree"),
            ("SELECT x FROM public.\"tblPolicy\"", "SELECT", "tblPolicy"),
            ("INSERT INTO \"tblPremium\" (\"PolicyID\") VALUES ($1)", "INSERT", "tblPremium"),
            ("INSERT OR REPLACE INTO fhir_identifier(a) VALUES (?)", "INSERT", "fhir_identifier"),
            ("UPDATE tblPolicy SET PolicyStatus = 2", "UPDATE", "tblPolicy"),
            ("DELETE FROM imisfhir_token WHERE id = ?", "DELETE", "imisfhir_token"),
            ("WITH m AS (SELECT id FROM tblClaim) UPDATE tblClaim SET x = 1", "UPDATE", "tblClaim"),
            ("WITH RECURSIVE t(n) AS (SELECT 1) SELECT n FROM t", "SELECT", "t"),
            ("SELECT 1", "SELECT", nil), ("COMMIT", "COMMIT", nil), ("PRAGMA table_info(tblInsuree)", "PRAGMA", nil),
            ("SELECT * FROM (SELECT 1)", "SELECT", nil), ("", "OTHER", nil),
        ]
        for (sql, operation, table) in cases {
            let described = StatementSpans.describe(sql)
            #expect(described.operation == operation && described.collection == table, "\(sql)")
        }
    }

    @Test func traceparentHeadersAreParsedAsTheSpecificationSays() {
        let parsed = TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(parsed?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && parsed?.spanID == "00f067aa0ba902b7" && parsed?.sampled == true)
        #expect(TraceParent(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future")?.sampled == false)
        for bad in ["", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"] {
            #expect(TraceParent(header: bad) == nil, "\(bad)")
        }
        let child = TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?.child()
        #expect(child?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && child?.spanID != "00f067aa0ba902b7")
        #expect(child?.header.hasSuffix("-01") == true)
    }
}
