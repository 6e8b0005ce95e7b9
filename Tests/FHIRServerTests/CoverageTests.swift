import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

@Suite struct CoverageTests {
    typealias IDs = DemoDataset.UUIDs

    @Test func theDoePolicyReadsAsTheIGCoverage() async throws {
        let coverage = try await servedJSON("/fhir/Coverage/\(IDs.doePolicy)")
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
        #expect(entryIDs(try await servedJSON("/fhir/Coverage?\(query)")).contains(IDs.doePolicy))
    }

    @Test(arguments: ["status=draft", "policy-holder=Patient/\(DemoDataset.UUIDs.johnDoe)", "status:not=active"])
    func searchesThatMustNotFindIt(_ query: String) async throws {
        #expect(!entryIDs(try await servedJSON("/fhir/Coverage?\(query)")).contains(IDs.doePolicy))
    }
}
