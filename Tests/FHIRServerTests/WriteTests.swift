import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// create, update, delete through HTTP for Patient and Group (http://hl7.org/fhir/R4/http.html).
@Suite struct WriteTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"
    let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]

    /// A new head of family in Jamula village.
    func newPatient(chfid: String = "987654321", family: String = "Banda", head: Bool = true, group: String? = nil, id: String? = nil) -> String {
        let groupExtension = group.map {
            #", {"url": "\#(Self.ig)/StructureDefinition/patient-group-reference", "valueReference": {"reference": "Group/\#($0)"}}"#
        } ?? ""
        let idMember = id.map { #""id": "\#($0)", "# } ?? ""
        return """
            {"resourceType": "Patient", \(idMember)
             "extension": [{"url": "\(Self.ig)/StructureDefinition/patient-is-head", "valueBoolean": \(head)}\(groupExtension)],
             "identifier": [{"type": {"coding": [{"system": "\(Self.ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "\(chfid)"}],
             "name": [{"use": "official", "family": "\(family)", "given": ["Grace"]}],
             "gender": "female", "birthDate": "1990-03-04",
             "address": [{"use": "home", "type": "physical", "line": ["7 Market Street"], "city": "Jamula",
                          "extension": [{"url": "\(Self.ig)/StructureDefinition/address-location-reference",
                                         "valueReference": {"reference": "Location/\(DemoDataset.UUIDs.jamulaVillage)"}}]}]}
            """
    }

    func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func createAnswers201WithLocationAndTheHeadFoundsAFamily() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let id = try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(newPatient())) { response in
                #expect(response.status == .created)
                #expect(response.headers[.eTag] == "W/\"1\"")
                let created = fhirBody(response)
                let id = created["id"]?.string ?? ""
                #expect(response.headers[.location]?.hasSuffix("/fhir/Patient/\(id)/_history/1") == true)
                #expect(created["name"]?.array?.first?["family"]?.string == "Banda")
                return id
            }
            try await client.fhir(uri: "/fhir/Patient/987654321", method: .get) { response in
                #expect(fhirBody(response)["id"]?.string == id)
            }
            try await client.fhir(uri: "/fhir/Group?member=Patient/\(id)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)).count == 1)
            }
        }
    }

    @Test func duplicateInsuranceNumberIs409AndBadBodiesAre4xx() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(newPatient(chfid: DemoDataset.johnDoeCHFID))) { response in
                #expect(response.status == .conflict)
                #expect(issueCode(fhirBody(response)) == "conflict")
            }
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body("{not json")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: [.contentType: "application/fhir+xml"], body: body("<Patient/>")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(#"{"resourceType":"Group","type":"person","actual":true}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(#"{"resourceType":"Patient","gender":"M"}"#)) { response in
                #expect(response.status == .badRequest)
                let outcome = fhirBody(response)
                #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Patient.gender")
            }
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(#"{"resourceType":"Patient","gender":"male"}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.fhir(uri: "/fhir/Location", method: .post, headers: fhirJSON, body: body(#"{"resourceType":"Location"}"#)) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }

    @Test func conditionalCreateReturnsTheExistingMatch() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            var headers = fhirJSON
            headers[HTTPField.Name("If-None-Exist")!] = "identifier=\(DemoDataset.johnDoeCHFID)"
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: headers, body: body(newPatient(chfid: DemoDataset.johnDoeCHFID))) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.johnDoe)
            }
            headers[HTTPField.Name("If-None-Exist")!] = "family=Doe"
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: headers, body: body(newPatient())) { response in
                #expect(response.status == .preconditionFailed)
            }
        }
    }

    @Test func updateWithIfMatchVersionsAndKeepsHistory() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let id = try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(newPatient())) { response in
                fhirBody(response)["id"]?.string ?? ""
            }
            var headers = fhirJSON
            headers[.ifMatch] = "W/\"7\""
            try await client.fhir(uri: "/fhir/Patient/\(id)", method: .put, headers: headers, body: body(newPatient(family: "Phiri", id: id))) { response in
                #expect(response.status == .preconditionFailed)
            }
            headers[.ifMatch] = "W/\"1\""
            try await client.fhir(uri: "/fhir/Patient/\(id)", method: .put, headers: headers, body: body(newPatient(family: "Phiri", id: id))) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "W/\"2\"")
                #expect(fhirBody(response)["name"]?.array?.first?["family"]?.string == "Phiri")
            }
            try await client.fhir(uri: "/fhir/Patient/\(id)/_history/1", method: .get) { response in
                #expect(fhirBody(response)["name"]?.array?.first?["family"]?.string == "Banda")
            }
            try await client.fhir(uri: "/fhir/Patient/\(id)/_history", method: .get) { response in
                let entries = fhirBody(response)["entry"]?.array ?? []
                #expect(entries.count == 2)
                #expect(entries.first?["resource"]?["meta"]?["versionId"]?.string == "2")
            }
            try await client.fhir(uri: "/fhir/Patient/\(id)", method: .put, headers: fhirJSON, body: body(newPatient(id: "other-id"))) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func deleteThenReadAnswers410AndAHeadWithMembersIsKept() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)", method: .delete) { response in
                #expect(response.status == .conflict)
            }
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .delete) { response in
                #expect(response.status == .noContent)
            }
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(response.status == .gone)
                #expect(issueCode(fhirBody(response)) == "deleted")
            }
            try await client.fhir(uri: "/fhir/Patient?identifier=\(DemoDataset.johnDoeCHFID)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)).isEmpty)
            }
            try await client.fhir(uri: "/fhir/Group/\(DemoDataset.UUIDs.doeFamily)", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }

    @Test func preferReturnMinimalAndOperationOutcome() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            var headers = fhirJSON
            headers[HTTPField.Name("Prefer")!] = "return=minimal"
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: headers, body: body(newPatient())) { response in
                #expect(response.status == .created)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.location] != nil)
            }
            headers[HTTPField.Name("Prefer")!] = "return=OperationOutcome"
            try await client.fhir(uri: "/fhir/Patient", method: .post, headers: headers, body: body(newPatient(chfid: "987654322"))) { response in
                #expect(response.status == .created)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
        }
    }

    @Test func groupUpdateMovesAMemberInFromAnotherFamily() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let id = try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON, body: body(newPatient())) { response in
                fhirBody(response)["id"]?.string ?? ""
            }
            // The family the new head founded; John Doe (a member, not a head) moves into it.
            let group = try await client.fhir(uri: "/fhir/Group?member=Patient/\(id)", method: .get) { response in
                fhirBody(response)["entry"]?.array?.first?["resource"] ?? .null
            }
            guard case .object(var members) = group else {
                Issue.record("no group")
                return
            }
            let familyID = group["id"]?.string ?? ""
            let john = JSON.object([JSONMember("entity", .object([JSONMember("reference", .string("Patient/\(DemoDataset.UUIDs.johnDoe)"))]))])
            if let index = members.firstIndex(where: { $0.key == "member" }), case .array(let list) = members[index].value {
                members[index] = JSONMember("member", .array(list + [john]))
            }
            members.removeAll { $0.key == "meta" || $0.key == "quantity" }
            var writer = JSONWriter()
            writer.writeJSON(.object(members))
            try await client.fhir(uri: "/fhir/Group/\(familyID)", method: .put, headers: fhirJSON, body: ByteBuffer(bytes: writer.bytes)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(fhirBody(response)["quantity"]?.number == "2")
            }
            try await client.fhir(uri: "/fhir/Group/\(DemoDataset.UUIDs.doeFamily)", method: .get) { response in
                #expect(fhirBody(response)["quantity"]?.number == "1")
            }
        }
    }
}
