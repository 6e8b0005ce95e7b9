import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import IMISData

/// A database of its own on the test server (`IMIS_TEST_POSTGRES`), dropped when `body` ends.
func withPostgresDatabase(_ body: (IMISPostgres) async throws -> Void) async throws {
    guard let url = ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] else { return }
    var logger = Logger(label: "test.postgres")
    logger.logLevel = .critical
    var adminSettings = try PostgresSettings(url: url)
    adminSettings.tls = .disable
    adminSettings.allowSlowTestMachines()
    let admin = IMISPostgres(settings: adminSettings, logger: logger)
    let name = "imisfhir_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    var settings = adminSettings
    settings.database = String(name)
    let database = IMISPostgres(settings: settings, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await admin.run() }
        group.addTask { await database.run() }
        // The name is made here of hex digits: a database name cannot be bound.
        try await admin.execute(PGStatement("CREATE DATABASE \"\(name)\""))
        var failure: (any Error)?
        do { try await body(database) } catch { failure = error }
        try await admin.execute(PGStatement("DROP DATABASE \"\(name)\" WITH (FORCE)"))
        group.cancelAll()
        if let failure { throw failure }
    }
}

/// Migrates `database` and copies the demo world (written at `referenceDate`) into it.
func loadDemo(into database: IMISPostgres) async throws {
    try await database.migrate()
    let sqlite = try makeDatabase()
    try DemoDataset.load(into: sqlite, clock: .fixed(referenceDate))
    try await database.copyRows(from: sqlite)
}

