import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Logging
import PostgresNIO
import Testing

@testable import FHIRServer

/// Reads on a real streaming replica (`pg_basebackup -R`, `DB_REPLICA_HOSTS`): searches go to the replica, a writer
/// reads its own writes, cached renderings come from the primary, and a replica that is down leaves the primary to
/// answer. The replica's replay is paused to make it lag at will.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct ReadReplicaTests {
    /// Runs `sql` on the server at `port` over a connection of its own (the way openIMIS or an operator would).
    /// How many rows it returned.
    @discardableResult
    static func sql(_ port: Int, _ sql: String) async throws -> Int {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "imis", password: nil, database: "postgres", tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: TestPostgres.logger)
        defer { Task { try? await connection.close() } }
        return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect().count
    }

    static func families(_ client: some TestClientProtocol, _ name: String) async throws -> Int {
        try await client.fhir(uri: "/fhir/Patient?family=\(name)&_total=accurate", method: .get) { response in
            #expect(response.status == .ok)
            return Int(fhirBody(response)["total"]?.number ?? "") ?? -1
        }
    }

    @Test func searchesGoToTheReplicaWhileWritersReadTheirOwnWritesAndAReplicaDownLeavesThePrimary() async throws {
        let primary = try OwnPostgresCluster()
        defer { primary.remove() }
        try await primary.start()
        var settings = try PostgresSettings(url: primary.url)
        settings.tls = .disable
        settings.allowSlowTestMachines()
        do {
            let loader = IMISPostgres(settings: settings, logger: TestPostgres.logger)
            let running = Task.detached { await loader.run() }
            defer { running.cancel() }
            try await loader.migrate()
            try await loader.copyRows(from: try demoDatabase())
        }
        let standby = try OwnPostgresCluster(standbyOf: primary)
        defer { standby.remove() }
        try await standby.start()
        settings.replicas = [PostgresReplica(host: "127.0.0.1", port: standby.port)]
        // Lag allowed for long: while the replay is paused the replica keeps answering, as it would for a moment.
        settings.replicaMaxLag = .seconds(60)
        let database = IMISPostgres(settings: settings, logger: TestPostgres.logger)
        let running = Task.detached { await database.run() }
        defer { running.cancel() }
        let app = buildApplication(ApplicationEnvironment(
            configuration: ServerConfiguration(), storage: .postgres(database), auth: testAuth(.postgres(database)),
            logger: TestPostgres.logger))
        let john = "/fhir/Patient/\(DemoDataset.johnDoeCHFID)"
        try await app.test(.router) { client in
            try await client.fhir(uri: john, method: .get) { #expect($0.status == .ok) }
            #expect(try await Self.families(client, "Doe") > 0)

            // The replica stops replaying; openIMIS renames John on the primary.
            try await Self.sql(standby.port, "SELECT pg_wal_replay_pause()")
            #expect(try await Self.sql(primary.port, """
                UPDATE "tblInsuree" SET "LastName" = 'Replicated' WHERE "CHFID" = '\(DemoDataset.johnDoeCHFID)' AND "ValidityTo" IS NULL
                RETURNING "InsureeID"
                """) == 1)
            // A search is the replica's: it has not seen the change yet.
            #expect(try await Self.families(client, "Replicated") == 0)
            // A read renders from the primary (its rendering is cached): the change notification dropped the old one.
            var name = ""
            for _ in 0..<100 where name != "Replicated" {
                name = try await client.fhir(uri: john, method: .get) { fhirBody($0)["name"]?.array?.first?["family"]?.string ?? "" }
                if name != "Replicated" { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(name == "Replicated")

            // A write of this server: its own reads find it at once, the replica still paused.
            let notice = try await SubscriptionDeliveryTests.notice(client, "REPLICA-1")
            try await client.fhir(uri: "/fhir/PaymentNotice?identifier=REPLICA-1", method: .get) { response in
                #expect(fhirBody(response)["entry"]?.array?.first?["resource"]?["id"]?.string == notice)
            }
            #expect(try await Self.families(client, "Replicated") == 1)

            // Replaying again, the replica catches up and answers searches again: paused once more, it misses the
            // next change made on the primary.
            try await Self.sql(standby.port, "SELECT pg_wal_replay_resume()")
            try await Task.sleep(for: .seconds(1))
            try await Self.sql(standby.port, "SELECT pg_wal_replay_pause()")
            #expect(try await Self.sql(primary.port, """
                UPDATE "tblInsuree" SET "LastName" = 'Again' WHERE "CHFID" = '\(DemoDataset.johnDoeCHFID)' AND "ValidityTo" IS NULL
                RETURNING "InsureeID"
                """) == 1)
            #expect(try await Self.families(client, "Again") == 0)
            #expect(try await Self.families(client, "Replicated") == 1)

            // The replica stops: the primary answers, without an error.
            try await standby.stop()
            #expect(try await Self.families(client, "Again") == 1)
            try await client.fhir(uri: "/fhir/PaymentNotice?identifier=REPLICA-1", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func replicaHostsAreReadAsHostAndPortLists() {
        #expect(PostgresReplica.list("db-2, db-3:5433,[::1]:6432") == [
            PostgresReplica(host: "db-2", port: 5432), PostgresReplica(host: "db-3", port: 5433),
            PostgresReplica(host: "::1", port: 6432),
        ])
        #expect(PostgresReplica.list("") == [])
        for bad in ["db:x", "db:0", ":5432", "[::1]x", "db:70000"] { #expect(PostgresReplica.list(bad) == nil, "\(bad)") }
    }
}
