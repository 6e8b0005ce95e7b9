import Foundation
import GRDB
import Logging

extension IMISPostgres {
    /// Creates what is missing, and nothing else: the openIMIS tables the server uses when the database lacks them
    /// (with openIMIS's reference data), the project's own `imisfhir_*` tables, and the project's indexes. A table
    /// that exists is never dropped, altered or rewritten, so this is safe on a live openIMIS database and on every
    /// start of every instance (instances starting together take turns on an advisory lock). Last, the triggers of
    /// ``PostgresChangeNotifications`` ("v13 change notifications") on the tables that lack them, then the name
    /// search indexes of ``PostgresNameSearch`` ("v14 name search indexes"); the insurance lookup indexes of
    /// ``PostgresInsuranceIndexes`` ("v15 insurance lookup indexes") are created with the others.
    public func migrate() async throws {
        let tables = try PostgresSchema.tables()
        var created: [String] = []
        try await transaction {
            try await execute(PGStatement("SELECT pg_advisory_xact_lock(7241003)"))
            let before = try await PostgresCatalog.load(self)
            for table in tables where !before.has(table.name) {
                try await execute(PGStatement(PostgresSchema.create(table)))
                created.append(table.name)
            }
            let after = try await PostgresCatalog.load(self)
            for table in tables where created.contains(table.name) && !table.seed.isEmpty {
                try await insert(table.name, columns: table.columns.map(\.name), rows: table.seed, catalog: after)
            }
            // PostgresNameSearch.migrationName (its indexes hold columns: PostgreSQL 11 and later): they replace
            // the indexes of the folded names alone, which the planner would otherwise still pick.
            let version = try await scalar(PGStatement("SELECT current_setting('server_version_num')::integer"))
            let includes = (Int.fromDatabaseValue(version) ?? 0) >= 110_000
            let nameIndexes = includes ? PostgresNameSearch.indexes(after) : []
            for index in PostgresSchema.indexes(after, foldedNames: nameIndexes.isEmpty) {
                try await execute(PGStatement(index))
            }
            // PostgresInsuranceIndexes.migrationName.
            for index in PostgresInsuranceIndexes.statements(after) {
                try await execute(PGStatement(index))
            }
            // PostgresChangeNotifications.migrationName: last, so that it covers every table created above.
            try await installChangeNotifications(catalog: after, known: tables.map(\.name))
            // PostgresNameSearch.migrationName.
            for index in nameIndexes + (nameIndexes.isEmpty ? [] : PostgresNameSearch.replaced(after)) {
                _ = try await execute(PGStatement(index))
            }
        }
        resetCatalog()
        if !created.isEmpty { logger.info("created missing tables", metadata: ["count": "\(created.count)"]) }
    }

    /// Whether the registry has no insuree yet (a demo dataset may be loaded).
    public func isEmpty() async throws -> Bool {
        guard let table = try await catalog().tableName("tblInsuree") else { return true }
        return try await rows(PGStatement("SELECT 1 FROM \(PGSQL.quote(table)) LIMIT 1")).isEmpty
    }

    /// Copies every row of an SQLite database of this project (a demo or synthetic dataset made by the SQLite
    /// code) into the tables that are still empty here, then moves the key sequences past the copied keys.
    public func copyRows(from sqlite: IMISDatabase) async throws {
        let tables = try PostgresSchema.tables()
        let catalog = try await self.catalog()
        try await transaction {
            for table in tables {
                guard let name = catalog.tableName(table.name) else { continue }
                if !(try await rows(PGStatement("SELECT 1 FROM \(PGSQL.quote(name)) LIMIT 1")).isEmpty) { continue }
                let columns = table.columns.map(\.name)
                let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                let rows = try sqlite.read { db in
                    try Row.fetchAll(db, sql: "SELECT \(list) FROM \(table.name)").map { row in
                        (0..<row.count).map { row[$0] as DatabaseValue }
                    }
                }
                if rows.isEmpty { continue }
                try await insert(name, columns: columns, rows: rows, catalog: catalog)
            }
        }
    }

    /// Inserts rows (SQLite values, in `columns` order) in batches, each value cast to its column's type; columns
    /// the table lacks are left out. Then the identity sequence of a single integer key moves past the largest key.
    func insert(_ table: String, columns: [String], rows: [[DatabaseValue]], catalog: PostgresCatalog) async throws {
        let present = columns.enumerated().compactMap { index, name in catalog.column(table, name).map { (index, $0) } }
        guard !present.isEmpty else { return }
        let list = present.map { $0.1.quoted }.joined(separator: ", ")
        let batch = max(1, 1000 / present.count)
        var start = 0
        while start < rows.count {
            var statement = PGStatement()
            var tuples: [String] = []
            for row in rows[start..<min(rows.count, start + batch)] {
                tuples.append("(" + present.map { index, column in column.cast(statement.bind(PGBind(row[index]))) }
                    .joined(separator: ", ") + ")")
            }
            statement.sql = "INSERT INTO \(PGSQL.quote(table)) (\(list)) VALUES \(tuples.joined(separator: ", "))"
            try await execute(statement)
            start += batch
        }
        let key = present.first!.1
        guard key.kind == .integer else { return }
        var statement = PGStatement()
        let name = statement.bind(.text(PGSQL.quote(table)))
        let column = statement.bind(.text(key.name))
        statement.sql = """
            SELECT setval(pg_get_serial_sequence(\(name), \(column)), (SELECT MAX(\(key.quoted)) FROM \(PGSQL.quote(table))))
            WHERE pg_get_serial_sequence(\(name), \(column)) IS NOT NULL AND EXISTS (SELECT 1 FROM \(PGSQL.quote(table)))
            """
        try await execute(statement)
    }
}

extension Storage {
    /// The stores of a PostgreSQL database. Other processes write to it too: what they commit reaches the caches
    /// through the database's change notifications (``PostgresChangeFeed``, once started).
    public static func postgres(_ database: IMISPostgres, clock: RegistryClock = .system) -> Storage {
        var storage = Storage(engine: .postgresql, store: PostgresRegistryStore(database: database, clock: clock),
                              accountSQL: PostgresAccountSQL(database: database, clock: clock))
        storage.changeFeed = { handler in database.changeFeed.observe(handler) }
        storage.outbox = database.outbox
        return storage
    }
}
