import Foundation
import GRDB

/// The workflow primitives on PostgreSQL (see ``StoreTransaction``), over the store's statements: inside a unit
/// of work on its connection, else on a pooled one. Row locks are `FOR UPDATE`, key locks advisory locks held
/// until the transaction ends.
struct PostgresTransaction: RowWriting {
    let store: PostgresRegistryStore
    var database: IMISPostgres { store.database }

    func one<R: TableRecord>(_ type: R.Type, uuid: String, includeDeleted: Bool, forUpdate: Bool) async throws -> Versioned<R>? {
        let by = PostgresRegistryStore.byUUID(uuid, includeDeleted: includeDeleted)
        return try await store.first(type) { table, statement in try by(table, &statement) + (forUpdate ? " FOR UPDATE" : "") }
    }

    func one<R: TableRecord>(_ type: R.Type, id: Int64, forUpdate: Bool) async throws -> Versioned<R>? {
        try await store.first(type) { table, statement in
            "WHERE t.\(table.id.quoted) = \(statement.bind(.integer(id))) AND \(table.current)\(forUpdate ? " FOR UPDATE" : "")"
        }
    }

    func one<R: TableRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>? {
        try await store.one(type, code: code)
    }

    func rows<R: TableRecord>(_ type: R.Type, where conditions: [RowPredicate], order: [RowSort],
                              limit: Int?) async throws -> [Versioned<R>] {
        let catalog = try await database.catalog()
        return try await store.fetch(type) { table, statement in
            var compiler = PostgresQueryCompiler(catalog: catalog, table: table, statement: statement)
            var terms = [table.current]
            for condition in conditions {
                terms.append(try compiler.compile(QueryNode(condition), alias: "t", tableName: nil))
            }
            var text = "WHERE \(terms.joined(separator: " AND "))"
            text += try Self.orderClause(order) { name in try compiler.column(name, of: nil) } insertion: {
                guard !R.sql.versioned, let uuid = table.uuid else { return table.id }
                return uuid
            }
            if let limit { text += " LIMIT \(compiler.statement.bind(.integer(Int64(limit))))" }
            statement = compiler.statement
            return text
        }
    }

    func values(_ selection: ColumnSelection) async throws -> [ValuesRow] {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(selection.table) else { return [] }
        var compiler = PostgresQueryCompiler(catalog: catalog, tableName: name, uuid: catalog.column(name, "UUID"))
        let list = selection.columns.map { column -> String in
            guard let found = catalog.column(name, column) else { return "NULL" }
            if found.isFlag { return "COALESCE(\(found.read("t")), \(found.kind == .boolean ? "false" : "0"))" }
            if column == "AuditUserID" { return "COALESCE(\(found.read("t")), -1)" }
            return found.read("t")
        }
        var terms: [String] = []
        if selection.live, let live = compiler.liveCondition(of: selection.table, in: QueryScope(alias: "t", table: name)) {
            terms.append(live)
        }
        for condition in selection.conditions {
            terms.append(try compiler.compile(QueryNode(condition), alias: "t", tableName: nil))
        }
        var sql = "SELECT \(selection.distinct ? "DISTINCT " : "")\(list.joined(separator: ", ")) FROM \(PGSQL.quote(name)) t"
        if !terms.isEmpty { sql += " WHERE \(terms.joined(separator: " AND "))" }
        sql += try Self.orderClause(selection.order) { column in try compiler.column(column, of: nil) } insertion: {
            try compiler.column(selection.columns.first ?? "UUID", of: nil)
        }
        if let limit = selection.limit { sql += " LIMIT \(compiler.statement.bind(.integer(Int64(limit))))" }
        var statement = compiler.statement
        statement.sql = sql
        let rows = try await database.rows(statement)
        ReadRecorder.note(selection.table, nil)
        return try DatabaseMismatch.naming(table: selection.table, columns: selection.columns) {
            try rows.map { ValuesRow(values: try IMISPostgres.values($0)) }
        }
    }

    func versions<R: VersionedTableRecord>(_ type: R.Type, id: Int64) async throws -> [Versioned<R>] {
        let history = try await store.fetch(type) { table, statement in
            guard let legacy = table.legacy else { return "WHERE FALSE" }
            let key = statement.bind(.integer(id))
            return "WHERE t.\(legacy.quoted) = \(key) AND t.\(table.id.quoted) <> \(key) ORDER BY t.\(table.id.quoted)"
        }
        guard let head = try await store.first(type, { table, statement in
            "WHERE t.\(table.id.quoted) = \(statement.bind(.integer(id))) AND \(table.notHistory("t"))"
        }) else { return [] }
        let rows = history.map(\.record) + [head.record]
        return rows.enumerated().map { Versioned(record: $1, versionId: $0 + 1) }
    }

