import Foundation
import GRDB

/// The SQL of versioned reads and writes, over any mapped table, inside a caller's database access.
enum RegistrySQL {
    // MARK: Reads

    static func one<R: TableRecord>(_ db: Database, _ type: R.Type, where condition: String,
                                     _ arguments: StatementArguments, suffix: String = "") throws -> Versioned<R>? {
        ReadRecorder.note(R.sql.table, nil)
        let statement = try db.cachedStatement(sql: "\(R.sql.select) WHERE \(condition)\(suffix) LIMIT 1")
        return try VersionedRow<R>.fetchOne(statement, arguments: arguments)?.value
    }

    static func all<R: TableRecord>(_ db: Database, _ type: R.Type, where condition: String,
                                     _ arguments: StatementArguments, suffix: String = "") throws -> [Versioned<R>] {
        ReadRecorder.note(R.sql.table, nil)
        let statement = try db.cachedStatement(sql: "\(R.sql.select) WHERE \(condition)\(suffix)")
        return try VersionedRow<R>.fetchAll(statement, arguments: arguments).map { try $0.value }
    }

    static func prepared<R: TableRecord>(_ db: Database, _ type: R.Type, _ sql: String,
                                          _ arguments: StatementArguments) throws -> Versioned<R>? {
        try VersionedRow<R>.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)?.value
    }

    /// By UUID, ignoring case (the UUID columns are `COLLATE NOCASE`); current rows, or also deleted ones.
    static func byUUID<R: TableRecord>(_ db: Database, _ type: R.Type, _ uuid: String,
                                        includeDeleted: Bool = false) throws -> Versioned<R>? {
        let found = try prepared(db, type, includeDeleted ? R.sql.selectByUUIDIncludingDeleted : R.sql.selectByUUID, [uuid])
        ReadRecorder.note(R.sql.table, found.flatMap { ($0.record as? any VersionedRecord)?.id })
        return found
    }

    /// By business code, current rows; the newest when a code repeats.
    static func byCode<R: TableRecord>(_ db: Database, _ type: R.Type, _ code: String) throws -> Versioned<R>? {
        guard let sql = R.sql.selectByCode else {
            throw RegistryError.invalidValue("\(R.sql.table) has no code column")
        }
        let found = try prepared(db, type, sql, [code])
        ReadRecorder.note(R.sql.table, found.flatMap { ($0.record as? any VersionedRecord)?.id })
        return found
    }

    static func byID<R: TableRecord>(_ db: Database, _ type: R.Type, _ id: Int64) throws -> Versioned<R>? {
        ReadRecorder.note(R.sql.table, id)
        return try prepared(db, type, R.sql.selectByID, [id])
    }

    /// History rows (oldest first) then the row itself, numbered from 1.
    static func versions<R: VersionedTableRecord>(_ db: Database, _ type: R.Type, id: Int64) throws -> [Versioned<R>] {
        let sql = R.sql
        let history = try all(db, type, where: "t.\(sql.legacyColumn) = ? AND t.\(sql.idColumn) <> ?", [id, id], suffix: " ORDER BY t.\(sql.idColumn)")
        guard let head = try one(db, type, where: "t.\(sql.idColumn) = ? AND (t.\(sql.legacyColumn) IS NULL OR t.\(sql.legacyColumn) = t.\(sql.idColumn))", [id])
        else { return [] }
        let rows = history.map(\.record) + [head.record]
        return rows.enumerated().map { Versioned(record: $1, versionId: $0 + 1) }
    }

    // MARK: Writes

    /// SQLite's spelling of the statements of ``RowWriteSQL``: names as they are, `?` placeholders.
    static func dialect(_ table: String) -> SQLDialect {
        SQLDialect(table: table, column: { $0 }, value: { _, _ in "?" })
    }

    /// Runs `write`; the key of the last inserted row.
    @discardableResult
    static func run(_ db: Database, _ write: RowWrite) throws -> Int64 {
        try translatingErrors {
            try db.cachedStatement(sql: write.sql).execute(arguments: StatementArguments(write.values))
        }
        return db.lastInsertedRowID
    }

    /// Inserts `record` as a new current row at `now`.
    static func insert<R: VersionedTableRecord>(_ db: Database, _ record: R, now: Date) throws -> Versioned<R> {
        var row = try record.newRow(at: now)
        let key = try run(db, RowWriteSQL.insert(dialect(R.sql.table), columns: R.sql.columns,
                                                 values: row.databaseValues, returningKey: false))
        row.id = row.id ?? key
        return Versioned(record: row, versionId: 1)
    }

    /// Runs `body`, turning SQLite constraint failures into `RegistryError`s.
    static func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            let message = error.message ?? "constraint failed"
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY: throw RegistryError.conflict(message)
            case .SQLITE_CONSTRAINT_FOREIGNKEY: throw RegistryError.invalidReference(message)
            case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL: throw RegistryError.invalidValue(message)
            default: throw error
            }
        }
    }
}
