import Foundation
import GRDB
import PostgresNIO

/// Compiles backend-neutral ``RowPredicate`` values to PostgreSQL with bound values only, over the columns the
/// catalog knows. The same semantics as the SQLite compiler: UUIDs and `equalsIgnoringCase` ignore case (through
/// `lower()` on both sides, which the migrations' expression indexes serve), folded comparisons are lower-case and
/// accent-free, "missing" is NULL or empty text.
struct PostgresQueryCompiler: QueryCompiling {
    let catalog: PostgresCatalog
    /// The searched table (the alias `t`), as the mappings name it.
    let searched: String
    /// Its UUID column, as the mapping names it and as the database has it (nil for a table without one).
    let uuidName: String
    let uuid: PGColumn?
    /// The searched mapped table, whose UUID may be name-based (``PGTable/uuidText(_:)``).
    var searchedTable: PGTable?
    var statement: PGStatement
    var aliasCounter = 0

    init(catalog: PostgresCatalog, table: PGTable, statement: PGStatement = PGStatement()) {
        self.init(catalog: catalog, tableName: table.sql.table, uuidName: table.sql.uuidColumn, uuid: table.uuid,
                  statement: statement)
        searchedTable = table
    }

    /// A compiler over any table of the catalog (a table without a UUID column: `uuid` nil).
    init(catalog: PostgresCatalog, tableName: String, uuidName: String = "UUID", uuid: PGColumn? = nil,
         statement: PGStatement = PGStatement()) {
        self.catalog = catalog
        self.searched = tableName
        self.uuidName = uuidName
        self.uuid = uuid
        self.statement = statement
    }


    /// The case- and accent-folding of a text expression: NFD, combining marks removed, lower case, ß → ss
    /// (as `NameFolding.fold`).
    static func fold(_ expression: String) -> String {
        "replace(regexp_replace(normalize(lower(\(expression)), NFD), E'[\\u0300-\\u036f]', '', 'g'), 'ß', 'ss')"
    }

    /// What this search has used of ``QueryLimits``.
    var budget = QueryBudget()
    /// PostgreSQL needs no condition repeated inside OR branches.
    var currentCondition: String? { nil }

    /// The column `name` of the table under `alias` (`tableName`, or the searched table).
    func column(_ name: String, of tableName: String?) throws -> PGColumn {
        let source = tableName ?? searched
        guard let found = catalog.column(source, name) else {
            throw DatabaseMismatch(table: source, column: name, problem: "is missing")
        }
        return found
    }

    static func constant(_ value: Bool) -> String { value ? "TRUE" : "FALSE" }
    static func group(_ parts: [String], _ separator: String) -> String { "(" + parts.joined(separator: separator) + ")" }
    static func relatedConditions(_ terms: [String]) -> String { terms.joined(separator: " AND ") }

    /// One array parameter, whatever the count (a statement takes at most 65,535 parameters).
    mutating func list(_ column: String, _ values: [SQLValue], in scope: QueryScope) throws -> String {
        let found = try self.column(column, of: scope.table)
        let array = statement.bind(.textArray(values.compactMap { PGBind($0).text }))
        let typed = found.kind == .text ? array : "CAST(\(array) AS \(found.type)[])"
        return "\(scope.alias).\(found.quoted) = ANY(\(typed))"
    }

    mutating func listIgnoringCase(_ column: String, _ values: [String], in scope: QueryScope) throws -> String {
        "lower(\(text(try self.column(column, of: scope.table), scope))) = ANY(\(lowered(values)))"
    }

    mutating func uuidList(_ values: [String], in scope: QueryScope) throws -> String {
        "\(try uuidText(in: scope)) = ANY(\(lowered(values)))"
    }

    func reference(_ name: String, in scope: QueryScope) throws -> String {
        "\(scope.alias).\(try column(name, of: scope.table).quoted)"
    }

    func relatedTable(_ table: String) throws -> (name: String, sql: String) {
        guard let name = catalog.tableName(table) else { throw DatabaseMismatch(table: table, column: nil, problem: "is missing") }
        return (name, PGSQL.quote(name))
    }

    func liveCondition(of table: String, in scope: QueryScope) -> String? {
        let name = scope.table ?? searched
        if HistoryModel.tables.contains(table), let deleted = catalog.column(name, "isDeleted") {
            return "\(scope.alias).\(deleted.quoted) = \(deleted.kind == .text ? "'0'" : "CAST('0' AS \(deleted.type))")"
        }
        return catalog.column(name, "ValidityTo").map { "\(scope.alias).\($0.quoted) IS NULL" }
    }

    /// The UUID of the table under `scope` as lower-case text (the expression of the `_uuid_ci` indexes).
    func uuidText(in scope: QueryScope) throws -> String {
        guard scope.table == nil else { return try column(uuidName, of: scope.table).lowered(scope.alias) }
        if let searchedTable { return searchedTable.uuidText(scope.alias) }
        guard let uuid else { throw DatabaseMismatch(table: searched, column: uuidName, problem: "is missing") }
        return uuid.lowered(scope.alias)
    }

