import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Organization over HTTP: health facilities, policy holders and the insurer on one endpoint (reference §3.9).
@Suite struct OrganizationTests {
    static let hf = DemoDataset.UUIDs.raptaDistrictHospital
    static let holder = DemoDataset.UUIDs.myTradePolicyHolder
    static let insurer = "openIMIS-Implementation"
    static let typeSystem = "http://terminology.hl7.org/CodeSystem/organization-type"

    func organizationType(_ body: JSON) -> String? { body["type"]?.array?.first?["coding"]?.array?.first?["code"]?.string }

    @Test func readsEachKindByUUIDOrCode() async throws {
        let (app, _) = try await makeTestApplication()
        let cases = [
            (Self.hf, Self.hf, "prov"), ("RAHOS001", Self.hf, "prov"), (Self.hf.uppercased(), Self.hf, "prov"),
            (Self.holder, Self.holder, "bus"), ("1234", Self.holder, "bus"),
            (Self.insurer, Self.insurer, "ins"), ("openIMIS", Self.insurer, "ins"),
        ]
        try await app.test(.router) { client in
            for (id, expected, type) in cases {
                try await client.fhir(uri: "/fhir/Organization/\(id)", method: .get) { response in
                    #expect(response.status == .ok, "\(id)")
                    #expect(response.headers[.eTag] == "W/\"1\"")
                    let body = fhirBody(response)
                    #expect(body["id"]?.string == expected)
                    #expect(organizationType(body) == type)
                }
            }
            try await client.fhir(uri: "/fhir/Organization/00000000-0000-4000-8000-000000000000", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(issueCode(fhirBody(response)) == "not-found")
            }
            try await client.fhir(uri: "/fhir/Organization/NOPE", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.fhir(uri: "/api/api_fhir_r4/Organization/RAHOS001/", method: .get) { response in
                #expect(fhirBody(response)["id"]?.string == Self.hf)
            }
        }
    }

    @Test func historyAndVreadGoToTheOwningKind() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for id in [Self.hf, Self.holder, Self.insurer] {
                try await client.fhir(uri: "/fhir/Organization/\(id)/_history", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    #expect(body["type"]?.string == "history")
                    #expect(entryIDs(body) == [id])
                }
                try await client.fhir(uri: "/fhir/Organization/\(id)/_history/1", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    #expect(body["id"]?.string == id)
                    #expect(body["meta"]?["versionId"]?.string == "1")
                }
                try await client.fhir(uri: "/fhir/Organization/\(id)/_history/2", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func policyHolderVersionsAndDeletionFollowTheHistoryModel() async throws {
        let (app, database) = try await makeTestApplication()
        let store = database.store(clock: .fixed(demoInstant.addingTimeInterval(60)))
        var holder = try #require(try await store.policyHolder(uuid: Self.holder)).record
        holder.tradeName = "My Trade Ltd"
        _ = try await store.updatePolicyHolder(holder, ifVersion: 1)
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Organization/1234", method: .get) { response in
                #expect(response.headers[.eTag] == "W/\"2\"")
                #expect(fhirBody(response)["name"]?.string == "My Trade Ltd")
            }
            try await client.fhir(uri: "/fhir/Organization?_lastUpdated=gt2023-11-14T22:13:30Z&_lastUpdated=lt2023-11-15", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [Self.holder])
            }
        }
        _ = try await store.deletePolicyHolder(uuid: Self.holder)
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Organization/\(Self.holder)", method: .get) { response in
                #expect(response.status == .gone)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
            try await client.fhir(uri: "/fhir/Organization/\(Self.holder)/_history", method: .get) { response in
                #expect(response.status == .ok)
                let entries = fhirBody(response)["entry"]?.array ?? []
                #expect(entries.count == 1)
                #expect(entries.first?["request"]?["method"]?.string == "DELETE")
                #expect(entries.first?["response"]?["etag"]?.string == "W/\"3\"")
            }
            try await client.fhir(uri: "/fhir/Organization?type=bus", method: .get) { response in
                #expect(entryIDs(fhirBody(response)).isEmpty)
            }
        }
    }

    func search(_ query: String, status: HTTPResponse.Status = .ok) async throws -> JSON {
        let (app, _) = try await makeTestApplication()
        return try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Organization?\(query)", method: .get) { response in
                #expect(response.status == status, "\(query)")
                return fhirBody(response)
            }
        }
    }

    @Test func searchWithoutTypeListsEveryKindInOrder() async throws {
        let bundle = try await search("")
        #expect(entryIDs(bundle) == [Self.hf, Self.holder, Self.insurer])
        #expect(bundle["total"]?.number == "3")
    }

    @Test(arguments: [
        ("type=prov", [hf]), ("type=bus", [holder]), ("type=ins", [insurer]),
        ("type=\(typeSystem)%7Cbus", [holder]), ("type=prov,ins", [hf, insurer]), ("type=prov&type=bus", []),
        ("type:not=prov", [holder, insurer]), ("type:not=prov,bus,ins", []), ("type:missing=true", []),
        ("type:missing=false", [hf, holder, insurer]), ("type=http://other.org%7Cprov", []), ("type=xyz", []),
    ])
    func typeSelectsTheKinds(_ query: String, _ expected: [String]) async throws {
        let bundle = try await search(query)
        #expect(entryIDs(bundle) == expected, "\(query)")
        #expect(bundle["total"]?.number == String(expected.count))
    }

    @Test(arguments: [
        ("identifier=RAHOS001", [hf]), ("identifier=1234", [holder]), ("identifier=openIMIS", [insurer]),
        ("identifier=%7C1234", [holder]), ("identifier=\(holder)", [holder]), ("identifier=\(hf.uppercased())", [hf]),
        ("identifier:of-type=\(Translate.identifierTypeSystem)%7CCode%7CopenIMIS", [insurer]),
        ("identifier:not=RAHOS001", [holder, insurer]), ("identifier=RAHOS001&type=bus", []),
        ("identifier=http://other.org%7C1234", []),
    ])
    func identifierFindsEachKind(_ query: String, _ expected: [String]) async throws {
        #expect(entryIDs(try await search(query)) == expected, "\(query)")
    }

    @Test(arguments: [
        ("name=rapta", [hf]), ("name=MY%20TR", [holder]), ("name=openimis", [insurer]), ("name=trade", []),
        ("name:contains=trade", [holder]), ("name:exact=My%20Trade", [holder]), ("name:exact=my%20trade", []),
        ("name=o&type=ins", [insurer]), ("_id=\(holder)", [holder]), ("_id=\(insurer)", [insurer]),
    ])
    func nameAndIdSearch(_ query: String, _ expected: [String]) async throws {
        #expect(entryIDs(try await search(query)) == expected, "\(query)")
    }

    @Test func summaryCountSumsTheKinds() async throws {
        let all = try await search("_summary=count")
        #expect(all["total"]?.number == "3")
        #expect(all["entry"] == nil)
        #expect(try await search("type=bus,ins&_summary=count")["total"]?.number == "2")
        #expect(try await search("_total=none")["total"] == nil)
        let none = try await search("_count=0")
        #expect(none["total"]?.number == "3")
        #expect(none["entry"] == nil)
        #expect(none["link"]?.array?.contains { $0["relation"]?.string == "next" } == false)
    }

    @Test func badTypeModifierAndTamperedCursorAre400() async throws {
        _ = try await search("type:text=prov", status: .badRequest)
        _ = try await search("_cursor=\(RowCursor(key: "", id: 7).token)", status: .badRequest)
        _ = try await search("_cursor=\(RowCursor(key: "garbage!", id: 1).token)", status: .badRequest)
    }

    @Test(arguments: [1, 2, 3])
    func pagingAcrossKindBoundariesHasNoDuplicatesOrSkips(_ count: Int) async throws {
        let (app, database) = try await makeTestApplication()
        let store = database.store()
        let district = try #require(try await store.record(IMISData.Location.self, uuid: DemoDataset.UUIDs.jimaraDistrict, includeDeleted: false))
        let second = try await store.insert(HealthFacility(
            code: "JIDIS001", name: "Jimara Dispensary", legalForm: "G", level: "D", locationID: district.record.id!,
            careType: "O"))
        let expected = [Self.hf, second.record.uuid, Self.holder, Self.insurer]
        for sort in ["", "&_sort=-_lastUpdated", "&_sort=_id"] {
            let seen = try await followPages(app, "/fhir/Organization?_count=\(count)\(sort)")
            #expect(Set(seen.ids).count == seen.ids.count)
            #expect(Set(seen.ids) == Set(expected))
            #expect(seen.totals == Set(["4"]))
            #expect(seen.pages == (expected.count + count - 1) / count)
            if sort.isEmpty { #expect(seen.ids == expected) }
        }
    }

    @Test func pageOffsetOfTheAliasCrossesKinds() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (page, expected) in [(1, [Self.hf, Self.holder]), (2, [Self.insurer]), (3, [])] {
                try await client.fhir(uri: "/api/api_fhir_r4/Organization/?_count=2&page-offset=\(page)", method: .get) { response in
                    #expect(entryIDs(fhirBody(response)) == expected, "page \(page)")
                }
            }
        }
    }
}

/// Follows `next` links from `uri`: every id seen, every `total`, and how many pages.
func followPages(_ app: some ApplicationProtocol, _ uri: String) async throws -> (ids: [String], totals: Set<String>, pages: Int) {
    try await app.test(.router) { client in
        var ids: [String] = []
        var totals: Set<String> = []
        var pages = 0
        var next: String? = uri
        while let current = next, pages < 50 {
            pages += 1
            let body = try await client.fhir(uri: current, method: .get) { response in
                #expect(response.status == .ok, "\(current)")
                return fhirBody(response)
            }
            ids += entryIDs(body)
            if let total = body["total"]?.number { totals.insert(total) }
            next = nil
            if let link = body["link"]?.array?.first(where: { $0["relation"]?.string == "next" })?["url"]?.string,
                let range = link.range(of: "/fhir/")
            {
                next = String(link[range.lowerBound...])
            }
        }
        return (ids, totals, pages)
    }
}
