import FHIRModels
import Foundation
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Testing

@testable import FHIRServer

/// The cache of rendered resources: hits only for the current version, and every commit that changes a row
/// a rendering read drops it, versioned write or not.
@Suite struct RenderCacheTests {
    /// The demo world, the service (to see its cache) and an application over it.
    func makeService(cacheBytes: Int = 32 << 20) throws -> (FHIRService, some ApplicationProtocol, IMISDatabase) {
        let database = try demoDatabase()
        let logger = quietLogger
        let environment = testEnvironment(
            configuration: ServerConfiguration(resourceCacheBytes: cacheBytes), database: database, logger: logger)
        let service = buildService(environment)
        let app = Application(responder: FHIRResponder(service: service, auth: environment.auth), logger: logger)
        return (service, app, database)
    }

    func john(_ client: some TestClientProtocol) async throws -> JSON {
        try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
            #expect(response.status == .ok)
            return fhirBody(response)
        }
    }

    @Test func aSecondReadIsAHitWithTheSameBytes() async throws {
        let (service, app, _) = try makeService()
        try await app.test(.router) { client in
            let uri = "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)"
            let first = try await client.fhir(uri: uri, method: .get) { Array(buffer: $0.body) }
            let second = try await client.fhir(uri: uri, method: .get) { response in
                #expect(response.headers[.eTag] == "W/\"1\"")
                #expect(response.headers[.lastModified] == "Tue, 14 Nov 2023 22:13:20 GMT")
                return Array(buffer: response.body)
            }
            #expect(first == second)
            // The search match comes from the same entry; the pretty form is still encoded on demand.
            try await client.fhir(uri: "/fhir/Patient?identifier=\(DemoDataset.johnDoeCHFID)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.johnDoe])
            }
            try await client.fhir(uri: uri + "?_pretty=true", method: .get) { response in
                #expect(String(buffer: response.body).contains("\n  \"resourceType\": \"Patient\""))
            }
        }
        let statistics = try #require(service.renderCache?.statistics)
        #expect(statistics.hits >= 3)
        #expect(statistics.entries >= 1)
    }

    @Test func aNewVersionIsServedAtOnce() async throws {
        let (_, app, database) = try makeService()
        let store = SQLiteRegistryStore(database: database)
        try await app.test(.router) { client in
            #expect(try await john(client)["name"]?.array?.first?["given"]?.array?.first?.string == "John")
            var row = try #require(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.johnDoe)?.record)
            row.otherNames = "Johnny"
            _ = try await store.update(row)
            let body = try await john(client)
            #expect(body["meta"]?["versionId"]?.string == "2")
            #expect(body["name"]?.array?.first?["given"]?.array?.first?.string == "Johnny")
        }
    }

    @Test func aBundleOfCachedMatchesIsTheBundleOfTheirModels() async throws {
        let (service, _, _) = try makeService()
        let provider = try #require(service.providers["Patient"])
        let rendered = try await provider.read(id: DemoDataset.UUIDs.johnDoe)
        let cached = try await provider.read(id: DemoDataset.UUIDs.johnDoe)
        #expect(cached.json == rendered.json)
        #expect(cached.resourceID == DemoDataset.UUIDs.johnDoe)
        // The model of a cached rendering is decoded on demand and encodes back to the same bytes.
        #expect(cached.resource.jsonBytes() == rendered.resource.jsonBytes())
        let base = "http://example.org/fhir"
        let links = [
            FHIRBundleLink(relation: "self", url: FHIRPrimitive(FHIRURI("\(base)/Patient?identifier=1&x=\"y\""))),
            FHIRBundleLink(relation: "next", url: FHIRPrimitive(FHIRURI("\(base)/Patient?_cursor=abc"))),
        ]
        let fast = try #require(SearchBundleJSON.encode(
            total: 2, links: links, matches: [cached, cached], base: base, type: "Patient"))
        let entry = FHIRBundleEntry(
            fullUrl: FHIRPrimitive(FHIRURI("\(base)/Patient/\(DemoDataset.UUIDs.johnDoe)")), resource: rendered.resource,
            search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.match)))
        let bundle = FHIRBundle(
            type: FHIRPrimitive(.searchset), total: FHIRPrimitive(FHIRUnsignedInt(2)), link: links, entry: [entry, entry])
        #expect(fast == Resource.bundle(bundle).jsonBytes())
        #expect(SearchBundleJSON.encode(total: 0, links: links, matches: [], base: base, type: "Patient") == nil)
        var changed = cached
        changed.resource = rendered.resource
        #expect(changed.json == nil)
        #expect(SearchBundleJSON.encode(total: 1, links: links, matches: [changed], base: base, type: "Patient") == nil)
    }

    @Test func changesToRelatedRowsDropTheRendering() async throws {
        let (service, app, database) = try makeService()
        try await app.test(.router) { client in
            let before = try await john(client)
            #expect(before["address"]?.array?.first?["city"]?.string == "Jamula")
            #expect(before["contact"]?.array?.first?["name"]?["family"]?.string == "Doe")
            // Unversioned writes straight to the tables: the village's name, the head's name.
            try await database.write { db in
                try db.execute(sql: "UPDATE tblLocations SET LocationName = 'Jamula North' WHERE LocationCode = 'R1D1M2V1'")
            }
            #expect(try await john(client)["address"]?.array?.first?["city"]?.string == "Jamula North")
            try await database.write { db in
                try db.execute(sql: "UPDATE tblInsuree SET LastName = 'Doe-Smith' WHERE CHFID = ?", arguments: [DemoDataset.janeDoeCHFID])
            }
            let after = try await john(client)
            #expect(after["contact"]?.array?.first?["name"]?["family"]?.string == "Doe-Smith")
            #expect(after["meta"]?["versionId"]?.string == "1")
            // A write to a row John's Patient does not show leaves the entry alone.
            let hits = service.renderCache?.statistics.hits ?? 0
            try await database.write { db in
                try db.execute(sql: "UPDATE tblLocations SET LocationName = 'Rulu Town' WHERE LocationCode = 'R1D2M1V1'")
            }
            _ = try await john(client)
            #expect(service.renderCache?.statistics.hits == hits + 1)
        }
    }

    @Test func deletionAnswers410AndTheCacheCanBeOff() async throws {
        let (service, app, database) = try makeService(cacheBytes: 0)
        #expect(service.renderCache == nil)
        let store = SQLiteRegistryStore(database: database)
        try await app.test(.router) { client in
            _ = try await john(client)
            let id = try #require(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.johnDoe)?.record.id)
            _ = try await store.delete(Insuree.self, id: id)
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(response.status == .gone)
            }
        }
        let (_, cachedApp, cachedDatabase) = try makeService()
        let cachedStore = SQLiteRegistryStore(database: cachedDatabase)
        try await cachedApp.test(.router) { client in
            _ = try await john(client)
            let id = try #require(try await cachedStore.record(Insuree.self, uuid: DemoDataset.UUIDs.johnDoe)?.record.id)
            _ = try await cachedStore.delete(Insuree.self, id: id)
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(response.status == .gone)
            }
        }
    }

    func json(_ text: String) -> [UInt8] { Array(repeating: 0x20, count: 1000) + Array(text.utf8) }

    @Test func aRenderingThatRacedWithAChangeIsNotStored() {
        let cache = RenderCache(byteLimit: 1 << 20)
        let family = RowKey(table: "tblFamilies", rowID: 7)
        let ticket = cache.ticket
        cache.apply(CommittedChanges(rows: [family]))
        cache.insert(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant, json: json("a"),
                     dependencies: [family, RowKey(table: "tblInsuree", rowID: 1)], ticket: ticket)
        #expect(cache.lookup(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant) == nil)
        // A change elsewhere since the ticket does not matter.
        let other = cache.ticket
        cache.apply(CommittedChanges(rows: [RowKey(table: "tblFamilies", rowID: 8)]))
        cache.insert(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant, json: json("a"),
                     dependencies: [family], ticket: other)
        #expect(cache.lookup(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant) != nil)
        #expect(cache.lookup(type: "Patient", id: "a", versionId: 2, lastUpdated: demoInstant) == nil)
        // Set dependencies (a query over the table) fall with any change to the table; bulk changes drop all.
        cache.insert(type: "Group", id: "g", versionId: 1, lastUpdated: demoInstant, json: json("g"),
                     dependencies: [RowKey(table: "tblInsuree", rowID: nil)], ticket: cache.ticket)
        cache.apply(CommittedChanges(rows: [RowKey(table: "tblInsuree", rowID: 99)]))
        #expect(cache.lookup(type: "Group", id: "g", versionId: 1, lastUpdated: demoInstant) == nil)
        #expect(cache.lookup(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant) != nil)
        cache.apply(CommittedChanges(tables: ["tblFamilies"]))
        #expect(cache.lookup(type: "Patient", id: "a", versionId: 1, lastUpdated: demoInstant) == nil)
        cache.insert(type: "Patient", id: "b", versionId: 1, lastUpdated: demoInstant, json: json("b"),
                     dependencies: [], ticket: cache.ticket)
        cache.invalidate(type: "Patient", id: "b")
        #expect(cache.statistics.entries == 0)
    }

    @Test func memoryStaysUnderTheLimit() {
        let cache = RenderCache(byteLimit: 200_000)
        for i in 0..<1000 {
            cache.insert(type: "Patient", id: "p\(i)", versionId: 1, lastUpdated: demoInstant, json: json("p\(i)"),
                         dependencies: [RowKey(table: "tblInsuree", rowID: Int64(i))], ticket: cache.ticket)
            // Keep one entry hot: the clock passes it over.
            _ = cache.lookup(type: "Patient", id: "p0", versionId: 1, lastUpdated: demoInstant)
        }
        let statistics = cache.statistics
        #expect(statistics.bytes <= 200_000)
        #expect(statistics.entries > 10)
        #expect(cache.lookup(type: "Patient", id: "p0", versionId: 1, lastUpdated: demoInstant) != nil)
        #expect(cache.lookup(type: "Patient", id: "p999", versionId: 1, lastUpdated: demoInstant) != nil)
    }

    @Test func httpDatesMatchTheCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let instants: [TimeInterval] = [0, 784_111_777, 951_782_400, 1_700_000_000, 1_709_164_799.999, 4_102_444_800, -86_401]
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            let c = calendar.dateComponents([.weekday, .year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", HTTPDate.days[(c.weekday ?? 1) - 1], c.day ?? 1,
                HTTPDate.months[(c.month ?? 1) - 1], c.year ?? 1970, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
            #expect(HTTPDate.format(date) == expected)
        }
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}