    /// The column as text (under `scope`'s alias).
    func text(_ found: PGColumn, _ scope: QueryScope) -> String {
        found.kind == .text ? "\(scope.alias).\(found.quoted)" : "\(scope.alias).\(found.quoted)::text"
    }

    /// The values lower-cased by the database (as `lower($1)` is for one value), as an array.
    mutating func lowered(_ values: [String]) -> String {
        "ARRAY(SELECT lower(v) FROM unnest(CAST(\(statement.bind(.textArray(values))) AS text[])) AS v)"
    }

    /// A single comparison.
    mutating func leaf(_ predicate: RowPredicate, in scope: QueryScope) throws -> String {
        let alias = scope.alias
        func ref(_ found: PGColumn) -> String { "\(alias).\(found.quoted)" }
        func text(_ found: PGColumn) -> String { self.text(found, scope) }
        func column(_ name: String) throws -> PGColumn { try self.column(name, of: scope.table) }
        switch predicate {
        case .compare(let name, let op, let value):
            let found = try column(name)
            if case .null = value { return op == .equal ? "\(ref(found)) IS NULL" : "\(ref(found)) IS NOT NULL" }
            return "\(ref(found)) \(op.rawValue) \(found.cast(statement.bind(PGBind(value))))"
        case .equalsIgnoringCase(let name, let value):
            return "lower(\(text(try column(name)))) = lower(\(statement.bind(.text(value))))"
        case .foldedEquals(let name, let value):
            return "\(Self.fold(text(try column(name)))) = \(statement.bind(.text(NameFolding.fold(value))))"
        case .foldedStartsWith(let name, let value):
            // A byte-order range (the operators of the `text_pattern_ops` name indexes), which an index serves in
            // a prepared statement's generic plan too (a bound LIKE pattern does not).
            let folded = NameFolding.fold(value)
            let expression = Self.fold(text(try column(name)))
            var range = "\(expression) ~>=~ \(statement.bind(.text(folded)))"
            if let upper = NameFolding.byteUpperBound(ofPrefix: folded) {
                range = "(\(range) AND \(expression) ~<~ \(statement.bind(.text(upper))))"
            }
            return range
        case .foldedContains(let name, let value):
            let pattern = "%" + SQLiteQueryCompiler.escapeLike(NameFolding.fold(value)) + "%"
            return "\(Self.fold(text(try column(name)))) LIKE \(statement.bind(.text(pattern))) ESCAPE '\\'"
        case .exact(let name, let value):
            return "\(text(try column(name))) = \(statement.bind(.text(value)))"
        case .isNull(let name):
            let found = try column(name)
            return found.kind == .text ? "(\(ref(found)) IS NULL OR \(ref(found)) = '')" : "\(ref(found)) IS NULL"
        case .isNotNull(let name):
            let found = try column(name)
            return found.kind == .text ? "(\(ref(found)) IS NOT NULL AND \(ref(found)) <> '')" : "\(ref(found)) IS NOT NULL"
        case .uuidEquals(let value):
            return "\(try uuidText(in: scope)) = lower(\(statement.bind(.text(value))))"
        case .lastUpdated(let op, let date):
            let found = try column("ValidityFrom")
            return "\(found.instant(alias)) \(op.rawValue) \(found.cast(statement.bind(.text(date.databaseText))))"
        case .constant(let value):
            return Self.constant(value)
        case .oneOf, .and, .or, .not, .related:
            return try compile(QueryNode(predicate), in: scope)
        }
    }
}

extension PGTable {
    /// Decodes rows of `select` (the mapped columns, then the version).
    func decode<R: TableRecord>(_ type: R.Type, rows: [PostgresRow]) throws -> [Versioned<R>] {
        let values = try DatabaseMismatch.naming(table: sql.table, columns: sql.columns) {
            try rows.map { try IMISPostgres.values($0) }
        }
        return try decode(type, values)
    }

    /// Decodes rows of `select` already read as values; a value the record cannot do without, of a column the
    /// table lacks, is named as missing.
    func decode<R: TableRecord>(_ type: R.Type, _ rows: [PostgresRowValues]) throws -> [Versioned<R>] {
        do {
            return try decodeNamed(type, rows)
        } catch var mismatch as DatabaseMismatch {
            if let column = mismatch.column, sql.columns.contains(column), columns[column] == nil,
               !(column == sql.uuidColumn && sql.nameBasedUUID) {
                mismatch.problem = "is missing"
            }
            throw mismatch
        }
    }

    private func decodeNamed<R: TableRecord>(_ type: R.Type, _ rows: [PostgresRowValues]) throws -> [Versioned<R>] {
        try DatabaseMismatch.naming(table: sql.table, columns: sql.columns) {
            try rows.map { values in
                var reader = ColumnReader(values: values)
                let record = try R(columns: &reader)
                let count = sql.columns.count
                let version = count < values.count ? Int.fromDatabaseValue(values[count]) ?? 1 : 1
                return Versioned(record: record, versionId: version)
            }
        }
    }
}

/// The values of one fetched row, as SQLite would hold them.
typealias PostgresRowValues = [DatabaseValue]
