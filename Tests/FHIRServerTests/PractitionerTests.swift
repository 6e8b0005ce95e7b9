import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Practitioner and PractitionerRole over HTTP: claim administrators then enrolment officers (reference §3.11).
@Suite struct PractitionerTests {
    static let admin = DemoDataset.UUIDs.rushilaDani
    static let officer = DemoDataset.UUIDs.jebRoberts
    static let hf = DemoDataset.UUIDs.raptaDistrictHospital
    static let district = DemoDataset.UUIDs.jimaraDistrict
    static let roleSystem = "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/practitioner-qualification-type"

    func search(_ type: String, _ query: String, status: HTTPResponse.Status = .ok) async throws -> JSON {
        try await servedJSON("/fhir/\(type)?\(query)", status: status)
    }

    @Test(arguments: ["Practitioner", "PractitionerRole"])
    func readsBothKindsByUUIDOrCode(_ type: String) async throws {
        let (app, _) = try await makeTestApplication()
        let cases = [(Self.admin, Self.admin, "CA"), ("JMDP0011", Self.admin, "CA"), (Self.officer, Self.officer, "EO"), ("E00001", Self.officer, "EO")]
        try await app.test(.router) { client in
            for (id, expected, code) in cases {
                try await client.fhir(uri: "/fhir/\(type)/\(id)", method: .get) { response in
                    #expect(response.status == .ok, "\(type)/\(id)")
                    #expect(response.headers[.eTag] == "W/\"1\"")
                    let body = fhirBody(response)
                    #expect(body["resourceType"]?.string == type)
                    #expect(body["id"]?.string == expected)
                    let concept = type == "Practitioner" ? body["qualification"]?.array?.first?["code"] : body["code"]?.array?.first
                    #expect(concept?["coding"]?.array?.first?["code"]?.string == code)
                }
            }
            try await client.fhir(uri: "/fhir/\(type)/NOBODY", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(issueCode(fhirBody(response)) == "not-found")
            }
            for id in [Self.admin, Self.officer] {
                try await client.fhir(uri: "/fhir/\(type)/\(id)/_history", method: .get) { response in
                    #expect(entryIDs(fhirBody(response)) == [id])
                }
                try await client.fhir(uri: "/fhir/\(type)/\(id)/_history/1", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(fhirBody(response)["meta"]?["versionId"]?.string == "1")
                }
                try await client.fhir(uri: "/fhir/\(type)/\(id)/_history/2", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func rolesPointAtTheirPractitionerFacilityAndLocation() async throws {
        let bundle = try await search("PractitionerRole", "")
        let entries = bundle["entry"]?.array ?? []
        #expect(entryIDs(bundle) == [Self.admin, Self.officer])
        let adminRole = entries.first?["resource"]
        #expect(adminRole?["practitioner"]?["reference"]?.string == "Practitioner/\(Self.admin)")
        #expect(adminRole?["organization"]?["reference"]?.string == "Organization/\(Self.hf)")
        let officerRole = entries.last?["resource"]
        #expect(officerRole?["location"]?.array?.first?["reference"]?.string == "Location/\(Self.district)")
    }

    @Test(arguments: [
        ("", [admin, officer]), ("identifier=JMDP0011", [admin]), ("identifier=E00001", [officer]),
        ("identifier=%7CE00001", [officer]), ("identifier=\(officer.uppercased())", [officer]),
        ("identifier:not=E00001", [admin]), ("name=rush", [admin]), ("name=JEB", [officer]), ("name=roberts", [officer]),
        ("name:exact=Roberts", [officer]), ("name:contains=ila", [admin]), ("name=nobody", []),
        ("_id=\(officer)", [officer]), ("_lastUpdated=gt2000-01-01", [admin, officer]),
    ])
    func practitionerSearch(_ query: String, _ expected: [String]) async throws {
        let bundle = try await search("Practitioner", query)
        #expect(entryIDs(bundle) == expected, "\(query)")
        #expect(bundle["total"]?.number == String(expected.count))
    }

    @Test(arguments: [
        ("identifier=JMDP0011", [admin]), ("identifier=E00001", [officer]),
        ("practitioner=Practitioner/\(admin)", [admin]), ("practitioner=\(officer)", [officer]),
        ("practitioner=E00001", [officer]), ("practitioner=Patient/\(officer)", []),
        ("organization=Organization/\(hf)", [admin]), ("organization=RAHOS001", [admin]),
        ("organization:missing=true", [officer]), ("organization:missing=false", [admin]),
        ("location=Location/\(district)", [officer]), ("location=R1D1", [officer]), ("location=R1", []),
        ("location:missing=true", [admin]),
        ("role=CA", [admin]), ("role=\(roleSystem)%7CEO", [officer]), ("role=CA,EO", [admin, officer]),
        ("role:not=CA", [officer]), ("role:missing=false", [admin, officer]), ("role=EO&organization=RAHOS001", []),
    ])
    func practitionerRoleSearch(_ query: String, _ expected: [String]) async throws {
        let bundle = try await search("PractitionerRole", query)
        #expect(entryIDs(bundle) == expected, "\(query)")
        #expect(bundle["total"]?.number == String(expected.count))
    }

    @Test(arguments: ["Practitioner", "PractitionerRole"])
    func summaryCountAndPagingAcrossTheKinds(_ type: String) async throws {
        #expect(try await search(type, "_summary=count")["total"]?.number == "2")
        let (app, _) = try await makeTestApplication()
        for query in ["_count=1", "_count=1&_sort=-_lastUpdated", "_count=1&_total=none"] {
            let seen = try await followPages(app, "/fhir/\(type)?\(query)")
            #expect(seen.ids == [Self.admin, Self.officer], "\(query)")
            #expect(seen.pages == 2)
        }
    }

    @Test func includeAndRevincludeFollowTheRoleReferences() async throws {
        func included(_ uri: String) async throws -> [String] {
            let bundle = try await search(uri.components(separatedBy: "?")[0], uri.components(separatedBy: "?")[1])
            return (bundle["entry"]?.array ?? []).filter { $0["search"]?["mode"]?.string == "include" }.compactMap { entry in
                guard let type = entry["resource"]?["resourceType"]?.string, let id = entry["resource"]?["id"]?.string else { return nil }
                return "\(type)/\(id)"
            }
        }
        #expect(try await included("PractitionerRole?_include=PractitionerRole:practitioner")
            == ["Practitioner/\(Self.admin)", "Practitioner/\(Self.officer)"])
        #expect(try await included("PractitionerRole?role=CA&_include=PractitionerRole:organization") == ["Organization/\(Self.hf)"])
        #expect(try await included("PractitionerRole?role=EO&_include=PractitionerRole:location") == ["Location/\(Self.district)"])
        #expect(try await included("Organization?type=prov&_revinclude=PractitionerRole:organization")
            == ["PractitionerRole/\(Self.admin)"])
        #expect(try await included("Practitioner?identifier=E00001&_revinclude=PractitionerRole:practitioner")
            == ["PractitionerRole/\(Self.officer)"])
        #expect(try await included("Location?physicalType=si&_include=Location:partof") == ["Location/\(Self.district)"])
    }
}
