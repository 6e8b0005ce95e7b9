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

    /// Inserts a history-model row as version 1 created and updated at `now`.
    func historyInsert<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        let row = try record.firstVersion(at: now)
        try await insertRaw(R.sql.table, R.sql.columns, row.databaseValues, skipKey: false)
        return Versioned(record: row, versionId: 1)
    }

    /// Writes a history-model row over its live row as the next version (`Version` + 1, `DateUpdated` = now).
    func historyUpdate<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        var row = record
        row.version += 1
        row.dateUpdated = now
        let table = try await database.table(R.sql)
        var statement = PGStatement()
        var assignments: [String] = []
        for (column, value) in zip(R.sql.columns, row.databaseValues).dropFirst() {
            guard let found = table.columns[column] else { continue }
            assignments.append("\(found.quoted) = \(found.cast(statement.bind(PGBind(value))))")
        }
        statement.sql = """
            UPDATE \(table.name) SET \(assignments.joined(separator: ", "))
            WHERE lower(\(table.uuid.quoted)) = lower(\(statement.bind(.text(row.uuid))))
            """
        try await database.execute(statement)
        return Versioned(record: row, versionId: row.version)
    }

    /// Inserts a child-table row (its key is `values[0]`, left to the sequence when nil).
    func insertChild(_ child: ChildTable, _ values: [(any DatabaseValueConvertible)?]) async throws {
        try await insertRaw(child.table, child.columns, values, skipKey: values.first.map { $0 == nil } ?? true)
    }

    func insertRaw(_ table: String, _ columns: [String], _ values: [(any DatabaseValueConvertible)?], skipKey: Bool) async throws {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(table) else {
            throw DatabaseMismatch(table: table, column: nil, problem: "is missing")
        }
        var statement = PGStatement()
        var targets: [String] = [], expressions: [String] = []
        for (offset, (column, value)) in zip(columns, values).enumerated() {
            if offset == 0 && skipKey { continue }
            guard let found = catalog.column(name, column) else { continue }
            targets.append(found.quoted)
            expressions.append(found.cast(statement.bind(PGBind(value))))
        }
        statement.sql = """
            INSERT INTO \(PGSQL.quote(name)) (\(targets.joined(separator: ", "))) VALUES (\(expressions.joined(separator: ", ")))
            """
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
