import Foundation
import GRDB

/// How a record maps onto its table: the column list (decoding and binding order) and prepared SQL texts.
protocol TableRecord: Sendable, Hashable {
    /// Table name, column order and derived SQL.
    static var sql: TableSQL { get }
    /// Decodes the current row of `SELECT <sql.columns> ...` by column position.
    init(columns: inout ColumnReader) throws
    /// The values of `sql.columns`, in order.
    var databaseValues: [(any DatabaseValueConvertible)?] { get }
}

/// A record of a legacy-versioned table: `sql.columns` ends with `ValidityFrom`, `ValidityTo`, the legacy id
/// column and the audit user column, in that order, and starts with the primary key then the UUID.
protocol VersionedTableRecord: TableRecord, VersionedRecord {}

/// Reads the columns of a result row in order: straight from an SQLite statement, or from the values of a row
/// another engine returned (PostgreSQL), so that one decoder per record serves both.
///
/// The SQLite path skips GRDB's `Row`, whose creation maps every column name (a cost per query that dominates a
/// point lookup of a wide row).
struct ColumnReader {
    private enum Source {
        case statement(SQLiteStatement)
        case values([DatabaseValue])
    }

    private let source: Source
    private(set) var index: CInt = 0

    init(_ statement: SQLiteStatement) { self.source = .statement(statement) }

    /// A reader over values already fetched, in column order.
    init(values: [DatabaseValue]) { self.source = .values(values) }

    mutating func next<V: StatementColumnConvertible & DatabaseValueConvertible>() throws -> V {
        defer { index += 1 }
        let value: V?
        switch source {
        case .statement(let statement): value = V.fromStatement(statement, atUncheckedIndex: index)
        case .values(let values): value = Int(index) < values.count ? V.fromDatabaseValue(values[Int(index)]) : nil
        }
        guard let value else { throw UnreadableColumn(index: Int(index), expected: "\(V.self)") }
        return value
    }

    mutating func date() throws -> LocalDate {
        guard let value: LocalDate = try optionalDate() else { throw decodingError("date") }
        return value
    }

    /// A date; a date the database keeps as an instant (openIMIS's `tblProduct.DateFrom` is `timestamptz` since its
    /// Django migrations, written as midnight UTC) reads as the calendar date of that instant in UTC.
    mutating func optionalDate() throws -> LocalDate? {
        guard let text: String = try next() else { return nil }
        if let value = LocalDate(text) { return value }
        guard text.count > 10, Timestamp.date(from: text) != nil, let value = LocalDate(String(text.prefix(10))) else {
            throw decodingError("date")
        }
        return value
    }

    mutating func timestamp() throws -> Date {
        guard let value = try optionalTimestamp() else { throw decodingError("timestamp") }
        return value
    }

    mutating func optionalTimestamp() throws -> Date? {
        guard let text: String = try next() else { return nil }
        guard let value = Timestamp.date(from: text) else { throw decodingError("timestamp") }
        return value
    }

    private func decodingError(_ kind: String) -> UnreadableColumn {
        UnreadableColumn(index: Int(index) - 1, expected: kind)
    }
}

/// Binding helpers: dates and instants are stored as text (see `RegistrySchema`).
extension LocalDate {
    var databaseText: String { description }
}

extension Optional where Wrapped == LocalDate {
    var databaseText: String? { self?.description }
}

extension Date {
    var databaseText: String { Timestamp.string(from: self) }
}

extension Optional where Wrapped == Date {
    var databaseText: String? { self.map { Timestamp.string(from: $0) } }
}

/// Precomputed SQL texts for one table.
struct TableSQL: Sendable {
    let table: String
    let columns: [String]
    let uuidColumn: String
    let codeColumn: String?
    let versioned: Bool
    /// The version expression given at creation (`t.Version`, `1`), `nil` for the count of history rows.
    let versionExpression: String?
    /// The current-row condition given at creation (`t.isDeleted = 0`), `nil` for `ValidityTo IS NULL`.
    let currentCondition: String?
    /// Flag columns whose NULL means unknown and reaches the record as `nil` (`Vulnerability`, `Poverty`); other
    /// flags are read as false when NULL.
    let nullableFlags: Set<String>
    /// Other names openIMIS gives a mapped column in some of its layouts (`ServiceCode` → `ServCode`), by the
    /// mapping's name: the database's catalog is matched against them once, at start.
    let alternatives: [String: [String]]
    /// Whether a database without the UUID column is served with a name-based UUID of each row's key instead
    /// (``NameBasedUUID``): openIMIS's `tblICDCodes` has none.
    let nameBasedUUID: Bool

