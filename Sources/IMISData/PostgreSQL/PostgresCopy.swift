import Foundation
import GRDB
import NIOCore
import PostgresNIO

/// Rows for `COPY table (columns) FROM STDIN` in PostgreSQL's text format
/// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2): values as SQLite holds them, written as
/// text that each column's own input function reads (`1`/`0` for `boolean` and `bit`, ISO dates and instants).
struct PGCopyRows {
    /// The table as the database spells it.
    let table: String
    /// The database's names of the columns written, in order.
    let columns: [String]
    /// For each written column, its index among the values of a row.
    private let indexes: [Int]
    /// The encoded rows so far.
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    /// Rows of `sql`'s table, over the columns the database has (the others are left out).
    init(_ sql: TableSQL, catalog: PostgresCatalog) throws {
        try self.init(table: sql.table, columns: sql.columns, catalog: catalog)
    }

    /// Rows of `table` over `columns` (the mapping's names; those the database lacks are left out).
    init(table: String, columns: [String], catalog: PostgresCatalog) throws {
        guard let name = catalog.tableName(table) else {
            throw DatabaseMismatch(table: table, column: nil, problem: "is missing")
        }
        let present = columns.enumerated().compactMap { index, column in catalog.column(name, column).map { (index, $0.name) } }
        self.table = name
        self.columns = present.map(\.1)
        self.indexes = present.map(\.0)
    }

    /// Appends one row: `values` in the mapping's column order.
    mutating func append(_ values: [(any DatabaseValueConvertible)?]) {
        for (position, index) in indexes.enumerated() {
            if position > 0 { bytes.append(0x09) }
            Self.write(values[index]?.databaseValue ?? .null, into: &bytes)
        }
        bytes.append(0x0A)
        count += 1
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }

    static func write(_ value: DatabaseValue, into bytes: inout [UInt8]) {
        switch value.storage {
        case .null: bytes.append(contentsOf: [0x5C, 0x4E])  // \N
        case .int64(let i): bytes.append(contentsOf: String(i).utf8)
        case .double(let d): bytes.append(contentsOf: String(d).utf8)
        case .string(let s): escape(s.utf8, into: &bytes)
        case .blob(let b): escape(b, into: &bytes)
        }
    }

    /// Backslash, tab, newline and carriage return are the characters the text format escapes.
    static func escape<S: Sequence>(_ text: S, into bytes: inout [UInt8]) where S.Element == UInt8 {
        for byte in text {
            switch byte {
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            default: bytes.append(byte)
            }
        }
    }
}

extension IMISPostgres {
    /// Sends `rows` with `COPY ... FROM STDIN` on the connection of the running unit of work (or a pooled one).
    func copy(_ rows: PGCopyRows) async throws {
        guard rows.count > 0 else { return }
        try await withConnection { connection in
            try await Self.translatingErrors {
                try await connection.copyFrom(table: rows.table, columns: rows.columns, logger: logger) { writer in
                    let chunk = 1 << 20
                    var start = 0
                    while start < rows.bytes.count {
                        let end = min(rows.bytes.count, start + chunk)
                        try await writer.write(ByteBuffer(bytes: rows.bytes[start..<end]))
                        start = end
                    }
                }
            }
        }
    }

    /// Moves the identity sequence of `sql`'s key past the largest key of its table (after rows were written with
    /// their keys given).
    func advanceKeySequence(_ sql: TableSQL) async throws {
        let table = try await self.table(sql)
        guard table.id.kind == .integer, let name = try await catalog().tableName(sql.table) else { return }
        var statement = PGStatement()
        let tableBind = statement.bind(.text(PGSQL.quote(name)))
        let columnBind = statement.bind(.text(table.id.name))
        statement.sql = """
            SELECT setval(pg_get_serial_sequence(\(tableBind), \(columnBind)), (SELECT MAX(\(table.id.quoted)) FROM \(table.name)))
            WHERE pg_get_serial_sequence(\(tableBind), \(columnBind)) IS NOT NULL AND EXISTS (SELECT 1 FROM \(table.name))
            """
        try await execute(statement)
    }

    /// The largest key of `table` (0 when it is empty or lacks the column), by the mapping's names.
    func largestKey(table: String, column: String) async throws -> Int64 {
        let catalog = try await catalog()
        guard let name = catalog.tableName(table), let key = catalog.column(name, column) else { return 0 }
        let value = try await scalar(PGStatement(
            "SELECT COALESCE(MAX(\(PGSQL.quote(key.name))), 0) FROM \(PGSQL.quote(name))"))
        return Int64.fromDatabaseValue(value) ?? 0
    }

    /// ``advanceKeySequence(_:)`` for a table without a ``TableSQL`` (a child table), by the mapping's names.
    func advanceKeySequence(table: String, column: String) async throws {
        let catalog = try await catalog()
        guard let name = catalog.tableName(table), let key = catalog.column(name, column) else { return }
        var statement = PGStatement()
        let tableBind = statement.bind(.text(PGSQL.quote(name)))
        let columnBind = statement.bind(.text(key.name))
        let quoted = PGSQL.quote(name)
        statement.sql = """
            SELECT setval(pg_get_serial_sequence(\(tableBind), \(columnBind)), (SELECT MAX(\(PGSQL.quote(key.name))) FROM \(quoted)))
            WHERE pg_get_serial_sequence(\(tableBind), \(columnBind)) IS NOT NULL AND EXISTS (SELECT 1 FROM \(quoted))
            """
        try await execute(statement)
    }
}