    func search<R: VersionedTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        try await store.keysetSearch(type, query)
    }

    func searchHistory<R: HistoryTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        try await store.historySearch(type, query)
    }

    /// PostgreSQL's spelling of the statements of ``RowWriteSQL``: the names the table really has, quoted, `$n`
    /// placeholders cast to each column's type, UUIDs compared lower-cased, the new key returned, the columns the
    /// table requires filled (``PostgresRequiredColumns``).
    func dialect(_ table: String) async throws -> SQLDialect {
        try Self.dialect(table, catalog: try await database.catalog(), required: try await database.requiredColumns())
    }

    /// The dialect of `table` over `catalog`, filling the columns `required` names.
    static func dialect(_ table: String, catalog: PostgresCatalog,
                        required: PostgresRequiredColumns = PostgresRequiredColumns(tables: [:])) throws -> SQLDialect {
        guard let name = catalog.tableName(table) else {
            throw DatabaseMismatch(table: table, column: nil, problem: "is missing")
        }
        return SQLDialect(table: PGSQL.quote(name), column: { catalog.column(name, $0)?.quoted },
                          value: { column, n in
                              guard let found = catalog.column(name, column) else { return "$\(n)" }
                              return ContentTypeColumns.holdsKey(found) ? ContentTypeColumns.write("$\(n)") : found.cast("$\(n)")
                          },
                          lowersUUIDs: true, returnsKey: true,
                          uuidEquals: { column, written, value in
                              // A `uuid` column compares with the value cast to `uuid`, in any case.
                              catalog.column(name, column).flatMap { $0.kind == .text ? nil : "\(written) = \(value)" }
                          },
                          fill: { column in catalog.column(name, column).flatMap { required.fill(name, $0, catalog: catalog) } },
                          unlisted: required.unlisted(name, catalog: catalog))
    }

    func run(_ write: RowWrite) async throws -> Int64? {
        var statement = PGStatement(write.sql)
        statement.binds = write.values.map(PGBind.init)
        guard write.returnsKey else {
            try await database.execute(statement)
            return nil
        }
        return Int64.fromDatabaseValue(try await database.scalar(statement))
    }

    func checkCodeIsFree<R: VersionedTableRecord>(_ record: R, exceptID: Int64?) async throws {
        try await store.checkCodeIsFree(record, exceptID: exceptID)
    }

    func updateChildren(_ table: ChildTable, set column: String, to value: SQLValue,
                        where conditions: [RowPredicate]) async throws {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(table.table) else {
            throw DatabaseMismatch(table: table.table, column: nil, problem: "is missing")
        }
        var compiler = PostgresQueryCompiler(catalog: catalog, tableName: name)
        let target = try compiler.column(column, of: nil)
        let assignment = "\(target.quoted) = \(target.cast(compiler.statement.bind(PGBind(value))))"
        var terms: [String] = []
        if let validityTo = catalog.column(name, "ValidityTo") { terms.append("t.\(validityTo.quoted) IS NULL") }
        for condition in conditions {
            terms.append(try compiler.compile(QueryNode(condition), alias: "t", tableName: nil))
        }
        var statement = compiler.statement
        statement.sql = "UPDATE \(PGSQL.quote(name)) t SET \(assignment) WHERE \(terms.joined(separator: " AND "))"
        try await database.execute(statement)
    }

    func lock(_ key: String) async throws {
        try await store.lock(key)
    }

    func hasTable(_ table: String) async throws -> Bool {
        try await database.catalog().has(table)
    }

    /// ` ORDER BY ...` (empty without keys), NULL first ascending and last descending, as SQLite sorts.
    static func orderClause(_ order: [RowSort], column: (String) throws -> PGColumn,
                            insertion: () throws -> PGColumn) throws -> String {
        try RowSort.clause(order) { sort in
            let found: PGColumn
            switch sort.key {
            case .column(let name): found = try column(name)
            case .insertion: found = try insertion()
            }
            return sort.descending ? "t.\(found.quoted) DESC NULLS LAST" : "t.\(found.quoted) ASC NULLS FIRST"
        }
    }
}

/// Runs workflows on a PostgreSQL database: a write workflow in ``IMISPostgres/transaction(_:)`` (one connection,
/// or a savepoint of the running unit), a read workflow statement by statement.
struct PostgresTransactions: TransactionRunner {
    let store: PostgresRegistryStore

    func writing<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await store.database.transaction { try await body(PostgresTransaction(store: store)) }
    }

    func reading<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await body(PostgresTransaction(store: store))
    }
}

extension PostgresRegistryStore: WorkflowStore {
    /// The engine of the workflows: this database, this clock.
    public var workflowEngine: WorkflowEngine {
        WorkflowEngine(runner: PostgresTransactions(store: self), clock: clock)
    }
}
