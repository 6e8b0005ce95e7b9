import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// POST CoverageEligibilityRequest answers a CoverageEligibilityResponse (reference §3.8).
@Suite struct EligibilityTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"

    func enquiry(patient: String, date: String, item: (String, String)? = nil) -> String {
        let items = item.map {
            #", "item": [{"category": {"coding": [{"system": "\#(Self.ig)/CodeSystem/coverage-item-category", "code": "\#($0.0)"}]}, "productOrService": {"text": "\#($0.1)"}}]"#
        } ?? ""
        return """
            {"resourceType": "CoverageEligibilityRequest", "status": "active", "purpose": ["benefits"],
             "patient": {"reference": "Patient/\(patient)"}, "servicedDate": "\(date)", "created": "\(date)",
             "insurer": {"reference": "Organization/openIMIS-Implementation"}\(items)}
            """
    }

    func post(_ body: String) async throws -> (HTTPResponse.Status, HTTPFields, JSON) {
        let (app, _) = try await makeTestApplication()
        return try await app.test(.router) { client in
            try await client.fhir(
                uri: "/fhir/CoverageEligibilityRequest", method: .post, headers: [.contentType: "application/fhir+json"],
                body: ByteBuffer(string: body)
            ) { response in (response.status, response.headers, fhirBody(response)) }
        }
    }

    @Test func anInsuredPatientGetsTheBenefitsOfItsPolicyAndTheCoverageOfTheService() async throws {
        let (status, headers, response) = try await post(enquiry(patient: DemoDataset.johnDoeCHFID, date: "2021-09-15", item: ("service", "A1")))
        #expect(status == .ok)
        #expect(headers[.location] == nil)
        #expect(response["resourceType"]?.string == "CoverageEligibilityResponse")
        #expect(response["outcome"]?.string == "complete")
        let insurance = try #require(response["insurance"]?.array?.first)
        #expect(insurance["coverage"]?["reference"]?.string == "Coverage/\(DemoDataset.UUIDs.doePolicy)")
        let items = insurance["item"]?.array ?? []
        #expect(items.first?["description"]?.string == "RX01")
        let service = items.first { $0["productOrService"]?["text"]?.string == "A1" }
        #expect(service?["excluded"] == .bool(false))
    }

    @Test func noActivePolicyOnTheDateMeansNoInsurance() async throws {
        let (status, _, response) = try await post(enquiry(patient: DemoDataset.johnDoeCHFID, date: "2024-01-01"))
        #expect(status == .ok)
        #expect(response["insurance"] == nil)
        #expect(response["disposition"]?.string?.contains("No active policy") == true)
    }

    @Test func anUnknownPatientIs422AndReadsAre405() async throws {
        let (status, _, outcome) = try await post(enquiry(patient: "000000000", date: "2021-09-15"))
        #expect(status == .unprocessableContent)
        #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "CoverageEligibilityRequest.patient")
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/CoverageEligibilityRequest/x", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }

    @Test func anEnquiryNeedsTheEligibilityRightAndIsNotOpenToInsurees() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("nemo", roles: [])
        try await world.run { client in
            func ask(_ username: String, _ password: String) async throws -> HTTPResponse.Status {
                let token = try await client.signIn(username, password: password)
                return try await client.execute(
                    uri: "/fhir/CoverageEligibilityRequest", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/fhir+json"],
                    body: ByteBuffer(string: enquiry(patient: DemoDataset.johnDoeCHFID, date: "2021-09-15", item: ("service", "A1")))
                ) { $0.status }
            }
            // The clerk holds 101201, openIMIS's eligibility right; a signed-in user without it is refused, and so is
            // an insuree, even about itself (the family compartment has no eligibility enquiries).
            let clerk = try await ask(DemoDataset.Accounts.clerk.username, DemoDataset.Accounts.clerk.password)
            let noRights = try await ask("nemo", "Secret-pass-1")
            let insuree = try await ask(DemoDataset.Accounts.johnDoe.username, DemoDataset.Accounts.johnDoe.password)
            #expect(clerk == .ok)
            #expect(noRights == .forbidden)
            #expect(insuree == .forbidden)
        }
    }
}
