import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Field-by-field agreement with the openIMIS FHIR R4 IG, through HTTP; every body passes the project's validator
/// (``fhirBody(_:sourceLocation:)``).
@Suite struct IGAgreementRegistryTests {
    typealias IDs = DemoDataset.UUIDs
    static let sd = "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/"
    let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]

    /// The extensions of `resource` with IG id `id`.
    func extensions(_ resource: JSON?, _ id: String) -> [JSON] {
        (resource?["extension"]?.array ?? []).filter { $0["url"]?.string == Self.sd + id }
    }

    @Test func catalogEntriesWithoutAFrequencyLimitCarryNoFrequency() async throws {
        let (app, backend) = try await makeTestApplication()
        let store = backend.store()
        var items: [(String, Bool)] = []
        var services: [(String, Bool)] = []
        for (index, frequency) in [0, nil, 30].enumerated() {
            let limited = frequency == 30
            let item = try await store.insert(MedicalItem(code: "IT\(index)", name: "Item \(index)", price: "1.00", frequency: frequency))
            items.append((item.record.uuid, limited))
            let service = try await store.insert(MedicalService(code: "SV\(index)", name: "Service \(index)", price: "1.00", frequency: frequency))
            services.append((service.record.uuid, limited))
        }
        let (itemRows, serviceRows) = (items, services)
        try await app.test(.router) { client in
            for (uuid, limited) in itemRows {
                let body = try await client.getJSON("/fhir/Medication/\(uuid)")
                let frequency = extensions(body, "medication-frequency")
                #expect(frequency.count == (limited ? 1 : 0), "\(uuid)")
                if limited {
                    #expect(frequency.first?["valueTiming"]?["repeat"]?["period"]?.number == "30")
                }
            }
            for (uuid, limited) in serviceRows {
                let body = try await client.getJSON("/fhir/ActivityDefinition/\(uuid)")
                #expect((body["timingTiming"] != nil) == limited, "\(uuid)")
            }
        }
    }

    @Test func practitionersAndRolesCarryNoActive() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for type in ["Practitioner", "PractitionerRole"] {
                let bundle = try await client.getJSON("/fhir/\(type)")
                let resources = (bundle["entry"]?.array ?? []).compactMap { $0["resource"] }
                #expect(resources.count == 2)
                for resource in resources { #expect(resource["active"] == nil, "\(type)") }
            }
        }
    }

    @Test func patientContactNameHasNoUseAndTheAddressTextRepeatsTheLine() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let patient = try await client.getJSON("/fhir/Patient/\(IDs.johnDoe)")
            let name = patient["contact"]?.array?.first?["name"]
            #expect(name?["family"]?.string == "Doe")
            #expect(name?["use"] == nil)
            let address = patient["address"]?.array?.first
            #expect(address?["text"]?.string == "5 Tsoka")
            #expect(address?["line"]?.array?.first?.string == "5 Tsoka")

            // What was read is written back unchanged; a text other than the line is refused.
            let unchanged = ByteBuffer(string: patient.serialized())
            try await client.fhir(uri: "/fhir/Patient/\(IDs.johnDoe)", method: .put, headers: fhirJSON, body: unchanged) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["address"]?.array?.first?["text"]?.string == "5 Tsoka")
            }
            let different = patient.serialized().replacingFirst(#""text":"5 Tsoka""#, with: #""text":"6 Tsoka""#)
            try await client.fhir(uri: "/fhir/Patient/\(IDs.johnDoe)", method: .put, headers: fhirJSON,
                                  body: ByteBuffer(string: different)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(issueCode(fhirBody(response)) == "not-supported")
            }
        }
    }

    /// A head posted without `patient-vulnerability-status`, and the family it founds (no `group-poverty-status`),
    /// stay unknown; a posted `false` is kept.
    @Test func unknownVulnerabilityAndPovertyStayUnknown() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let jane = try await client.getJSON("/fhir/Patient/\(IDs.janeDoe)")
            #expect(extensions(jane, "patient-vulnerability-status").isEmpty)
            var patient = WriteTests().newPatient(chfid: "555000111")
            let created = try await client.fhir(uri: "/fhir/Patient", method: .post, headers: fhirJSON,
                                                body: ByteBuffer(string: patient)) { response in
                #expect(response.status == .created)
                return fhirBody(response)
            }
            let id = try #require(created["id"]?.string)
            let read = try await client.getJSON("/fhir/Patient/\(id)")
            #expect(extensions(read, "patient-vulnerability-status").isEmpty)
            let group = try #require(extensions(read, "patient-group-reference").first?["valueReference"]?["reference"]?.string)
            #expect(extensions(try await client.getJSON("/fhir/\(group)"), "group-poverty-status").isEmpty)

            patient = WriteTests().newPatient(chfid: "555000111", group: String(group.dropFirst("Group/".count)), id: id)
                .replacingFirst(#""valueBoolean": true}"#, with:
                    #""valueBoolean": true}, {"url": "\#(Self.sd)patient-vulnerability-status", "valueBoolean": false}"#)
            try await client.fhir(uri: "/fhir/Patient/\(id)", method: .put, headers: fhirJSON, body: ByteBuffer(string: patient)) { response in
                #expect(response.status == .ok)
            }
            let updated = try await client.getJSON("/fhir/Patient/\(id)")
            #expect(extensions(updated, "patient-vulnerability-status").first?["valueBoolean"] == .bool(false))
        }
    }

    @Test func insurancePlanCarriesItsStartCycles() async throws {
        let plan = try await servedJSON("/fhir/InsurancePlan/\(IDs.productRX01)")
        #expect(extensions(plan, "insurance-plan-start-cycle").map { $0["valueString"]?.string } == ["01-03", "01-07", "01-10"])
    }

    @Test func configuredCurrencyAndIdentifierSystemAppear() async throws {
        let mapping = MappingContext(identifierSystems: [.insuranceNumber: "urn:oid:2.16.840.1.113883.2.9.4.3.2"], currency: "TZS")
        let (app, _) = try await makeTestApplication(mapping: mapping)
        try await app.test(.router) { client in
            let plan = try await client.getJSON("/fhir/InsurancePlan/\(IDs.productRX01)")
            let costs = plan["plan"]?.array?.first?["generalCost"]?.array ?? []
            #expect(!costs.isEmpty)
            #expect(costs.allSatisfy { $0["cost"]?["currency"]?.string == "TZS" })
            let aspirin = try await client.getJSON("/fhir/Medication/\(IDs.aspirin)")
            #expect(extensions(aspirin, "unit-price").first?["valueMoney"]?["currency"]?.string == "TZS")
            let patient = try await client.getJSON("/fhir/Patient/\(IDs.johnDoe)")
            let code = patient["identifier"]?.array?.first { $0["value"]?.string == DemoDataset.johnDoeCHFID }
            #expect(code?["system"]?.string == "urn:oid:2.16.840.1.113883.2.9.4.3.2")
        }
    }

    @Test(arguments: [
        ("/fhir/Practitioner?qualification=CA", [IDs.rushilaDani]),
        ("/fhir/Practitioner?qualification=EO", [IDs.jebRoberts]),
        ("/fhir/Practitioner?qualification:not=CA", [IDs.jebRoberts]),
        ("/fhir/Practitioner", [IDs.rushilaDani, IDs.jebRoberts]),
        ("/api/api_fhir_r4/Practitioner?resourceType=ca", [IDs.rushilaDani]),
        ("/api/api_fhir_r4/Practitioner?resourceType=EO", [IDs.jebRoberts]),
        ("/api/api_fhir_r4/Practitioner?resourceType=ca,eo", [IDs.rushilaDani, IDs.jebRoberts]),
        ("/fhir/Practitioner?resourceType=eo&name=rob", [IDs.jebRoberts]),
    ])
    func practitionersFilterByKind(_ uri: String, _ expected: [String]) async throws {
        #expect(entryIDs(try await servedJSON(uri)) == expected, "\(uri)")
    }

    @Test func anUnknownPractitionerKindIsABadSearch() async throws {
        let outcome = try await servedJSON("/api/api_fhir_r4/Practitioner?resourceType=hf", status: .badRequest)
        #expect(outcome["resourceType"]?.string == "OperationOutcome")
    }
}

extension JSON {
    /// The compact JSON text.
    func serialized() -> String {
        var writer = JSONWriter()
        writer.writeJSON(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension String {
    /// The text with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
