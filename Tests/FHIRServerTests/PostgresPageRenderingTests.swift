import Foundation
@testable import IMISData
import Testing

@testable import FHIRServer

/// A page of resources on PostgreSQL renders on a few connections held for the page: each connection the pool
/// takes back schedules timers whose memory outlives their cancellation by up to a minute, so a page whose
/// every related read leased a connection made an export's memory grow with its speed.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct PostgresPageRenderingTests {
    @Test func aPageRendersOnOneLeasedConnectionPerWorkerNotOnePerRead() async throws {
        let lease = try await TestPostgres.freshDatabase()
        try await lease.database.migrate()
        try await SyntheticData.generate(families: 30, seed: 7, into: lease.database)
        let store = PostgresRegistryStore(database: lease.database)
        let provider = try #require(RegistryProviders.all(store: store, mapping: MappingContext()).first { $0.resourceType == "Patient" })
        let query = try SearchQuery.parse(QueryParameters([("_count", "100"), ("_total", "none")]), for: provider, strict: true)
        let leases = ConnectionLeases()
        let page = try await ConnectionLeases.$current.withValue(leases) { try await provider.search(query) }
        // Every Patient reads at least its family: two reads or more a resource.
        #expect(page.resources.count >= 90)
        // The page's search, then one lease for each worker.
        #expect(leases.count <= 1 + RegistryProvider<Insuree>.renderWidth)
        withExtendedLifetime(lease) {}
    }

    @Test func aPageWhoseReadsMayGoToAReplicaLeasesAConnectionPerReadSoThatEachPicksItsServer() async throws {
        let lease = try await TestPostgres.freshDatabase()
        try await lease.database.migrate()
        try await SyntheticData.generate(families: 30, seed: 7, into: lease.database)
        var settings = try PostgresSettings(url: try #require(TestPostgres.url))
        settings.database = lease.name
        settings.tls = .disable
        settings.maximumConnections = 4
        settings.allowSlowTestMachines()
        // The same server named as a replica: whether it is picked or not, each read is routed on its own.
        settings.replicas = [PostgresReplica(host: settings.host, port: settings.port)]
        let database = IMISPostgres(settings: settings, logger: TestPostgres.logger)
        let running = Task.detached { await database.run() }
        defer { running.cancel() }
        let provider = try #require(RegistryProviders.all(store: PostgresRegistryStore(database: database), mapping: MappingContext())
            .first { $0.resourceType == "Patient" })
        let query = try SearchQuery.parse(QueryParameters([("_count", "100"), ("_total", "none")]), for: provider, strict: true)
        let leases = ConnectionLeases()
        let page = try await ReadRouting.$mayUseReplica.withValue(true) {
            try await ConnectionLeases.$current.withValue(leases) { try await provider.search(query) }
        }
        #expect(page.resources.count >= 90)
        #expect(leases.count > page.resources.count)
        withExtendedLifetime(lease) {}
    }
}
