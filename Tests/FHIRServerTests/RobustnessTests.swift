import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Bad input always gets a 4xx OperationOutcome and never a 5xx (api.md §1 wire rules).
@Suite struct RobustnessTests {
    static let badRequests: [(HTTPRequest.Method, String, String?)] = [
        (.get, "/fhir/Patient?_count=-1", nil),
        (.get, "/fhir/Patient?_count=abc", nil),
        (.get, "/fhir/Patient?_count=99999999999999999999", nil),
        (.get, "/fhir/Patient?birthdate=garbage", nil),
        (.get, "/fhir/Patient?birthdate=2021-13-45", nil),
        (.get, "/fhir/Patient?_lastUpdated=gt20x", nil),
        (.get, "/fhir/Patient?_sort=name", nil),
        (.get, "/fhir/Patient?_total=maybe", nil),
        (.get, "/fhir/Patient?_cursor=%%%", nil),
        (.get, "/fhir/Patient?_cursor=bm90LWEtY3Vyc29y", nil),
        (.get, "/fhir/Patient?gender:missing=perhaps", nil),
        (.get, "/fhir/Patient?identifier:of-type=x", nil),
        (.get, "/fhir/Patient?general-practitioner=", nil),
        (.get, "/fhir/Patient?_include=nonsense", nil),
        (.get, "/fhir/Patient/%E2%9C%93", nil),
        (.get, "/fhir/Patient/' OR 1=1 --", nil),
        (.get, "/fhir/Patient/\(String(repeating: "x", count: 5000))", nil),
        (.get, "/fhir/Patient/123/_history/abc", nil),
        (.get, "/fhir/Patient/123/_history/-1", nil),
        (.get, "/fhir/patient", nil),
        (.get, "/fhir/Patient/_search", nil),
        (.patch, "/fhir/Patient/123", "{}"),
        (.post, "/fhir/Patient", ""),
        (.post, "/fhir/Patient", "null"),
        (.post, "/fhir/Patient", "[]"),
        (.post, "/fhir/Patient", #"{"resourceType":"Patient","id":"x","birthDate":1962}"#),
        (.post, "/fhir/Patient", String(repeating: "[", count: 5000)),
        (.post, "/fhir/Patient", #"{"resourceType":"Patient","name":[{"family":"\ud800"}]}"#),
        (.post, "/fhir/Patient/_search", "family=%ZZ"),
        (.put, "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", #"{"resourceType":"Patient"}"#),
        (.put, "/fhir/Patient/unknown-id", #"{"resourceType":"Patient","id":"unknown-id"}"#),
        (.delete, "/fhir/Patient/unknown-id", nil),
        (.post, "/fhir", #"{"resourceType":"Bundle","type":"collection"}"#),
        (.post, "/fhir", #"{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET"}}]}"#),
        (.post, "/api/api_fhir_r4/", #"{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"GET","url":"Patient"},"resource":{"resourceType":"Bundle","type":"batch"}}]}"#),
    ]

    @Test func badRequestsGetA4xxOperationOutcome() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (method, uri, body) in Self.badRequests {
                try await client.fhir(
                    uri: uri, method: method, headers: [.contentType: "application/fhir+json"],
                    body: body.map { ByteBuffer(string: $0) }
                ) { response in
                    #expect((400..<500).contains(response.status.code), "\(method) \(uri) → \(response.status)")
                    #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome", "\(method) \(uri)")
                }
            }
        }
    }

    @Test func oversizedBodyAnswers413() async throws {
        let (app, _) = try await makeTestApplication(configuration: ServerConfiguration(maxBodySize: 1_000))
        try await app.test(.router) { client in
            let big = #"{"resourceType":"Patient","text":{"status":"generated","div":"<div>"# + String(repeating: "x", count: 5_000)
                + #"</div>"}}"#
            try await client.fhir(
                uri: "/fhir/Patient", method: .post, headers: [.contentType: "application/fhir+json"], body: ByteBuffer(string: big)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
        }
    }

    @Test func pagingStaysCorrectWhileInsuring() async throws {
        let (app, database) = try await makeTestApplication()
        let store = database.store()
        let before = try await store.search(Insuree.self, RowQuery(limit: 1000)).items.map(\.record.uuid)
        try await app.test(.router) { client in
            var seen: [String] = []
            var uri: String? = "/fhir/Patient?_count=2"
            var inserted = 0
            while let current = uri {
                uri = nil
                let next = try await client.fhir(uri: current, method: .get) { response in
                    let body = fhirBody(response)
                    seen += entryIDs(body)
                    return body["link"]?.array?.first(where: { $0["relation"]?.string == "next" })?["url"]?.string
                }
                // Another client enrols someone between every two pages.
                let head = Insuree(uuid: RowUUID.make(), chfid: "77700\(inserted)", lastName: "Late", otherNames: "Comer", dob: LocalDate(year: 2000, month: 1, day: 1)!)
                _ = try await store.createFamily(Family(uuid: RowUUID.make()), head: head)
                inserted += 1
                if let next, let range = next.range(of: "/fhir/") { uri = String(next[range.lowerBound...]) }
            }
            #expect(Set(seen).count == seen.count, "a resource appeared twice")
            for id in before { #expect(seen.contains(id), "\(id) was skipped") }
        }
    }
}
