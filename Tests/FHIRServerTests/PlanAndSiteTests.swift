import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// InsurancePlan (reference §3.13) and Location with health facility sites (reference §3.10) over HTTP.
@Suite struct PlanAndSiteTests {
    static let product = DemoDataset.UUIDs.productRX01
    static let hf = DemoDataset.UUIDs.raptaDistrictHospital
    static let district = DemoDataset.UUIDs.jimaraDistrict
    static let siteSystem = "http://terminology.hl7.org/CodeSystem/location-physical-type"

    func search(_ type: String, _ query: String, status: HTTPResponse.Status = .ok) async throws -> JSON {
        try await servedJSON("/fhir/\(type)?\(query)", status: status)
    }

    @Test func insurancePlanReadsVreadsAndHistory() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for id in [Self.product, "RX01"] {
                try await client.fhir(uri: "/fhir/InsurancePlan/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    #expect(body["id"]?.string == Self.product)
                    #expect(body["status"]?.string == "active")
                    #expect(body["coverageArea"]?.array?.first?["reference"]?.string
                        == "Location/\(DemoDataset.UUIDs.upperRiverRegion)")
                }
            }
            try await client.fhir(uri: "/fhir/InsurancePlan/\(Self.product)/_history", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [Self.product])
            }
            try await client.fhir(uri: "/fhir/InsurancePlan/RX01/_history/1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["meta"]?["versionId"]?.string == "1")
            }
            try await client.fhir(uri: "/fhir/InsurancePlan/RX99", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func insurancePlanShowsItsConversionProduct() async throws {
        let (app, database) = try await makeTestApplication()
        let store = database.store()
        let rx01 = try #require(try await store.record(Product.self, uuid: Self.product, includeDeleted: false))
        let successor = try await store.insert(Product(
            code: "RX02", name: "Regional follow-up", dateFrom: LocalDate("2030-01-02")!, dateTo: LocalDate("2040-01-01")!,
            conversionProductID: rx01.record.id, memberCount: 6))
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/InsurancePlan/RX02", method: .get) { response in
                let body = fhirBody(response)
                #expect(body["id"]?.string == successor.record.uuid)
                #expect(body["status"]?.string == "draft")
                let conversion = body["extension"]?.array?.first { $0["url"]?.string?.hasSuffix("insurance-plan-conversion") == true }
                #expect(conversion?["valueReference"]?["reference"]?.string == "InsurancePlan/\(Self.product)")
            }
        }
    }

    @Test(arguments: [
        ("identifier=RX01", [product]), ("identifier=%7CRX01", [product]), ("identifier=\(product)", [product]),
        ("identifier=RX02", []), ("name=regional", [product]), ("name:contains=FIXED", [product]), ("name=fixed", []),
        ("_summary=count", []),
    ])
    func insurancePlanSearch(_ query: String, _ expected: [String]) async throws {
        let bundle = try await search("InsurancePlan", query)
        #expect(entryIDs(bundle) == expected, "\(query)")
        if query == "_summary=count" { #expect(bundle["total"]?.number == "1") }
    }

    @Test func healthFacilitiesAreLocationSites() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for id in [Self.hf, "RAHOS001"] {
                try await client.fhir(uri: "/fhir/Location/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    #expect(body["id"]?.string == Self.hf)
                    #expect(body["physicalType"]?["coding"]?.array?.first?["code"]?.string == "si")
                    #expect(body["partOf"]?["reference"]?.string == "Location/\(Self.district)")
                    #expect(body["managingOrganization"]?["reference"]?.string == "Organization/\(Self.hf)")
                }
            }
            try await client.fhir(uri: "/fhir/Location/\(Self.hf)/_history", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [Self.hf])
            }
            try await client.fhir(uri: "/fhir/Location/RAHOS001/_history/1", method: .get) { response in
                #expect(fhirBody(response)["physicalType"]?["coding"]?.array?.first?["code"]?.string == "si")
            }
            // An administrative location is found before a site.
            try await client.fhir(uri: "/fhir/Location/R1D1", method: .get) { response in
                #expect(fhirBody(response)["id"]?.string == Self.district)
            }
        }
    }

    @Test(arguments: [
        ("physicalType=si", [hf]), ("physicalType=\(siteSystem)%7Csi", [hf]), ("physicalType=D", [district, DemoDataset.UUIDs.tahidaDistrict]),
        ("physicalType=si,R", [DemoDataset.UUIDs.upperRiverRegion, hf]), ("physicalType:not=R,D,W,V", [hf]),
        ("physicalType:missing=true", []), ("physicalType=si&name=rapta", [hf]), ("physicalType=si&name=jamu", []),
        ("physicalType=si&identifier=RAHOS001", [hf]), ("identifier=RAHOS001", [hf]), ("identifier=R1D1", [district]),
        ("physicalType=si&type=HOSP", [hf]), ("type=http://terminology.hl7.org/CodeSystem/v3-RoleCode%7CHOSP", [hf]),
        ("physicalType=si&type=COMM", []), ("type=D", [district, DemoDataset.UUIDs.tahidaDistrict]),
        ("physicalType=si&partof=Location/\(district)", [hf]), ("physicalType=si&partof=R1D2", []),
        ("partof=R1D1", [DemoDataset.UUIDs.jamuMunicipality, hf]), ("name=rapta", [DemoDataset.UUIDs.jimaraDistrict, hf]),
    ])
    func locationSearchSelectsSitesByPhysicalType(_ query: String, _ expected: [String]) async throws {
        let bundle = try await search("Location", query)
        #expect(entryIDs(bundle) == expected, "\(query)")
        #expect(bundle["total"]?.number == String(expected.count))
    }

    @Test func locationPagingCrossesIntoTheSites() async throws {
        let (app, _) = try await makeTestApplication()
        let seen = try await followPages(app, "/fhir/Location?_count=3")
        #expect(seen.ids.count == 9)
        #expect(Set(seen.ids).count == 9)
        #expect(seen.ids.last == Self.hf)
        #expect(seen.totals == ["9"])
        #expect(seen.pages == 3)
        #expect(try await search("Location", "_summary=count")["total"]?.number == "9")
    }
}
