import Foundation
import PostgresNIO

/// The type of a column as the database declares it, reduced to what decoding and binding need.
struct PGColumn: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case integer, boolean, bit, text, numeric, timestamp, timestampWithZone, date, other
    }

    /// The column's name as the database spells it.
    let name: String
    /// Its SQL type name (`integer`, `character varying`, `timestamp without time zone`, ...).
    let type: String
    let kind: Kind

    init(name: String, type: String) {
        self.name = name
        self.type = type
        switch type {
        case "smallint", "integer", "bigint": kind = .integer
        case "boolean": kind = .boolean
        case "bit", "bit varying": kind = .bit
        case "text", "character varying", "character", "name": kind = .text
        case "numeric", "real", "double precision", "money": kind = .numeric
        case "timestamp without time zone": kind = .timestamp
        case "timestamp with time zone": kind = .timestampWithZone
        case "date": kind = .date
        default: kind = .other
        }
    }

    /// The quoted identifier.
    var quoted: String { PGSQL.quote(name) }

    /// The expression that reads the column (of alias `alias`) as the record decoders expect it: integers and
    /// booleans as they are, bits as integers, instants `YYYY-MM-DD HH24:MI:SS.MS` in UTC, dates `YYYY-MM-DD`,
    /// everything else as text.
    func read(_ alias: String) -> String {
        let column = "\(alias).\(quoted)"
        switch kind {
        case .integer, .boolean, .text: return column
        case .bit: return "\(column)::integer"
        case .timestamp: return "to_char(\(column), 'YYYY-MM-DD HH24:MI:SS.MS')"
        case .timestampWithZone: return "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
        case .date: return "to_char(\(column), 'YYYY-MM-DD')"
        case .numeric, .other: return "\(column)::text"
        }
    }

    /// A bound value converted to the column's type (`CAST($3 AS boolean)`).
    func cast(_ placeholder: String) -> String {
        switch kind {
        case .text: return placeholder
        default: return "CAST(\(placeholder) AS \(type))"
        }
    }

    /// The column (of alias `alias`) as an instant to the millisecond, the precision records keep.
    func instant(_ alias: String) -> String {
        "date_trunc('milliseconds', \(alias).\(quoted))"
    }

    /// The column (of alias `alias`) as lower-case text: the expression UUID comparisons use, and the one the
    /// project's `imisfhir_*_uuid_ci` indexes are built on (a `uuid` column has no `lower`).
    func lowered(_ alias: String) -> String {
        kind == .text ? "lower(\(alias).\(quoted))" : "lower(\(alias).\(quoted)::text)"
    }

    /// Whether a bit or boolean column can be compared with an integer 0/1.
    var isFlag: Bool { kind == .boolean || kind == .bit }
}

/// Identifier quoting.
enum PGSQL {
    /// `"Name"`; the names come from the mappings and the database's catalog, never from a request. A quote in a
    /// name is doubled, as SQL escapes it.
    static func quote(_ name: String) -> String {
        // Statements are built per call: the common name without a quote skips Foundation's replacement.
        guard name.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + name + "\"" }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The columns of every table of the schema, as the database has them.
struct PostgresCatalog: Sendable {
    /// Table → column name → column. Names as the database spells them.
    let tables: [String: [String: PGColumn]]
    /// The names of the project's own indexes (`imisfhir_*`) the database has: plans that need one check it.
    let indexes: Set<String>
    /// Lower-cased table name → the database's spelling.
    private let folded: [String: String]

    init(tables: [String: [String: PGColumn]], indexes: Set<String> = []) {
        self.tables = tables
        self.indexes = indexes
        self.folded = Dictionary(tables.keys.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
    }

    static func load(_ database: IMISPostgres) async throws -> PostgresCatalog {
        let rows = try await database.rows(PGStatement("""
            SELECT c.table_name::text, c.column_name::text,
                   CASE WHEN c.data_type IN ('USER-DEFINED', 'ARRAY') THEN c.udt_name::text ELSE c.data_type::text END
            FROM information_schema.columns c
            WHERE c.table_schema = current_schema()
            """))
        var tables: [String: [String: PGColumn]] = [:]
        for row in rows {
            let (table, column, type) = try row.decode((String, String, String).self)
            tables[table, default: [:]][column] = PGColumn(name: column, type: type)
        }
        let indexes = try await database.rows(PGStatement("""
            SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'imisfhir%'
            """)).map { try $0.decode(String.self) }
        return PostgresCatalog(tables: tables, indexes: Set(indexes))
    }

    /// The database's name of `table` (exact, else ignoring case).
    func tableName(_ table: String) -> String? {
        tables[table] != nil ? table : folded[table.lowercased()]
    }

    /// The column `name` of `table` (exact, else ignoring case, else under another name openIMIS gives it, see
    /// ``TableSQL/alternatives``); `nil` when the table lacks it.
    func column(_ table: String, _ name: String) -> PGColumn? {
        guard let table = tableName(table), let columns = tables[table] else { return nil }
        for spelling in [name] + MappedTables.alternatives(table: table, column: name) {
            if let column = columns[spelling] { return column }
            let lower = spelling.lowercased()
            if let column = columns.values.first(where: { $0.name.lowercased() == lower }) { return column }
        }
        return nil
    }

    func has(_ table: String) -> Bool { tableName(table) != nil }
}

/// The SQL of one mapped table over the columns the database really has: a column the table lacks reads as
/// NULL (an openIMIS database older or newer than the mapping), the UUID reads lower-case (a name-based one when
/// the table has none, see ``TableSQL/nameBasedUUID``), a `LegacyID` pointing at its own row reads as none (current
/// openIMIS rows of `tblHF` carry `LegacyID = HfID`: a row is history only when its legacy id names another row).
struct PGTable: Sendable {
    let sql: TableSQL
    /// The quoted table name.
    let name: String
    /// Columns by the mapping's name (present ones only).
    let columns: [String: PGColumn]
    /// `SELECT <columns>, <version> FROM "table" t`.
    let select: String
    /// The condition of current rows.
    let current: String
    /// The table's name as the database spells it.
    let tableName: String
    /// The key, UUID (nil when the UUID is name-based) and legacy-id columns.
    let id: PGColumn
    let uuid: PGColumn?
    let legacy: PGColumn?

