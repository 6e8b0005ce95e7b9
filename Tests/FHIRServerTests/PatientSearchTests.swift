import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

@Suite struct PatientSearchTests {
    func search(_ query: String) async throws -> JSON {
        let (app, _) = try await makeTestApplication()
        return try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient?\(query)", method: .get) { response in
                #expect(response.status == .ok, "\(query)")
                return fhirBody(response)
            }
        }
    }

    @Test(arguments: [
        "identifier=123456789", "identifier=%7C123456789",
        "identifier:of-type=https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers%7CCode%7C123456789",
    ])
    func identifierSearchFindsJohnDoe(_ query: String) async throws {
        let bundle = try await search(query)
        #expect(bundle["type"]?.string == "searchset")
        #expect(entryIDs(bundle) == [DemoDataset.UUIDs.johnDoe])
        #expect(bundle["total"]?.number == "1")
    }

    @Test func identifierWithAnUnknownSystemFindsNothing() async throws {
        #expect(entryIDs(try await search("identifier=http://other.org%7C123456789")).isEmpty)
    }

    @Test func identifierNotExcludesTheMatch() async throws {
        let ids = entryIDs(try await search("identifier:not=123456789&_count=100"))
        #expect(!ids.contains(DemoDataset.UUIDs.johnDoe))
        #expect(ids.contains(DemoDataset.UUIDs.janeDoe))
    }

    @Test func familyNameSearchIsStartsWithAndCaseInsensitive() async throws {
        let ids = Set(entryIDs(try await search("family=dO")))
        #expect(ids == [DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.janeDoe])
    }

    @Test func genderAndBirthdateCombine() async throws {
        #expect(entryIDs(try await search("family=Doe&gender=female")) == [DemoDataset.UUIDs.janeDoe])
        #expect(entryIDs(try await search("family=Doe&birthdate=1962")) == [DemoDataset.UUIDs.johnDoe])
        #expect(entryIDs(try await search("family=Doe&birthdate=lt1963-01-01")) == [DemoDataset.UUIDs.johnDoe])
        #expect(entryIDs(try await search("family=Doe&birthdate=ge1964-05-15")) == [DemoDataset.UUIDs.janeDoe])
    }

    @Test func unknownModifierIsRejectedAndUnknownParameterIgnored() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient?family:fuzzy=Doe", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
            try await client.fhir(uri: "/fhir/Patient?foo=bar&family=Doe", method: .get) { response in
                #expect(response.status == .ok)
                let body = fhirBody(response)
                let selfLink = body["link"]?.array?.first?["url"]?.string ?? ""
                #expect(selfLink.hasSuffix("/fhir/Patient?family=Doe"))
            }
            try await client.fhir(
                uri: "/fhir/Patient?foo=bar", method: .get, headers: [.init("Prefer")!: "handling=strict"]
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func pagingFollowsNextLinksWithoutDuplicates() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            var seen: [String] = []
            var uri: String? = "/fhir/Patient?_count=2"
            var total: String?
            while let current = uri {
                uri = nil
                try await client.fhir(uri: current, method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    total = body["total"]?.number
                    seen += entryIDs(body)
                    if let next = body["link"]?.array?.first(where: { $0["relation"]?.string == "next" })?["url"]?.string,
                        let range = next.range(of: "/fhir/")
                    {
                        uri = String(next[range.lowerBound...])
                    }
                }
            }
            #expect(Set(seen).count == seen.count)
            #expect(String(seen.count) == total)
        }
    }

    @Test func summaryCountAnswersOnlyTheTotal() async throws {
        let bundle = try await search("family=Doe&_summary=count")
        #expect(bundle["total"]?.number == "2")
        #expect(bundle["entry"] == nil)
    }
}

@Suite struct PreviousLinkTests {
    @Test func previousLinksWalkBackThroughTheSamePages() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            func page(_ uri: String) async throws -> (ids: [String], next: String?, previous: String?) {
                try await client.fhir(uri: uri, method: .get) { response in
                    let body = fhirBody(response)
                    return (entryIDs(body), bundleLink(body, "next"), bundleLink(body, "previous"))
                }
            }
            var forward: [[String]] = []
            var current = try await page("/fhir/Patient?_count=2")
            #expect(current.previous == nil)
            forward.append(current.ids)
            while let next = current.next {
                current = try await page(next)
                forward.append(current.ids)
            }
            #expect(forward.count >= 3)
            var backward: [[String]] = [current.ids]
            while let previous = current.previous {
                current = try await page(previous)
                backward.append(current.ids)
            }
            #expect(Array(backward.reversed()) == forward)
        }
    }
}

@Suite struct AliasTests {
    @Test func aliasServesTheSameResourcesWithTrailingSlashesAndPageOffset() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/api/api_fhir_r4/Patient/\(DemoDataset.johnDoeCHFID)/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.johnDoe)
            }
            try await client.fhir(uri: "/api/api_fhir_r4/metadata/", method: .get) { response in
                #expect(response.status == .ok)
            }
            var seen: [String] = []
            var page = 1
            var more = true
            while more {
                more = try await client.fhir(uri: "/api/api_fhir_r4/Patient/?_count=3&page-offset=\(page)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = fhirBody(response)
                    seen += entryIDs(body)
                    let links = body["link"]?.array ?? []
                    let selfURL = links.first { $0["relation"]?.string == "self" }?["url"]?.string ?? ""
                    #expect(selfURL.contains("/api/api_fhir_r4/Patient?") && selfURL.hasSuffix("page-offset=\(page)"))
                    #expect((links.first { $0["relation"]?.string == "previous" } != nil) == (page > 1))
                    return links.first { $0["relation"]?.string == "next" }?["url"]?.string?.hasSuffix("page-offset=\(page + 1)") ?? false
                }
                page += 1
            }
            #expect(Set(seen).count == seen.count)
            #expect(seen.count == 8)
        }
    }
}

@Suite struct SearchFormTests {
    @Test func postSearchTakesAFormBodyAndMergesTheQuery() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(
                uri: "/fhir/Patient/_search?gender=male", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "family=Doe&_count=5")
            ) { response in
                #expect(response.status == .ok)
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.johnDoe])
            }
            try await client.fhir(
                uri: "/fhir/Patient/_search", method: .post, headers: [.contentType: "application/fhir+json"],
                body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }

    @Test func formatJSONAndPrettyAreHonoured() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.johnDoeCHFID)?_format=application/fhir%2Bjson&_pretty=true", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.hasPrefix("{\n  \"resourceType\": \"Patient\""))
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.johnDoe)
            }
            try await client.fhir(uri: "/fhir/Patient?family=Doe&_total=none", method: .get) { response in
                #expect(fhirBody(response)["total"] == nil)
            }
        }
    }
}
