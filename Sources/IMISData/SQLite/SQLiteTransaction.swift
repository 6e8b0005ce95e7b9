import Foundation
import GRDB

/// The workflow primitives on SQLite (see ``StoreTransaction``).
///
/// Every primitive is synchronous on the connection it needs: the unit of work's writer connection inside a unit
/// (where write workflows always run, see ``SQLiteTransactions``), else a reader for one statement. A workflow
/// body is async, but no primitive hops to another thread.
struct SQLiteTransaction: RowWriting {
    let database: IMISDatabase

    /// Runs a read on the unit's connection, or on a reader outside a unit.
    private func reading<T>(_ body: (Database) throws -> T) throws -> T {
        try database.readStatement(body)
    }

    /// Runs a write on the unit's connection; a write outside a unit is refused.
    private func writing<T>(_ body: (Database) throws -> T) throws -> T {
        guard database.isInUnitOfWork else { throw RegistryError.invalidValue("a write outside a transaction") }
        return try database.onWriter(body)
    }

    func one<R: TableRecord>(_ type: R.Type, uuid: String, includeDeleted: Bool, forUpdate: Bool) throws -> Versioned<R>? {
        try reading { db in try RegistrySQL.byUUID(db, type, uuid, includeDeleted: includeDeleted) }
    }

    func one<R: TableRecord>(_ type: R.Type, id: Int64, forUpdate: Bool) throws -> Versioned<R>? {
        try reading { db in try RegistrySQL.byID(db, type, id) }
    }

    func one<R: TableRecord>(_ type: R.Type, code: String) throws -> Versioned<R>? {
        try reading { db in try RegistrySQL.byCode(db, type, code) }
    }

    func rows<R: TableRecord>(_ type: R.Type, where conditions: [RowPredicate], order: [RowSort],
                              limit: Int?) throws -> [Versioned<R>] {
        var compiler = SQLiteQueryCompiler(uuidColumn: R.sql.uuidColumn, currentCondition: nil)
        var terms = [R.sql.current]
        for condition in conditions { terms.append(try compiler.compile(QueryNode(condition), alias: "t")) }
        var arguments = compiler.arguments
        var suffix = try Self.orderClause(order, alias: "t", compiler: compiler)
        if let limit {
            suffix += " LIMIT ?"
            arguments.append(limit)
        }
        return try reading { db in
            try RegistrySQL.all(db, type, where: terms.joined(separator: " AND "), StatementArguments(arguments), suffix: suffix)
        }
    }

    func values(_ selection: ColumnSelection) throws -> [ValuesRow] {
        var compiler = SQLiteQueryCompiler(uuidColumn: "UUID", currentCondition: nil)
        let table = try compiler.identifier(selection.table)
        var terms: [String] = []
        if selection.live, let live = compiler.liveCondition(of: selection.table, in: .searched) { terms.append(live) }
        for condition in selection.conditions { terms.append(try compiler.compile(QueryNode(condition), alias: "t")) }
        var arguments = compiler.arguments
        let columns = try selection.columns.map { try compiler.col("t", $0) }.joined(separator: ", ")
        var sql = "SELECT \(selection.distinct ? "DISTINCT " : "")\(columns) FROM \(table) t"
        if !terms.isEmpty { sql += " WHERE \(terms.joined(separator: " AND "))" }
        sql += try Self.orderClause(selection.order, alias: "t", compiler: compiler)
        if let limit = selection.limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        return try reading { db in
            ReadRecorder.note(selection.table, nil)
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            return rows.map { ValuesRow(values: Array($0.databaseValues)) }
        }
    }

    /// One snapshot: the history rows and the row agree.
    func versions<R: VersionedTableRecord>(_ type: R.Type, id: Int64) throws -> [Versioned<R>] {
        try database.read { db in try RegistrySQL.versions(db, type, id: id) }
    }

    func search<R: VersionedTableRecord>(_ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        try reading { db in try RegistrySQL.search(db, type, query) }
    }

    func searchHistory<R: HistoryTableRecord>(_ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        try reading { db in try HistorySearch.search(db, type, query) }
    }

    func dialect(_ table: String) -> SQLDialect { RegistrySQL.dialect(table) }

    func run(_ write: RowWrite) throws -> Int64? {
        try writing { db in try RegistrySQL.run(db, write) }
    }

    /// Nothing to check first: the partial unique indexes of the codes among current rows refuse a taken one.
    func checkCodeIsFree<R: VersionedTableRecord>(_ record: R, exceptID: Int64?) throws {}

    func updateChildren(_ table: ChildTable, set column: String, to value: SQLValue,
                        where conditions: [RowPredicate]) throws {
        var compiler = SQLiteQueryCompiler(uuidColumn: "UUID", currentCondition: nil)
        let name = try compiler.identifier(table.table)
        let target = try compiler.identifier(column)
        _ = compiler.bind(value)
        var terms = ["\(name).ValidityTo IS NULL"]
        for condition in conditions { terms.append(try compiler.compile(QueryNode(condition), alias: name)) }
        let sql = "UPDATE \(name) SET \(target) = ? WHERE \(terms.joined(separator: " AND "))"
        let arguments = compiler.arguments
        try writing { db in
            try RegistrySQL.translatingErrors {
                try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments))
            }
        }
    }

    /// Nothing to do: SQLite has one writer, and a write workflow holds it for its whole transaction.
    func lock(_ key: String) throws {}

    /// ` ORDER BY ...` (empty without keys); SQLite sorts NULL first ascending, last descending.
    static func orderClause(_ order: [RowSort], alias: String, compiler: SQLiteQueryCompiler) throws -> String {
        try RowSort.clause(order) { sort in
            let column: String
            switch sort.key {
            case .column(let name): column = try compiler.col(alias, name)
            case .insertion: column = "\(alias).rowid"
            }
            return sort.descending ? "\(column) DESC" : column
        }
    }
}

/// Runs workflows on an SQLite database: a write workflow in a unit of work (the writer lease and
/// `BEGIN IMMEDIATE`, or a savepoint of the running unit), a read workflow over readers.
struct SQLiteTransactions: TransactionRunner {
    let database: IMISDatabase

    func writing<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await database.unitOfWork { try await body(SQLiteTransaction(database: database)) }
    }

    func reading<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await body(SQLiteTransaction(database: database))
    }
}

/// Policies, claims, invoices and payments: the workflows (see `InsuranceStore+Workflows.swift`).
extension SQLiteRegistryStore: InsuranceStore {}

extension SQLiteRegistryStore: WorkflowStore {
    /// The engine of the workflows: this database, this clock.
    public var workflowEngine: WorkflowEngine {
        WorkflowEngine(runner: SQLiteTransactions(database: database), clock: clock)
    }
}
