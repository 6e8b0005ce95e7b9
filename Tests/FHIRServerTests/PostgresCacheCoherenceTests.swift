import FHIRModels
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import IMISData
import Logging
import PostgresNIO
import Testing

@testable import FHIRServer

/// The render cache on PostgreSQL, where other instances and openIMIS write the same tables: the database's change
/// notifications (migration "v13 change notifications") drop what every writer's commit changed, a writer never
/// reads its own write stale, and a dropped notification connection flushes the cache instead of trusting it.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct PostgresCacheCoherenceTests {
    /// One instance over `database`: its service (to see the cache) and an application, its change feed started.
    func instance(_ database: IMISPostgres) -> (FHIRService, some ApplicationProtocol) {
        let storage = Storage.postgres(database)
        let environment = ApplicationEnvironment(
            configuration: ServerConfiguration(resourceCacheBytes: 32 << 20), storage: storage, auth: testAuth(storage),
            logger: quietLogger)
        let service = buildService(environment)
        database.changeFeed.start()
        return (service, Application(responder: FHIRResponder(service: service, auth: environment.auth), logger: quietLogger))
    }

    /// A migrated database with the demo rows.
    func demoLease() async throws -> TestDatabaseLease {
        try await demoPostgres(copying: try demoDatabase())
    }

    func listening(_ database: IMISPostgres) async throws {
        for _ in 0..<500 where !database.changeFeed.isListening { try await Task.sleep(for: .milliseconds(10)) }
        try #require(database.changeFeed.isListening, "the change feed did not connect")
    }

    func john(_ client: some TestClientProtocol) async throws -> JSON {
        try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
            #expect(response.status == .ok)
            return fhirBody(response)
        }
    }

    func given(_ patient: JSON) -> String? { patient["name"]?.array?.first?["given"]?.array?.first?.string }
    func city(_ patient: JSON) -> String? { patient["address"]?.array?.first?["city"]?.string }

    /// Polls `read` until `done` holds (at most 5 s); how long it took.
    func seconds(until done: @escaping (JSON) -> Bool, _ read: () async throws -> JSON) async throws -> Double {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(5) {
            if done(try await read()) {
                let elapsed = (ContinuousClock.now - start).components
                return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("the change was not seen within 5 s")
        return 5
    }

    /// A statement on the database as another program would run it (not through any instance).
    func sql(_ database: IMISPostgres, _ text: String) async throws {
        _ = try await database.client.query(PostgresQuery(unsafeSQL: text), logger: quietLogger).collect()
    }

    @Test func aWriteOnOneInstanceIsReadAtOnceThereAndSoonOnTheOther() async throws {
        let lease = try await demoLease()
        let second = IMISPostgres(settings: lease.database.settings, logger: TestPostgres.logger)
        let running = Task.detached { await second.run() }
        defer { running.cancel() }
        let (serviceA, appA) = instance(lease.database)
        let (serviceB, appB) = instance(second)
        try await listening(lease.database)
        try await listening(second)
        let store = PostgresRegistryStore(database: lease.database)
        try await appA.test(.router) { a in
            try await appB.test(.router) { b in
                #expect(given(try await john(a)) == "John")
                #expect(given(try await john(b)) == "John")
                let hitsB = serviceB.renderCache?.statistics.hits ?? 0
                #expect(given(try await john(b)) == "John")
                #expect((serviceB.renderCache?.statistics.hits ?? 0) > hitsB, "the second read on B is a hit")
                var delays: [Double] = []
                for n in 1...10 {
                    var row = try #require(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.johnDoe)?.record)
                    row.otherNames = "John \(n)"
                    _ = try await store.update(row)
                    // The writer's own instance: at once, every time.
                    #expect(given(try await john(a)) == "John \(n)")
                    delays.append(try await seconds(until: { given($0) == "John \(n)" }) { try await john(b) })
                }
                print("another instance's write seen after (s): max \(delays.max() ?? 0), all \(delays)")
                let hits = serviceA.renderCache?.statistics.hits ?? 0
                #expect(given(try await john(a)) == "John 10")
                #expect((serviceA.renderCache?.statistics.hits ?? 0) > hits, "the writer's instance caches again")
            }
        }
    }

    @Test func aWriteMadeDirectlyInSQLDropsTheRenderingsThatReadTheRow() async throws {
        let lease = try await demoLease()
        let (service, app) = instance(lease.database)
        try await listening(lease.database)
        try await app.test(.router) { client in
            #expect(city(try await john(client)) == "Jamula")
            #expect(city(try await john(client)) == "Jamula")
            #expect((service.renderCache?.statistics.hits ?? 0) >= 1)
            // openIMIS renames the village, a row John's Patient was rendered from (not the insuree's own row).
            try await sql(lease.database, #"UPDATE "tblLocations" SET "LocationName" = 'Jamula North' WHERE "LocationCode" = 'R1D1M2V1'"#)
            let delay = try await seconds(until: { city($0) == "Jamula North" }) { try await john(client) }
            print("a direct SQL write seen after \(delay) s")
            // A write to a row John's Patient does not show leaves the entry alone.
            _ = try await john(client)
            let hits = service.renderCache?.statistics.hits ?? 0
            try await sql(lease.database, #"UPDATE "tblLocations" SET "LocationName" = 'Rulu Town' WHERE "LocationCode" = 'R1D2M1V1'"#)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await john(client)
            #expect(service.renderCache?.statistics.hits == hits + 1)
        }
    }

    @Test func whenTheNotificationConnectionIsKilledTheCacheIsFlushedAndRebuilt() async throws {
        let lease = try await demoLease()
        let (service, app) = instance(lease.database)
        try await listening(lease.database)
        try await app.test(.router) { client in
            #expect(given(try await john(client)) == "John")
            #expect(given(try await john(client)) == "John")
            let flushes = service.renderCache?.flushes ?? 0
            // The listening connection dies; while it is away, openIMIS changes the row (a notification nobody hears).
            try await sql(lease.database, """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = '\(PostgresChangeFeed.applicationName)' AND datname = current_database()
                """)
            for _ in 0..<500 where lease.database.changeFeed.isListening { try await Task.sleep(for: .milliseconds(1)) }
            try await sql(lease.database, #"UPDATE "tblInsuree" SET "OtherNames" = 'Jonathan' WHERE "CHFID" = '\#(DemoDataset.johnDoeCHFID)'"#)
            try await listening(lease.database)
            #expect((service.renderCache?.flushes ?? 0) >= flushes + 2, "flushed when dropped and when listening again")
            #expect(given(try await john(client)) == "Jonathan")
            // Rebuilt: cached again, and coherent again.
            let hits = service.renderCache?.statistics.hits ?? 0
            #expect(given(try await john(client)) == "Jonathan")
            #expect((service.renderCache?.statistics.hits ?? 0) > hits)
            try await sql(lease.database, #"UPDATE "tblInsuree" SET "OtherNames" = 'Jon' WHERE "CHFID" = '\#(DemoDataset.johnDoeCHFID)'"#)
            _ = try await seconds(until: { given($0) == "Jon" }) { try await john(client) }
        }
    }

    @Test func withoutTheTriggersNothingIsCached() async throws {
        let lease = try await demoLease()
        try await sql(lease.database, "DROP FUNCTION \(PostgresChangeNotifications.function)() CASCADE")
        let (service, app) = instance(lease.database)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!lease.database.changeFeed.isListening)
        try await app.test(.router) { client in
            #expect(given(try await john(client)) == "John")
            #expect(given(try await john(client)) == "John")
            #expect(service.renderCache?.statistics.hits == 0)
            try await sql(lease.database, #"UPDATE "tblInsuree" SET "OtherNames" = 'Jonathan' WHERE "CHFID" = '\#(DemoDataset.johnDoeCHFID)'"#)
            #expect(given(try await john(client)) == "Jonathan")
        }
    }
}
