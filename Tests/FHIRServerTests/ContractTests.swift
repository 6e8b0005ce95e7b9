import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Contract: the enrolment of a family (reference §3.4) through HTTP.
@Suite struct ContractTests {
    typealias IDs = DemoDataset.UUIDs
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"

    func enrolment(family: String, product: String = "RX01", members: [String] = [], amount: String? = nil, start: String = "2021-07-01") -> String {
        let typeReferences = members.isEmpty ? "" : #", "typeReference": ["# + members.map { #"{"reference": "Patient/\#($0)"}"# }.joined(separator: ", ") + "]"
        let premium = amount.map {
            #""extension": [{"url": "\#(Self.ig)/StructureDefinition/contract-premium", "extension": [{"url": "amount", "valueMoney": {"value": \#($0), "currency": "EUR"}}, {"url": "receipt", "valueString": "R-77"}, {"url": "date", "valueDate": "2021-07-02"}, {"url": "type", "valueCodeableConcept": {"coding": [{"system": "\#(Self.ig)/CodeSystem/contract-premium-type", "code": "C"}]}}]}], "#
        } ?? ""
        return """
            {"resourceType": "Contract", "status": "offered", "issued": "2021-06-28",
             "subject": [{"reference": "Group/\(family)"}],
             "term": [{"offer": {"text": "Enrolment"}, "asset": [{\(premium)"period": [{"start": "\(start)", "end": "2022-06-30"}]\(typeReferences),
               "valuedItem": [{"entityReference": {"reference": "InsurancePlan/\(product)"}}]}]}]}
            """
    }

    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.fhir(uri: "/fhir/Contract", method: .post, headers: [.contentType: "application/fhir+json"], body: ByteBuffer(string: body)) { response in
            (response.status, fhirBody(response))
        }
    }

    @Test func theDoeEnrolmentReadsAsTheIGContract() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Contract/\(IDs.doePolicy)", method: .get) { response in
                #expect(response.status == .ok)
                let contract = fhirBody(response)
                #expect(contract["status"]?.string == "executed")
                #expect(contract["subject"]?.array?.first?["reference"]?.string == "Group/\(IDs.doeFamily)")
                let asset = contract["term"]?.array?.first?["asset"]?.array?.first
                #expect(asset?["typeReference"]?.array?.count == 2)
                #expect(asset?["valuedItem"]?.array?.first?["entityReference"]?["display"]?.string == "RX01")
                let premium = asset?["extension"]?.array?.first
                #expect(premium?["url"]?.string == "\(Self.ig)/StructureDefinition/contract-premium")
                #expect(premium?["extension"]?.array?.first { $0["url"]?.string == "receipt" }?["valueString"]?.string != nil)
            }
            try await client.fhir(uri: "/fhir/Contract?subject=\(DemoDataset.janeDoeCHFID)&status=executed", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [IDs.doePolicy])
            }
            try await client.fhir(uri: "/fhir/Contract?patient=Patient/\(IDs.johnDoe)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [IDs.doePolicy])
            }
        }
    }

    @Test func postingAContractEnrolsAFamilyAndRefusesAnOverlap() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (status, created) = try await post(client, enrolment(family: "100000001"))
            #expect(status == .created, "\(created)")
            #expect(created["status"]?.string == "offered")
            #expect(created["term"]?.array?.first?["asset"]?.array?.first?["typeReference"]?.array?.count == 3)
            let (again, outcome) = try await post(client, enrolment(family: "100000001", start: "2022-01-01"))
            #expect(again == .unprocessableContent)
            #expect(issueCode(outcome) == "business-rule")
            let (doe, _) = try await post(client, enrolment(family: IDs.doeFamily))
            #expect(doe == .unprocessableContent)
        }
    }

    @Test func badEnrolmentsName422WithTheElement() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (product, outcome) = try await post(client, enrolment(family: "100000001", product: "NOPE"))
            #expect(product == .unprocessableContent)
            #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Contract.term[0].asset[0].valuedItem[0].entityReference")
            let (member, _) = try await post(client, enrolment(family: "100000001", members: [DemoDataset.johnDoeCHFID]))
            #expect(member == .unprocessableContent)
            let (family, _) = try await post(client, enrolment(family: "999999999"))
            #expect(family == .unprocessableContent)
        }
    }
}
