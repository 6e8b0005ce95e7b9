import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

@Suite struct CoverageTests {
    typealias IDs = DemoDataset.UUIDs

    func get(_ uri: String) async throws -> JSON {
        let (app, _) = try await makeTestApplication()
        return try await app.test(.router) { client in
            try await client.fhir(uri: uri, method: .get) { response in
                #expect(response.status == .ok, "\(uri)")
                return fhirBody(response)
            }
        }
    }

    @Test func theDoePolicyReadsAsTheIGCoverage() async throws {
        let coverage = try await get("/fhir/Coverage/\(IDs.doePolicy)")
        #expect(coverage["status"]?.string == "active")
        #expect(coverage["period"]?["start"]?.string == "2021-07-01")
        #expect(coverage["period"]?["end"]?.string == "2022-06-30")
        #expect(coverage["class"]?.array?.first?["value"]?.string == "RX01")
        #expect(coverage["policyHolder"]?["reference"]?.string == "Patient/\(IDs.janeDoe)")
        #expect(coverage["extension"]?.array?.count == 2)
    }

    @Test(arguments: [
        "beneficiary=Patient/\(DemoDataset.UUIDs.johnDoe)", "patient=\(DemoDataset.johnDoeCHFID)",
        "policy-holder=Patient/\(DemoDataset.UUIDs.janeDoe)", "payor=\(DemoDataset.janeDoeCHFID)", "status=active",
        "identifier=\(DemoDataset.UUIDs.doePolicy)",
    ])
    func searchesFindTheDoePolicy(_ query: String) async throws {
        #expect(entryIDs(try await get("/fhir/Coverage?\(query)")).contains(IDs.doePolicy))
    }

    @Test(arguments: ["status=draft", "policy-holder=Patient/\(DemoDataset.UUIDs.johnDoe)", "status:not=active"])
    func searchesThatMustNotFindIt(_ query: String) async throws {
        #expect(!entryIDs(try await get("/fhir/Coverage?\(query)")).contains(IDs.doePolicy))
    }
}
