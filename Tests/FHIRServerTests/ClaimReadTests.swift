import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Claim001 of the demo world reads as the IG's Claim001 and its ClaimResponse.
@Suite struct ClaimReadTests {
    typealias IDs = DemoDataset.UUIDs

    func number(_ json: JSON?) -> Decimal? { json?.number.flatMap { Decimal(string: $0) } }

    @Test func claim001MatchesTheIGExample() async throws {
        let ig = try JSONParser.parse(Array(try Data(contentsOf: IGExampleWorldTests.fixturesURL.appendingPathComponent("Claim-Claim001.json"))))
        let claim = try await servedJSON("/fhir/Claim/\(DemoDataset.claim001Code)")
        #expect(claim["id"]?.string == IDs.claim001)
        #expect(claim["type"]?["coding"]?.array?.first?["code"] == ig["type"]?["coding"]?.array?.first?["code"])
        #expect(number(claim["total"]?["value"]) == number(ig["total"]?["value"]))
        #expect(claim["diagnosis"]?.array?.first?["diagnosisCodeableConcept"]?["coding"]?.array?.first?["code"]?.string == "G44")
        let items = claim["item"]?.array ?? []
        let igItems = ig["item"]?.array ?? []
        #expect(items.count == igItems.count)
        for (mine, theirs) in zip(items, igItems) {
            #expect(mine["productOrService"]?["text"] == theirs["productOrService"]?["text"])
            #expect(mine["category"]?["coding"]?.array?.first?["code"] == theirs["category"]?["coding"]?.array?.first?["code"])
            #expect(number(mine["quantity"]?["value"]) == number(theirs["quantity"]?["value"]))
            #expect(number(mine["unitPrice"]?["value"]) == number(theirs["unitPrice"]?["value"]))
        }
        #expect(claim["insurance"]?.array?.first?["coverage"]?["reference"]?.string == "Coverage/\(IDs.doePolicy)")
    }

    @Test func claimResponse001MatchesTheIGExample() async throws {
        let ig = try JSONParser.parse(Array(try Data(contentsOf: IGExampleWorldTests.fixturesURL.appendingPathComponent("ClaimResponse-Claim001.json"))))
        let response = try await servedJSON("/fhir/ClaimResponse/\(IDs.claim001)")
        #expect(response["outcome"] == ig["outcome"])
        #expect(response["request"]?["reference"]?.string == "Claim/\(IDs.claim001)")
        #expect(response["insurer"]?["reference"]?.string == "Organization/openIMIS-Implementation")
        let items = response["item"]?.array ?? []
        let igItems = ig["item"]?.array ?? []
        #expect(items.count == igItems.count)
        for (mine, theirs) in zip(items, igItems) {
            let a = mine["adjudication"]?.array?.first
            let b = theirs["adjudication"]?.array?.first
            #expect(a?["category"]?["coding"]?.array?.first?["code"] == b?["category"]?["coding"]?.array?.first?["code"])
            #expect(a?["reason"]?["coding"]?.array?.first?["code"] == b?["reason"]?["coding"]?.array?.first?["code"])
            #expect(number(a?["amount"]?["value"]) == number(b?["amount"]?["value"]))
            #expect(number(a?["value"]) == number(b?["value"]))
        }
        #expect(number(response["total"]?.array?.first?["amount"]?["value"]) == number(ig["total"]?.array?.first?["amount"]?["value"]))
    }

    @Test(arguments: [
        "/fhir/Claim?patient=\(DemoDataset.johnDoeCHFID)", "/fhir/Claim?provider=RAHOS001", "/fhir/Claim?created=2021-09-16",
        "/fhir/Claim?status=active&use=claim", "/fhir/ClaimResponse?request=Claim/\(DemoDataset.UUIDs.claim001)",
        "/fhir/ClaimResponse?outcome=partial", "/fhir/ClaimResponse?patient=Patient/\(DemoDataset.UUIDs.johnDoe)",
    ])
    func searchesFindClaim001(_ uri: String) async throws {
        #expect(entryIDs(try await servedJSON(uri)) == [IDs.claim001])
    }

    @Test(arguments: ["/fhir/Claim?status=cancelled", "/fhir/ClaimResponse?outcome=queued", "/fhir/Claim?created=2020"])
    func searchesThatMustNotFindIt(_ uri: String) async throws {
        #expect(entryIDs(try await servedJSON(uri)).isEmpty)
    }
}
