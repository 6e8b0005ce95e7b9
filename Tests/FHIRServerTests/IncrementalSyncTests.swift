import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Incremental sync as openIMIS clients do it: `_lastUpdated` in openIMIS's naive `YYYY-MM-DDThh:mm:ss` form (read
/// as UTC), and `_since` (changed strictly after) on the types with history.
@Suite struct IncrementalSyncTests {
    /// The demo rows are stamped at ``demoInstant`` (2023-11-14T22:13:20Z).
    @Test func theNaiveOpenIMISFormIsReadAsUTC() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let all = try await client.allIDs("/fhir/Patient?_count=1000")
            #expect(Set(try await client.allIDs("/fhir/Patient?_lastUpdated=ge2023-11-14T22:13:20&_count=1000")) == Set(all))
            #expect(try await client.allIDs("/fhir/Patient?_lastUpdated=gt2023-11-14T22:13:20&_count=1000").isEmpty)
            #expect(try await client.allIDs("/api/api_fhir_r4/Patient/?_lastUpdated=ge2023-11-14T22:13:21").isEmpty)
        }
    }

    @Test func sinceFindsWhatChangedStrictlyAfterIt() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            #expect(try await client.allIDs("/fhir/Patient?_since=2023-11-14T22:13:20Z").isEmpty)
            #expect(try await client.allIDs("/fhir/Patient?_since=2023-11-14T22:13:20").isEmpty)
            let all = try await client.allIDs("/fhir/Patient?_count=1000")
            #expect(Set(try await client.allIDs("/fhir/Patient?_since=2023-11-14T22:13:19Z&_count=1000")) == Set(all))
            let id = DemoDataset.UUIDs.johnDoe
            let patient = try await client.getJSON("/fhir/Patient/\(id)").serialized()
            let status = try await client.fhir(
                uri: "/fhir/Patient/\(id)", method: .put, headers: [.contentType: "application/fhir+json"],
                body: ByteBuffer(string: patient.replacingFirst(#""gender":"male""#, with: #""gender":"female""#))) { $0.status }
            #expect(status == .ok)
            #expect(try await client.allIDs("/fhir/Patient?_since=2023-11-14T22:13:20Z") == [id])
            let bundle = try await client.getJSON("/fhir/Patient?_since=2023-11-14T22:13:20Z")
            let link = bundle["link"]?.array?.first { $0["relation"]?.string == "self" }?["url"]?.string
            #expect(link?.contains("_since=") == true)
        }
    }

    @Test func sinceIsRefusedWithAPrefixAndNotAppliedWhereThereIsNoHistory() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            _ = try await client.getJSON("/fhir/Patient?_since=gt2023-11-14T22:13:20Z", status: .badRequest)
            _ = try await client.getJSON("/fhir/Patient?_since=yesterday", status: .badRequest)
            // PaymentReconciliation has no history: `_since` is an unknown parameter there (400 when strict).
            try await client.execute(
                uri: "/fhir/PaymentReconciliation?_since=2023-11-14T22:13:20Z", method: .get,
                headers: [.authorization: "Bearer \(adminToken)", HTTPField.Name("Prefer")!: "handling=strict"]
            ) { #expect($0.status == .badRequest) }
        }
    }

    @Test func theCapabilityStatementDeclaresSinceAndExport() async throws {
        let metadata = try await servedJSON("/fhir/metadata")
        let rest = metadata["rest"]?.array?.first
        #expect(rest?["searchParam"]?.array?.contains { $0["name"]?.string == "_since" } == true)
        #expect(rest?["operation"]?.array?.first?["name"]?.string == "export")
        let patient = rest?["resource"]?.array?.first { $0["type"]?.string == "Patient" }
        #expect(patient?["operation"]?.array?.first?["definition"]?.string?.hasSuffix("patient-export") == true)
    }
}
