import Foundation
import GRDB

/// The statements of the workflow primitives that are PostgreSQL's own: the history-model search and advisory
/// locks (the writes are `Workflows/RowWrites.swift`'s).
extension PostgresRegistryStore {
    /// The keyset search over a history-model table (see ``HistoryKeyset``): `lastUpdated` is `DateUpdated`.
    func historySearch<R: HistoryTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        let table = try await database.table(R.sql)
        let catalog = try await database.catalog()
        var compiler = PostgresQueryCompiler(catalog: catalog, table: table)
        var terms = [table.current]
        for predicate in query.predicates {
            terms.append(try compiler.compile(HistoryModel.lastUpdatedAsDateUpdated(predicate)))
        }
        let filter = compiler.statement
        let updated = try table.column("DateUpdated")
        var total: Int?
        if query.countTotal {
            var statement = filter
            statement.sql = "SELECT COUNT(*) FROM \(table.name) t WHERE \(terms.joined(separator: " AND "))"
            total = Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: total, next: nil) }
        // Instants to the millisecond (as records keep them); UUIDs in byte order, as SQLite's (a locale's
        // collation may skip the hyphens).
        let keyset = HistoryKeyset(query.order, updated: updated.instant("t"), uuid: "\(table.uuidText("t")) COLLATE \"C\"")
        var statement = filter
        if let after = query.after {
            terms.append(try keyset.after(after, date: { updated.cast(statement.bind(.text($0))) },
                                          key: { "lower(\(statement.bind(.text($0)))) COLLATE \"C\"" }))
        }
        let limit = statement.bind(.integer(Int64(query.limit + 1)))
        statement.sql = "\(table.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(keyset.order) LIMIT \(limit)"
        let rows = try table.decode(R.self, rows: try await database.rows(statement))
        ReadRecorder.note(R.sql.table, nil)
        return keyset.page(rows, limit: query.limit, total: total)
    }

    /// A transaction-long advisory lock on `name`, shared by every instance.
    func lock(_ name: String) async throws {
        var statement = PGStatement()
        statement.sql = "SELECT pg_advisory_xact_lock(hashtext(\(statement.bind(.text("imisfhir " + name)))))"
        try await database.execute(statement)
    }
}

extension PostgresRegistryStore: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``: one connection, `BEGIN` ... `COMMIT` (a savepoint when nested).
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        try await database.transaction(body)
    }
}

/// Policies, claims, invoices and payments: the workflows (see `InsuranceStore+Workflows.swift`).
extension PostgresRegistryStore: InsuranceStore {}
