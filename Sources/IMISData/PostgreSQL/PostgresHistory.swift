import Foundation
import GRDB

/// The statements of the workflow primitives that are PostgreSQL's own: the history-model tables (search, insert,
/// update by UUID), rows of tables without a mapping, and advisory locks.
extension PostgresRegistryStore {
    /// The keyset search over a history-model table (the SQLite store's `HistorySearch`): `lastUpdated` is
    /// `DateUpdated`, the order `DateUpdated` (or `UUID`) then `UUID`, the cursor `"<DateUpdated>|<UUID>"`.
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
        // Byte order, as SQLite's: a locale's collation may skip the hyphens.
        let uuid = "lower(t.\(table.uuid.quoted)) COLLATE \"C\""
        var total: Int?
        if query.countTotal {
            var statement = filter
            statement.sql = "SELECT COUNT(*) FROM \(table.name) t WHERE \(terms.joined(separator: " AND "))"
            total = Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: total, next: nil) }
        let byDate: Bool, descending: Bool
        switch query.order {
        case .lastUpdated(let d): (byDate, descending) = (true, d)
        case .uuid(let d): (byDate, descending) = (false, d)
        }
        let op = descending ? "<" : ">"
        var statement = filter
        if let after = query.after {
            if byDate {
                guard let bar = after.key.lastIndex(of: "|") else { throw RegistryError.invalidValue("paging cursor") }
                let date = updated.cast(statement.bind(.text(String(after.key[..<bar]))))
                let key = statement.bind(.text(String(after.key[after.key.index(after: bar)...])))
                let instant = updated.instant("t")
                terms.append("(\(instant) \(op) \(date) OR (\(instant) = \(date) AND \(uuid) \(op) lower(\(key)) COLLATE \"C\"))")
            } else {
                terms.append("\(uuid) \(op) lower(\(statement.bind(.text(after.key)))) COLLATE \"C\"")
            }
        }
        let direction = descending ? "DESC" : "ASC"
        let order = byDate ? "\(updated.instant("t")) \(direction), \(uuid) \(direction)" : "\(uuid) \(direction)"
        let limit = statement.bind(.integer(Int64(query.limit + 1)))
        statement.sql = "\(table.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(order) LIMIT \(limit)"
        let rows = try table.decode(R.self, rows: try await database.rows(statement))
        ReadRecorder.note(R.sql.table, nil)
        guard rows.count > query.limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(query.limit))
        let next = items.last.map { last in
            RowCursor(key: byDate ? "\(last.record.dateUpdated.databaseText)|\(last.record.uuid)" : last.record.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
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