/// Runs `body` with another connection pool on the database of `database` (as another server instance has),
/// its settings changed by `adjust`.
func withAnotherPool<T>(on database: IMISPostgres, adjust: (inout PostgresSettings) -> Void = { _ in },
                        _ body: (IMISPostgres) async throws -> T) async throws -> T {
    var settings = database.settings
    adjust(&settings)
    var logger = Logger(label: "test.postgres")
    logger.logLevel = .critical
    let other = IMISPostgres(settings: settings, logger: logger)
    let running = Task.detached { await other.run() }
    defer { running.cancel() }
    return try await body(other)
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
struct PostgresMigrationTests {
    func count(_ database: IMISPostgres, _ sql: String) async throws -> Int {
        Int.fromDatabaseValue(try await database.scalar(PGStatement(sql))) ?? -1
    }

    @Test func migratingCreatesTheOpenIMISLayoutAndIsIdempotent() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            let tables = try await count(database, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            let indexes = try await count(database, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
            try await database.migrate()
            #expect(try await count(database, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == tables)
            #expect(try await count(database, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'") == indexes)
            let catalog = try await database.catalog()
            #expect(catalog.column("tblInsuree", "InsureeUUID")?.type == "character varying")
            #expect(catalog.column("tblInsuree", "IsHead")?.kind == .boolean)
            #expect(catalog.column("tblInsuree", "ValidityFrom")?.kind == .timestamp)
            #expect(catalog.column("tblInsuree", "DOB")?.kind == .date)
            #expect(catalog.column("tblPremium", "Amount")?.type == "numeric")
            #expect(catalog.has("imisfhir_refresh_token"))
            // openIMIS's reference rows come with the tables.
            #expect(try await count(database, "SELECT count(*) FROM \"tblGender\"") > 0)
            // The CHF ID lookup has its index among current rows.
            #expect(try await count(database, "SELECT count(*) FROM pg_indexes WHERE indexname = 'imisfhir_tblinsuree_code'") == 1)
            // Name prefixes are looked up in the indexes of the folded names, not by folding every row.
            try await SyntheticData.generate(families: 3000, seed: 7, into: database)
            try await database.execute(PGStatement("ANALYZE \"tblInsuree\""))
            let table = try await database.table(Insuree.sql)
            var compiler = PostgresQueryCompiler(catalog: catalog, table: table)
            let condition = try compiler.compile(.or([.foldedStartsWith("LastName", "Bän"), .foldedStartsWith("OtherNames", "Bän")]))
            var explain = compiler.statement
            explain.sql = "EXPLAIN SELECT count(*) FROM \(table.name) t WHERE \(table.current) AND \(condition)"
            let plan = try await database.transaction {
                try await database.execute(PGStatement("SET LOCAL enable_seqscan = off"))
                return try await database.rows(explain).map { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? "" }
            }.joined(separator: "\n")
            // (Those of "v14 name search indexes", which serve the byte-order prefix ranges of any plan and replace
            // the indexes of the folded names alone.)
            #expect(try await count(database, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%\\_folded'") == 0)
            #expect(plan.contains("Index Scan on imisfhir_tblinsuree_lastname_order"), "\(plan)")
            #expect(plan.contains("Index Scan on imisfhir_tblinsuree_othernames_order"), "\(plan)")
            // The prefix bounds the scans (an index condition, not a filter over every entry), from both ends.
            let bounded = plan.split(separator: "\n").filter {
                $0.contains("Index Cond:") && $0.contains("~>=~ 'ban'") && $0.contains("~<~ 'bao'")
            }
            #expect(bounded.count == 2, "\(plan)")
        }
    }

    @Test func theNameSearchIndexesReplaceTheFoldedNameIndexesOfEarlierVersions() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            // What an earlier version left (its definition does not matter here).
            try await database.execute(PGStatement(#"CREATE INDEX imisfhir_tblinsuree_lastname_folded ON "tblInsuree" ("LastName")"#))
            try await database.migrate()
            #expect(try await count(database, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%\\_folded'") == 0)
            #expect(try await count(database, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%\\_order'") == 2)
        }
    }

    @Test func anExistingTableIsNeverAlteredAndKeepsItsRows() async throws {
        try await withPostgresDatabase { database in
            // An openIMIS tblInsuree with fewer columns, a bit flag and an extra column of its own.
            try await database.execute(PGStatement("""
                CREATE TABLE "tblInsuree" ("InsureeID" serial PRIMARY KEY, "InsureeUUID" varchar(36) NOT NULL, "FamilyID" integer,
                  "CHFID" varchar(12), "LastName" varchar(100) NOT NULL, "OtherNames" varchar(100) NOT NULL, "DOB" date NOT NULL,
                  "IsHead" bit(1) NOT NULL, "CardIssued" bit(1) NOT NULL, "ValidityFrom" timestamp NOT NULL, "ValidityTo" timestamp,
                  "LegacyID" integer, "AuditUserID" integer NOT NULL, "Custom" text)
                """))
            try await database.execute(PGStatement("""
                INSERT INTO "tblInsuree" ("InsureeUUID", "CHFID", "LastName", "OtherNames", "DOB", "IsHead", "CardIssued", "ValidityFrom", "AuditUserID", "Custom")
                VALUES ('AB12CD34-0000-4000-8000-000000000001', '123123123', 'Banda', 'Ruth', '1990-01-02', B'1', B'0', '2022-01-01 10:00:00', 7, 'kept')
                """))
            try await database.migrate()
            let catalog = try await database.catalog()
            #expect(catalog.column("tblInsuree", "IsHead")?.kind == .bit)
            #expect(catalog.column("tblInsuree", "Custom") != nil)
            #expect(catalog.column("tblInsuree", "Email") == nil, "no column is added to an existing table")
            #expect(try await count(database, "SELECT count(*) FROM \"tblInsuree\" WHERE \"Custom\" = 'kept'") == 1)
            let store = PostgresRegistryStore(database: database)
            let found = try #require(try await store.insuree(chfid: "123123123"))
            #expect(found.record.uuid == "ab12cd34-0000-4000-8000-000000000001")
            #expect(found.record.isHead)
            #expect(found.record.email == nil)
            #expect(try await store.insuree(uuid: "ab12cd34-0000-4000-8000-000000000001")?.record.id == found.record.id)
        }
    }

    @Test func versionedWritesKeepTheIdAndUUIDAndLeaveHistoryRows() async throws {
        try await withPostgresDatabase { database in
            try await loadDemo(into: database)
            let store = PostgresRegistryStore(database: database, clock: .fixed(referenceDate.addingTimeInterval(60)))
            let first = try await store.search(Insuree.self, RowQuery(limit: 1)).items.first
            let insuree = try #require(first)
            var changed = insuree.record
            changed.lastName = "Changed"
            let updated = try await store.update(changed, ifVersion: insuree.versionId)
            #expect(updated.versionId == insuree.versionId + 1)
            #expect(updated.record.uuid == insuree.record.uuid)
            let versions = try await store.versions(Insuree.self, id: insuree.record.id!)
            #expect(versions.map(\.record.lastName).suffix(2) == [insuree.record.lastName, "Changed"])
            await #expect(throws: RegistryError.self) { try await store.update(changed, ifVersion: insuree.versionId) }
            let deleted = try await store.delete(Insuree.self, id: insuree.record.id!, auditUserID: 3)
            #expect(deleted.record.isDeleted)
            #expect(try await store.insuree(uuid: insuree.record.uuid) == nil)
            #expect(try await store.record(Insuree.self, uuid: insuree.record.uuid, includeDeleted: true)?.record.isDeleted == true)
        }
    }

    @Test func searchesAnswerAsOnSQLite() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            let sqlite = try IMISDatabase.inMemory()
            try sqlite.migrate()
            try DemoDataset.load(into: sqlite, clock: .fixed(referenceDate))
            try await database.copyRows(from: sqlite)
            let lite = SQLiteRegistryStore(database: sqlite)
            let postgres = PostgresRegistryStore(database: database)
            let queries = [
                InsureeQuery(name: "ZOE"), InsureeQuery(family: "muller"), InsureeQuery(given: "fran"),
                InsureeQuery(family: "LEFÈV"), InsureeQuery(name: "Zoex"), InsureeQuery(gender: "F"),
                InsureeQuery(gender: .some(nil)), InsureeQuery(birthDateFrom: LocalDate("1990-01-01")),
                InsureeQuery(page: PageQuery(descending: true, count: 3, offset: 2)),
            ]
            for query in queries {
                let expected = try await lite.searchInsurees(query)
                let found = try await postgres.searchInsurees(query)
                #expect(found.items.map(\.uuid) == expected.items.map(\.uuid), "\(query)")
                #expect(found.total == expected.total, "\(query)")
            }
            for predicates: [RowPredicate] in [
                [.foldedContains("LastName", "ll")], [.isNull("Email")], [.isNotNull("Phone")],
                [.related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID", where: [.compare("Poverty", .equal, .integer(1))])],
                [.not(.compare("Gender", .equal, .text("M")))], [.oneOf("Gender", [.text("M"), .text("F")])],
            ] {
                for order in [RowOrder.lastUpdated(descending: false), .uuid(descending: true)] {
                    let query = RowQuery(predicates: predicates, order: order, limit: 2, countTotal: true)
                    let expected = try await lite.search(Insuree.self, query)
                    let found = try await postgres.search(Insuree.self, query)
                    #expect(found.items.map(\.uuid) == expected.items.map(\.uuid), "\(predicates)")
                    #expect(found.total == expected.total && found.next == expected.next, "\(predicates)")
                    if let next = expected.next {
                        var second = query
                        second.after = next
                        #expect(try await postgres.search(Insuree.self, second).items.map(\.uuid)
                                == lite.search(Insuree.self, second).items.map(\.uuid), "\(predicates) page 2")
                    }
                }
            }
        }
    }
}

