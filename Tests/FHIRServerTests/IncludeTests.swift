import FHIRModels
import HTTPTypes
import Foundation
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

@Suite struct IncludeTests {
    func search(_ uri: String, status: HTTPResponse.Status = .ok) async throws -> JSON {
        let (app, _) = try await makeTestApplication()
        return try await app.test(.router) { client in
            try await client.fhir(uri: uri, method: .get) { response in
                #expect(response.status == status, "\(uri)")
                return fhirBody(response)
            }
        }
    }

    func entries(_ bundle: JSON, mode: String) -> [String] {
        (bundle["entry"]?.array ?? []).filter { $0["search"]?["mode"]?.string == mode }
            .compactMap { entry in
                guard let type = entry["resource"]?["resourceType"]?.string, let id = entry["resource"]?["id"]?.string else { return nil }
                return "\(type)/\(id)"
            }
    }

    @Test func includeFollowsTheFamilyReferenceOnce() async throws {
        let bundle = try await search("/fhir/Patient?family=Doe&_include=Patient:group")
        #expect(Set(entries(bundle, mode: "match")) == ["Patient/\(DemoDataset.UUIDs.johnDoe)", "Patient/\(DemoDataset.UUIDs.janeDoe)"])
        #expect(entries(bundle, mode: "include") == ["Group/\(DemoDataset.UUIDs.doeFamily)"])
    }

    @Test func revincludeAddsTheGroupsThatListTheMatches() async throws {
        let bundle = try await search("/fhir/Patient?identifier=\(DemoDataset.johnDoeCHFID)&_revinclude=Group:member")
        #expect(entries(bundle, mode: "include") == ["Group/\(DemoDataset.UUIDs.doeFamily)"])
    }

    @Test func unsupportedIncludeIsRejected() async throws {
        let bundle = try await search("/fhir/Patient?family=Doe&_include=Patient:name", status: .badRequest)
        #expect(bundle["resourceType"]?.string == "OperationOutcome")
    }

    @Test func elementsKeepsTheListedElementsAndMarksTheSubset() async throws {
        let bundle = try await search("/fhir/Patient?identifier=\(DemoDataset.johnDoeCHFID)&_elements=name,birthDate")
        let patient = try #require(bundle["entry"]?.array?.first?["resource"])
        guard case .object(let members) = patient else { return }
        #expect(Set(members.map(\.key)) == ["resourceType", "id", "meta", "name", "birthDate"])
        #expect(patient["meta"]?["tag"]?.array?.first?["code"]?.string == "SUBSETTED")
    }
}