    var idColumn: String { columns[0] }
    var legacyColumn: String { columns[columns.count - 2] }
    var auditColumn: String { columns[columns.count - 1] }

    /// `SELECT <columns>, <version> FROM table t`; the version is `1 + history rows` (or `Version`).
    let select: String
    /// `WHERE` term that keeps current rows.
    let current: String
    /// Inserts every column (the bulk loads of synthetic data; other writes are ``RowWriteSQL``'s).
    let insert: String
    /// Point lookups, prepared once: current row by UUID, live-or-deleted row by UUID, by code, by key.
    let selectByUUID: String, selectByUUIDIncludingDeleted: String, selectByCode: String?, selectByID: String

    init(table: String, columns: [String], uuidColumn: String, codeColumn: String?, versioned: Bool = true,
         versionExpression: String? = nil, currentCondition: String? = nil, nullableFlags: Set<String> = [],
         alternatives: [String: [String]] = [:], nameBasedUUID: Bool = false) {
        self.table = table
        self.nullableFlags = nullableFlags
        self.alternatives = alternatives
        self.nameBasedUUID = nameBasedUUID
        self.columns = columns
        self.uuidColumn = uuidColumn
        self.codeColumn = codeColumn
        self.versioned = versioned
        self.versionExpression = versionExpression
        self.currentCondition = currentCondition
        let id = columns[0]
        let list = columns.map { "t.\($0)" }.joined(separator: ", ")
        let legacy = columns[columns.count - 2]
        let version = versionExpression
            ?? "(SELECT COUNT(*) FROM \(table) h WHERE h.\(legacy) = t.\(id) AND h.\(id) <> t.\(id)) + 1"
        select = "SELECT \(list), \(version) FROM \(table) t"
        current = currentCondition ?? "t.ValidityTo IS NULL"
        insert = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        selectByUUID = "\(select) WHERE t.\(uuidColumn) = ? AND \(current) LIMIT 1"
        selectByUUIDIncludingDeleted = versioned
            ? "\(select) WHERE t.\(uuidColumn) = ? AND (t.\(legacy) IS NULL OR t.\(legacy) = t.\(id)) LIMIT 1"
            : "\(select) WHERE t.\(uuidColumn) = ? LIMIT 1"
        let newest = versioned ? " ORDER BY t.ValidityFrom DESC, t.\(id) DESC" : ""
        let (selectSQL, currentSQL) = (select, current)
        selectByCode = codeColumn.map { "\(selectSQL) WHERE t.\($0) = ? AND \(currentSQL)\(newest) LIMIT 1" }
        selectByID = "\(select) WHERE t.\(id) = ? AND \(current) LIMIT 1"
    }
}

/// A fetched row with its version number (the extra last column of `TableSQL.select`), decoded as one
/// "column value" so that GRDB's fast value cursors hand us the raw statement. A row that does not decode is kept
/// as its failure, which ``value`` throws naming the table and column (GRDB's own error would name neither).
struct VersionedRow<Record: TableRecord>: DatabaseValueConvertible, StatementColumnConvertible {
    private let decoded: Result<Versioned<Record>, any Error>

    init?(sqliteStatement: SQLiteStatement, index: CInt) {
        var columns = ColumnReader(sqliteStatement)
        decoded = Result {
            try DatabaseMismatch.naming(table: Record.sql.table, columns: Record.sql.columns + ["version"]) {
                let record = try Record(columns: &columns)
                guard let version = Int.fromStatement(sqliteStatement, atUncheckedIndex: columns.index) else {
                    throw UnreadableColumn(index: Int(columns.index), expected: "Int")
                }
                return Versioned(record: record, versionId: version)
            }
        }
    }

    /// The decoded row, or why it could not be decoded.
    var value: Versioned<Record> {
        get throws { try decoded.get() }
    }

    /// Never bound as a value.
    var databaseValue: DatabaseValue { .null }

    /// Never built from a single value.
    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> VersionedRow? { nil }
}
