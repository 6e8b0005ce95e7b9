import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// What one request may cost: entries per batch or transaction (`BUNDLE_MAX_ENTRIES`), bytes per answer
/// (`RESPONSE_MAX_MB`). Past either the client gets a 413 OperationOutcome naming the limit, and nothing is lost.
@Suite("Answer limits")
struct AnswerLimitTests {
    func configuration(entries: Int = 1_000, bytes: Int = 32 << 20) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.maxBundleEntries = entries
        configuration.maxResponseBytes = bytes
        return configuration
    }

    func bundle(_ type: String, _ entries: [String]) -> ByteBuffer {
        ByteBuffer(string: #"{"resourceType":"Bundle","type":"\#(type)","entry":[\#(entries.joined(separator: ","))]}"#)
    }

    func get(_ url: String) -> String { #"{"request":{"method":"GET","url":"\#(url)"}}"# }

    func post(_ client: any TestClientProtocol, _ body: ByteBuffer) async throws -> (Int, JSON) {
        try await client.fhir(uri: "/fhir", method: .post, headers: [.contentType: "application/fhir+json"], body: body) {
            (Int($0.status.code), fhirBody($0))
        }
    }

    @Test(arguments: ["batch", "transaction"])
    func aBundleWithMoreEntriesThanTheLimitIs413(type: String) async throws {
        let (app, _) = try await makeTestApplication(configuration: configuration(entries: 5))
        try await app.test(.router) { client in
            let (atLimit, _) = try await post(client, bundle(type, Array(repeating: get("Patient?_count=1"), count: 5)))
            #expect(atLimit == 200)
            let (past, outcome) = try await post(client, bundle(type, Array(repeating: get("Patient?_count=1"), count: 6)))
            #expect(past == 413)
            #expect(issueCode(outcome) == "too-costly")
            #expect(outcome["issue"]?.array?.first?["diagnostics"]?.string?.contains("at most 5") == true)
        }
    }

    @Test func aBatchPastTheAnswerBudgetAnswersReads413AndStillRunsAndReportsItsWrites() async throws {
        let (app, backend) = try await makeTestApplication(configuration: configuration(bytes: 24_000))
        try await app.test(.router) { client in
            let search = get("Patient?_count=8")
            let write = #"{"request":{"method":"POST","url":"Patient"},"resource":\#(WriteTests().newPatient(chfid: "555000111"))}"#
            let (status, answer) = try await post(client, bundle("batch", Array(repeating: search, count: 6) + [write]))
            #expect(status == 200)
            let entries = answer["entry"]?.array ?? []
            #expect(entries.count == 7)
            let statuses = entries.map { $0["response"]?["status"]?.string ?? "" }
            #expect(statuses.first == "200 OK")
            #expect(statuses.dropLast().contains("413 Payload Too Large") || statuses.dropLast().contains("413 Content Too Large"))
            // The write ran and says where its resource is, without the resource (the budget is spent).
            #expect(statuses.last == "201 Created")
            #expect(entries.last?["response"]?["location"]?.string?.contains("/Patient/") == true)
            #expect(entries.last?["resource"] == nil)
            let stored = try await backend.store().insuree(chfid: "555000111")
            #expect(stored != nil)
        }
    }

    @Test func aTransactionWhoseReadsPassTheBudgetIs413AndWritesNothing() async throws {
        let (app, backend) = try await makeTestApplication(configuration: configuration(bytes: 24_000))
        try await app.test(.router) { client in
            let write = #"{"request":{"method":"POST","url":"Patient"},"resource":\#(WriteTests().newPatient(chfid: "555000222"))}"#
            let (status, outcome) = try await post(
                client, bundle("transaction", [write] + Array(repeating: get("Patient?_count=8"), count: 6)))
            #expect(status == 413)
            #expect(issueCode(outcome) == "too-costly")
            let stored = try await backend.store().insuree(chfid: "555000222")
            #expect(stored == nil)
        }
    }

    @Test func aSearchPastTheAnswerBudgetIs413() async throws {
        let (app, _) = try await makeTestApplication(configuration: configuration(bytes: 6_000))
        try await app.test(.router) { client in
            let small = try await client.fhir(uri: "/fhir/Patient?_count=1", method: .get) { $0.status }
            #expect(small == .ok)
            let (status, outcome) = try await client.fhir(uri: "/fhir/Patient?_count=8&_revinclude=Group:member", method: .get) {
                (Int($0.status.code), fhirBody($0))
            }
            #expect(status == 413)
            #expect(outcome["issue"]?.array?.first?["diagnostics"]?.string?.contains("_count") == true)
        }
    }

    @Test func batchAnswersAreTheSameJSONTheModelsWouldWrite() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let body = bundle("batch", [
                get("Patient/\(DemoDataset.UUIDs.johnDoe)"), get("Patient?_count=2"), get("Patient/unknown"),
                #"{"request":{"method":"HEAD","url":"Patient/\#(DemoDataset.UUIDs.johnDoe)"}}"#,
            ])
            let bytes = try await client.fhir(uri: "/fhir", method: .post, headers: [.contentType: "application/fhir+json"], body: body) {
                Array(buffer: $0.body)
            }
            // Decoded and encoded again by the models, the answer is byte for byte what the server wrote.
            let decoded = try Resource.decode(bytes)
            #expect(decoded.jsonBytes(pretty: false) == bytes)
            guard case .bundle(let answer) = decoded else { Issue.record("not a Bundle"); return }
            #expect(answer.entry?.map { $0.response?.status.value?.string ?? "" } == ["200 OK", "200 OK", "404 Not Found", "200 OK"])
            #expect(answer.entry?[0].fullUrl?.value?.string.hasSuffix("/Patient/\(DemoDataset.UUIDs.johnDoe)") == true)
            #expect(answer.entry?[0].response?.etag != nil)
            #expect(answer.entry?[2].response?.outcome != nil)
            #expect(answer.entry?[3].resource == nil)
        }
    }
}
