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
    }

    @Test func aRequestSpanJoinsTheCallersTraceAndIsExportedOverOTLP() async throws {
        let collected = Collected()
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            collected.bodies.withLock { $0.append(String(buffer: body)) }
            return Response(status: .ok)
        }
        let collector = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await collector.test(.live) { live in
            var configuration = ServerConfiguration()
            configuration.operations.otlpTracesEndpoint = URL(string: "http://127.0.0.1:\(try #require(live.port))/v1/traces")
            let (app, _) = try await makeTestApplication(configuration: configuration)
            try await app.test(.router) { client in
                try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.johnDoeCHFID)?_elements=name", method: .get,
                                      headers: [.traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]) {
                    #expect($0.status == .ok)
                }
                // Not sampled by the caller: not exported.
                try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.janeDoeCHFID)", method: .get,
                                      headers: [.traceparent: "00-11111111111111111111111111111111-2222222222222222-00"]) {
                    #expect($0.status == .ok)
                }
                let waited = ContinuousClock.now
                while collected.all.isEmpty, ContinuousClock.now - waited < .seconds(10) { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
        let body = try #require(collected.all.first)
        let json = try JSONParser.parse(Array(body.utf8))
        let resource = json["resourceSpans"]?.array?.first
        #expect(resource?["resource"]?["attributes"]?.array?.contains { $0["value"]?["stringValue"]?.string == "imis-fhir" } == true)
        let spans = resource?["scopeSpans"]?.array?.first?["spans"]?.array ?? []
        #expect(spans.count == 1)
        let span = try #require(spans.first)
        #expect(span["traceId"]?.string == "0af7651916cd43dd8448eb211c80319c")
        #expect(span["parentSpanId"]?.string == "b7ad6b7169203331")
        #expect(span["spanId"]?.string?.count == 16 && span["spanId"]?.string != "b7ad6b7169203331")
        #expect(span["name"]?.string == "GET /fhir/{type}/{id}")
        #expect(span["kind"]?.number == "2")
        let attributes = span["attributes"]?.array ?? []
        #expect(attributes.contains { $0["key"]?.string == "http.route" && $0["value"]?["stringValue"]?.string == "/fhir/{type}/{id}" })
        #expect(attributes.contains { $0["key"]?.string == "http.response.status_code" && $0["value"]?["intValue"]?.string == "200" })
        for word in [DemoDataset.johnDoeCHFID, DemoDataset.janeDoeCHFID, "_elements", "11111111111111111111111111111111"] {
            #expect(!collected.all.joined().contains(word), "the export holds \(word)")
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
