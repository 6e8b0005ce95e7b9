import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import NIOCore
import Testing

@testable import FHIRServer

/// Whole identifier-search answers kept in the render cache: served again without the database, and never after a
/// commit that could change them, nor to a caller with other access restrictions.
@Suite struct SearchCacheTests {
    let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]

    func makeService(cacheBytes: Int = 32 << 20) throws -> (FHIRService, some ApplicationProtocol, IMISDatabase) {
        try RenderCacheTests().makeService(cacheBytes: cacheBytes)
    }

    /// The body of a search that must answer 200.
    func search(_ client: some TestClientProtocol, _ query: String) async throws -> [UInt8] {
        try await client.fhir(uri: "/fhir/Patient?\(query)", method: .get) { response in
            #expect(response.status == .ok, "\(query)")
            _ = fhirBody(response)
            return Array(buffer: response.body)
        }
    }

    func ids(_ client: some TestClientProtocol, _ query: String) async throws -> [String] {
        entryIDs(try JSONParser.parse(try await search(client, query)))
    }

    @Test func aRepeatedIdentifierSearchIsAnsweredFromTheCacheWithTheSameBytes() async throws {
        let (service, app, _) = try makeService()
        let cache = try #require(service.renderCache)
        let query = "identifier=\(DemoDataset.johnDoeCHFID)&_total=accurate"
        let (first, second) = try await app.test(.router) { client in
            let first = try await search(client, query)
            #expect(cache.statistics.entries == 2, "John's rendering and the answer")
            let before = cache.statistics
            let second = try await search(client, query)
            let after = cache.statistics
            #expect(after.hits == before.hits + 1)
            #expect(after.misses == before.misses)
            #expect(after.entries == 2)
            return (first, second)
        }
        #expect(first == second)
        let body = try JSONParser.parse(second)
        #expect(body["type"]?.string == "searchset")
        #expect(body["total"]?.number == "1")
        #expect(entryIDs(body) == [DemoDataset.UUIDs.johnDoe])
        let link = body["link"]?.array?.first
        #expect(link?["relation"]?.string == "self")
        #expect(link?["url"]?.string?.hasSuffix("/fhir/Patient?\(query)") == true)
        // The very bytes the server gives without any cache.
        let (_, uncachedApp, _) = try makeService(cacheBytes: 0)
        let uncached = try await uncachedApp.test(.router) { client in try await search(client, query) }
        #expect(uncached == second)
    }

    @Test func otherParametersTakeTheGeneralPath() async throws {
        let (service, app, _) = try makeService()
        let cache = try #require(service.renderCache)
        try await app.test(.router) { client in
            let john = DemoDataset.johnDoeCHFID
            _ = try await search(client, "identifier=\(john)")
            let entries = cache.statistics.entries
            let elements = try JSONParser.parse(try await search(client, "identifier=\(john)&_elements=gender"))
            #expect(elements["entry"]?.array?.first?["resource"]?["name"] == nil)
            #expect(elements["entry"]?.array?.first?["resource"]?["gender"]?.string == "male")
            let included = try JSONParser.parse(
                try await search(client, "identifier=\(john)&_include=Patient:general-practitioner"))
            #expect((included["entry"]?.array?.count ?? 0) >= 1)
            let count = try JSONParser.parse(try await search(client, "identifier=\(john)&_summary=count"))
            #expect(count["total"]?.number == "1")
            #expect(count["entry"] == nil)
            #expect(try await ids(client, "identifier=\(john)&gender=female").isEmpty)
            #expect(try await ids(client, "identifier=\(john)&_pretty=true") == [DemoDataset.UUIDs.johnDoe])
            #expect(cache.statistics.entries == entries, "none of these answers is kept")
            // A search by name is not kept either.
            #expect(try await ids(client, "name=Doe&_count=100").count == 2)
            #expect(cache.statistics.entries == entries + 1, "only Jane's rendering")
        }
    }

    @Test func aCreateWithTheSearchedIdentifierIsFoundAtOnce() async throws {
        let (service, app, _) = try makeService()
        let cache = try #require(service.renderCache)
        try await app.test(.router) { client in
            #expect(try await ids(client, "identifier=987654321").isEmpty)
            let hits = cache.statistics.hits
            #expect(try await ids(client, "identifier=987654321").isEmpty)
            #expect(cache.statistics.hits == hits + 1, "the empty answer is kept too")
            let id = try await client.fhir(
                uri: "/fhir/Patient", method: .post, headers: fhirJSON,
                body: ByteBuffer(string: newPatient(chfid: "987654321"))
            ) { response in
                #expect(response.status == .created)
                return fhirBody(response)["id"]?.string ?? ""
            }
            #expect(try await ids(client, "identifier=987654321") == [id])
        }
    }

    @Test func anUpdateThatChangesTheInsuranceNumberMovesTheMatch() async throws {
        let (_, app, _) = try makeService()
        try await app.test(.router) { client in
            let id = try await client.fhir(
                uri: "/fhir/Patient", method: .post, headers: fhirJSON,
                body: ByteBuffer(string: newPatient(chfid: "987654321"))
            ) { fhirBody($0)["id"]?.string ?? "" }
            #expect(try await ids(client, "identifier=987654321") == [id])
            #expect(try await ids(client, "identifier=987654322").isEmpty)
            try await client.fhir(
                uri: "/fhir/Patient/\(id)", method: .put, headers: fhirJSON,
                body: ByteBuffer(string: newPatient(chfid: "987654322", id: id))
            ) { #expect($0.status == .ok) }
            #expect(try await ids(client, "identifier=987654321").isEmpty)
            #expect(try await ids(client, "identifier=987654322") == [id])
            // A change of the name alone shows in the kept answer's match.
            try await client.fhir(
                uri: "/fhir/Patient/\(id)", method: .put, headers: fhirJSON,
                body: ByteBuffer(string: newPatient(chfid: "987654322", family: "Phiri", id: id))
            ) { #expect($0.status == .ok) }
            let body = try JSONParser.parse(try await search(client, "identifier=987654322"))
            let patient = body["entry"]?.array?.first?["resource"]
            #expect(patient?["name"]?.array?.first?["family"]?.string == "Phiri")
            #expect(patient?["meta"]?["versionId"]?.string == "3")
        }
    }

    @Test func aDeletedPatientIsNoLongerFound() async throws {
        let (_, app, _) = try makeService()
        try await app.test(.router) { client in
            let query = "identifier=\(DemoDataset.johnDoeCHFID)"
            #expect(try await ids(client, query) == [DemoDataset.UUIDs.johnDoe])
            #expect(try await ids(client, query) == [DemoDataset.UUIDs.johnDoe])
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .delete) {
                #expect($0.status == .noContent)
            }
            #expect(try await ids(client, query).isEmpty)
        }
    }

    @Test func aChangeToTheFamilyShowsInTheKeptAnswer() async throws {
        let (_, app, database) = try makeService()
        try await app.test(.router) { client in
            let query = "identifier=\(DemoDataset.johnDoeCHFID)"
            func address() async throws -> String? {
                let body = try JSONParser.parse(try await search(client, query))
                return body["entry"]?.array?.first?["resource"]?["address"]?.array?.first?["line"]?.array?.first?.string
            }
            let before = try await address()
            #expect(before != nil)
            #expect(try await address() == before)
            // The family's address is shown by every member's Patient, not stored on the insuree.
            try await database.write { db in
                try db.execute(
                    sql: "UPDATE tblFamilies SET FamilyAddress = '12 Well Lane' WHERE FamilyUUID = ? COLLATE NOCASE",
                    arguments: [DemoDataset.UUIDs.doeFamily])
            }
            #expect(try await address() == "12 Well Lane")
            // So is the head's name, through a row of the same table as the match.
            try await database.write { db in
                try db.execute(sql: "UPDATE tblInsuree SET LastName = 'Doe-Smith' WHERE CHFID = ?",
                               arguments: [DemoDataset.janeDoeCHFID])
            }
            let body = try JSONParser.parse(try await search(client, query))
            let contact = body["entry"]?.array?.first?["resource"]?["contact"]?.array?.first
            #expect(contact?["name"]?["family"]?.string == "Doe-Smith")
        }
    }

    @Test func restrictedCallersGetTheirOwnAnswers() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        try await world.user("rapta-clerk", districts: [rapta])
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.run { client in
            let admin = try await client.signIn(DemoDataset.Accounts.admin.username, password: DemoDataset.Accounts.admin.password)
            let clerk = try await client.signIn("rapta-clerk")
            let zoe = try await client.signIn("zoe")
            let john = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let johnQuery = "identifier=\(DemoDataset.johnDoeCHFID)"
            let zoeQuery = "identifier=100000001"
            let penaQuery = "identifier=100000004"
            // Each caller twice (the second answer may come from the cache), in an order that would leak.
            for _ in 0..<2 {
                #expect(try await client.entryIDs("/fhir/Patient?\(johnQuery)", token: admin) == [DemoDataset.UUIDs.johnDoe])
                #expect(try await client.entryIDs("/fhir/Patient?\(zoeQuery)", token: admin).count == 1)
                #expect(try await client.entryIDs("/fhir/Patient?\(penaQuery)", token: admin).count == 1)
                #expect(try await client.entryIDs("/fhir/Patient?\(johnQuery)", token: clerk) == [DemoDataset.UUIDs.johnDoe], "the Does live in Rapta")
                #expect(try await client.entryIDs("/fhir/Patient?\(zoeQuery)", token: clerk).count == 1, "so do the Müllers")
                #expect(try await client.entryIDs("/fhir/Patient?\(penaQuery)", token: clerk).isEmpty, "the Peñas do not")
                #expect(try await client.entryIDs("/fhir/Patient?\(johnQuery)", token: zoe).isEmpty)
                #expect(try await client.entryIDs("/fhir/Patient?\(zoeQuery)", token: zoe).count == 1)
                #expect(try await client.entryIDs("/fhir/Patient?\(penaQuery)", token: zoe).isEmpty)
                #expect(try await client.entryIDs("/fhir/Patient?\(johnQuery)", token: john) == [DemoDataset.UUIDs.johnDoe])
                #expect(try await client.entryIDs("/fhir/Patient?\(zoeQuery)", token: john).isEmpty)
            }
        }
    }

    /// A new head of family in Jamula village.
    func newPatient(chfid: String, family: String = "Banda", id: String? = nil) -> String {
        WriteTests().newPatient(chfid: chfid, family: family, id: id)
    }
}
