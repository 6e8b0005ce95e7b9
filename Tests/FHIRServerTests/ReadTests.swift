import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

@Suite struct ReadTests {
    @Test func readByUUIDAnswersThePatientWithVersionHeaders() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/fhir+json; charset=utf-8")
                #expect(response.headers[.eTag] == "W/\"1\"")
                #expect(response.headers[.lastModified] == "Tue, 14 Nov 2023 22:13:20 GMT")
                let body = fhirBody(response)
                #expect(body["resourceType"]?.string == "Patient")
                #expect(body["id"]?.string == DemoDataset.UUIDs.johnDoe)
                #expect(body["meta"]?["versionId"]?.string == "1")
            }
        }
    }

    @Test func readByInsuranceNumberAndUpperCaseUUIDFindsTheSamePatient() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for id in [DemoDataset.johnDoeCHFID, DemoDataset.UUIDs.johnDoe.uppercased()] {
                try await client.fhir(uri: "/fhir/Patient/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.johnDoe)
                }
            }
        }
    }

    @Test func unknownIdAnswers404OperationOutcome() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/00000000-0000-4000-8000-000000000000", method: .get) { response in
                #expect(response.status == .notFound)
                let body = fhirBody(response)
                #expect(body["resourceType"]?.string == "OperationOutcome")
                #expect(issueCode(body) == "not-found")
            }
        }
    }

    @Test func unknownTypeAnswers404AndWrongMethodAnswers405() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Observation/1", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(issueCode(fhirBody(response)) == "not-found")
            }
            try await client.fhir(uri: "/fhir/metadata", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
            try await client.fhir(uri: "/nothing/here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
        }
    }

    @Test func xmlIsAnswered406() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/metadata?_format=xml", method: .get) { response in
                #expect(response.status == .notAcceptable)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
            try await client.fhir(
                uri: "/fhir/metadata", method: .get, headers: [.accept: "application/fhir+xml"]
            ) { response in
                #expect(response.status == .notAcceptable)
            }
        }
    }

    @Test func historyAndVreadShowTheVersions() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)/_history", method: .get) { response in
                #expect(response.status == .ok)
                let body = fhirBody(response)
                #expect(body["type"]?.string == "history")
                #expect(entryIDs(body) == [DemoDataset.UUIDs.janeDoe])
            }
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)/_history/1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["meta"]?["versionId"]?.string == "1")
            }
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)/_history/2", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func metadataIsAValidCapabilityStatement() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/metadata", method: .get) { response in
                #expect(response.status == .ok)
                let body = fhirBody(response)
                #expect(body["resourceType"]?.string == "CapabilityStatement")
                #expect(body["fhirVersion"]?.string == "4.0.1")
            }
        }
    }
}

@Suite struct RegistryResourceTests {
    @Test func groupReadsByUUIDAndByHeadInsuranceNumberAndSearchesByMember() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for id in [DemoDataset.UUIDs.doeFamily, DemoDataset.janeDoeCHFID] {
                try await client.fhir(uri: "/fhir/Group/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    #expect(body["id"]?.string == DemoDataset.UUIDs.doeFamily)
                    #expect(body["quantity"]?.number == "2")
                }
            }
            try await client.fhir(uri: "/fhir/Group?member=Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.doeFamily])
            }
            try await client.fhir(uri: "/fhir/Group?identifier=\(DemoDataset.janeDoeCHFID)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.doeFamily])
            }
        }
    }

    @Test func locationsSearchByTypeAndParent() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Location/R1D1M2V1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.jamulaVillage)
            }
            try await client.fhir(uri: "/fhir/Location?partof=Location/\(DemoDataset.UUIDs.jamuMunicipality)&type=V", method: .get) { response in
                #expect(entryIDs(fhirBody(response)).contains(DemoDataset.UUIDs.jamulaVillage))
            }
            try await client.fhir(uri: "/fhir/Location?name=jamu", method: .get) { response in
                let ids = Set(entryIDs(fhirBody(response)))
                #expect(ids == [DemoDataset.UUIDs.jamuMunicipality, DemoDataset.UUIDs.jamulaVillage])
            }
        }
    }

    @Test func catalogResourcesReadByCode() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Medication/0001", method: .get) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.aspirin)
            }
            try await client.fhir(uri: "/fhir/ActivityDefinition?identifier=A1", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.generalConsultation])
            }
        }
    }
}