/// Reads run as named prepared statements, parsed once per connection, inside a unit of work too until one of its
/// statements fails; writes stay unnamed.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
struct PostgresPreparedStatementTests {
    @Test func readsArePreparedOnceAlsoInUnitsOfWorkUntilAStatementFails() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            // One connection, so that every statement below sees the same session.
            try await withAnotherPool(on: database, adjust: { $0.maximumConnections = 1 }) { single in
                func prepared() async throws -> [String] {
                    try await single.rows(PGStatement("SELECT name FROM pg_prepared_statements WHERE name LIKE 'imisfhir_%' ORDER BY name"))
                        .map { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? "" }
                }
                let lookup = PGStatement(#"SELECT count(*) FROM "tblInsuree" WHERE "CHFID" = $1"#)
                var first = lookup, second = lookup
                first.binds = [.text("100000001")]
                second.binds = [.text("999999999")]
                let name = try #require(PreparedStatements.name(for: first))
                _ = try await single.rows(first)
                _ = try await single.rows(second)
                let afterReads = try await prepared()
                #expect(afterReads.contains(name))
                // The same shape with the same bind kinds is one statement.
                #expect(PreparedStatements.name(for: second) == name)
                // Inside a unit of work: prepared too.
                var inside = PGStatement(#"SELECT count(*) FROM "tblFamilies" WHERE "FamilyID" = $1"#)
                inside.binds = [.integer(1)]
                _ = try await single.transaction { try await single.rows(inside) }
                let insideName = try #require(PreparedStatements.name(for: inside))
                let afterUnit = try await prepared()
                #expect(afterUnit == (afterReads + [insideName]).sorted())
                // Once a statement of the unit failed, the unit's reads run unnamed (a preparation in an aborted
                // transaction would fail, and postgres-nio would remember it for the connection's life).
                var later = PGStatement(#"SELECT count(*) FROM "tblLocations" WHERE "LocationId" = $1"#)
                later.binds = [.integer(1)]
                let found = try await single.transaction { () async throws -> Int in
                    _ = try? await single.transaction { try await single.rows(PGStatement("SELECT no_such_column FROM \"tblFamilies\"")) }
                    return try await single.rows(later).count
                }
                #expect(found == 1)
                #expect(try await prepared() == afterUnit)
                // Writes are never prepared.
                #expect(PreparedStatements.name(for: PGStatement(#"UPDATE "tblInsuree" SET "Phone" = NULL"#)) == nil)
                #expect(PreparedStatements.name(for: PGStatement("WITH x AS (DELETE FROM t RETURNING 1) SELECT 1")) == nil)
            }
        }
    }
}