    init(_ sql: TableSQL, catalog: PostgresCatalog) throws {
        guard let tableName = catalog.tableName(sql.table) else {
            throw DatabaseMismatch(table: sql.table, column: nil, problem: "is missing")
        }
        self.sql = sql
        self.tableName = tableName
        name = PGSQL.quote(tableName)
        var columns: [String: PGColumn] = [:]
        for column in sql.columns {
            if let found = catalog.column(tableName, column) { columns[column] = found }
        }
        self.columns = columns
        guard let id = columns[sql.idColumn] else {
            throw DatabaseMismatch(table: sql.table, column: sql.idColumn, problem: "is missing")
        }
        guard columns[sql.uuidColumn] != nil || sql.nameBasedUUID else {
            throw DatabaseMismatch(table: sql.table, column: sql.uuidColumn, problem: "is missing")
        }
        self.id = id
        self.uuid = columns[sql.uuidColumn]
        legacy = sql.versioned ? columns[sql.legacyColumn] : nil
        select = "SELECT \(Self.list(sql, columns: columns, legacy: legacy, table: tableName, id: id, alias: "t")) FROM \(name) t"
        if let condition = sql.currentCondition {
            // History-model tables: `t.isDeleted = 0`.
            guard condition.hasPrefix("t."), let column = columns[String(condition.dropFirst(2).prefix { $0 != " " })] else {
                throw DatabaseMismatch(table: sql.table, column: String(condition.dropFirst(2).prefix { $0 != " " }),
                                       problem: "is missing")
            }
            current = "t.\(column.quoted) = \(column.kind == .text ? "'0'" : "CAST('0' AS \(column.type))")"
        } else if let validityTo = columns["ValidityTo"] {
            current = "t.\(validityTo.quoted) IS NULL"
        } else {
            current = "TRUE"
        }
    }

    /// The select list of the mapped columns and the version, of the table under `alias`.
    func list(_ alias: String) -> String {
        Self.list(sql, columns: columns, legacy: legacy, table: tableName, id: id, alias: alias)
    }

    /// The condition of current rows, of the table under `alias`.
    func current(_ alias: String) -> String {
        current.hasPrefix("t.") ? "\(alias).\(current.dropFirst(2))" : current
    }

    /// The UUID of the row under `alias`, as lower-case text (the expression of the `_uuid_ci` index).
    func uuidText(_ alias: String) -> String {
        uuid?.lowered(alias) ?? NameBasedUUID.sql(table: sql.table, key: "\(alias).\(id.quoted)")
    }

    /// The condition of rows that are not history copies (current or deleted) under `alias`.
    func notHistory(_ alias: String) -> String {
        guard let legacy else { return "TRUE" }
        return "(\(alias).\(legacy.quoted) IS NULL OR \(alias).\(legacy.quoted) = \(alias).\(id.quoted))"
    }

    static func list(_ sql: TableSQL, columns: [String: PGColumn], legacy: PGColumn?, table: String, id: PGColumn,
                     alias: String) -> String {
        let expected = MappedTables.table(sql.table)?.expected ?? [:]
        let list = sql.columns.map { column -> String in
            guard let found = columns[column] else {
                return column == sql.uuidColumn && sql.nameBasedUUID
                    ? NameBasedUUID.sql(table: sql.table, key: "\(alias).\(id.quoted)") : "NULL"
            }
            if column == sql.uuidColumn { return found.lowered(alias) }
            // openIMIS leaves flags and the audit user empty at times; the records read them as false and -1.
            if found.isFlag, !sql.nullableFlags.contains(column) { return "COALESCE(\(found.read(alias)), \(found.kind == .boolean ? "false" : "0"))" }
            if sql.versioned && column == sql.auditColumn { return "COALESCE(\(found.read(alias)), -1)" }
            if let legacy, found == legacy { return "NULLIF(\(found.read(alias)), \(alias).\(id.quoted))" }
            // An integer column the record reads as text (openIMIS's content-type keys in `SubjectType`).
            if found.kind == .integer, expected[column] == .text {
                return ContentTypeColumns.holdsKey(found) ? ContentTypeColumns.read(found, alias: alias) : "\(alias).\(found.quoted)::text"
            }
            return found.read(alias)
        }
        let version: String
        switch sql.versionExpression {
        case "1"?: version = "1"
        case let expression? where expression.hasPrefix("t."):
            let column = String(expression.dropFirst(2))
            version = columns[column].map { "\(alias).\($0.quoted)" } ?? "1"
        default:
            version = legacy.map {
                "(SELECT COUNT(*) FROM \(PGSQL.quote(table)) h_ WHERE h_.\($0.quoted) = \(alias).\(id.quoted) AND h_.\(id.quoted) <> \(alias).\(id.quoted)) + 1"
            } ?? "1"
        }
        return "\(list.joined(separator: ", ")), \(version)"
    }

    /// A column by the mapping's name; ``DatabaseMismatch`` when the table lacks it.
    func column(_ name: String) throws -> PGColumn {
        guard let column = columns[name] else {
            throw DatabaseMismatch(table: sql.table, column: name, problem: "is missing")
        }
        return column
    }
}
