import Foundation
import GRDB

/// Versioned writes on PostgreSQL (reference §5.1), inside the caller's transaction: an update first copies the
/// current row to a history row (new id and UUID, `ValidityTo` = now, `LegacyID` = the row's id), then updates the
/// row in place; a delete copies it and closes it (`ValidityFrom` = `ValidityTo` = now). Business codes that are
/// unique among current rows (CHFID, location, facility, officer, item and service codes) are checked under an
/// advisory lock on the code, which serializes concurrent writers of every instance.
extension PostgresRegistryStore {
    /// Tables whose code repeats among current rows (products by period, claims across facilities).
    static let repeatableCodes: Set<String> = ["tblProduct", "tblClaim"]

    func insertRow<R: VersionedTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        var row = record
        guard let uuid = RowUUID.normalized(row.uuid) else {
            throw RegistryError.invalidValue("\(R.sql.uuidColumn) is not a UUID")
        }
        row.uuid = uuid
        row.validityFrom = now
        row.validityTo = nil
        row.legacyID = nil
        try await checkCodeIsFree(row, exceptID: nil)
        let id = try await insertValues(R.sql, row.databaseValues, includeKey: row.id != nil)
        row.id = row.id ?? id
        return Versioned(record: row, versionId: 1)
    }

    func updateRow<R: VersionedTableRecord>(_ record: R, now: Date, ifVersion: Int?) async throws -> Versioned<R> {
        guard let id = record.id else { throw RegistryError.invalidValue("\(R.sql.idColumn) is missing") }
        let current = try await requireCurrent(R.self, id: id, ifVersion: ifVersion)
        try await checkCodeIsFree(record, exceptID: id)
        try await writeHistoryCopy(R.sql, id: id, now: now)
        var row = record
        row.validityFrom = now
        row.validityTo = nil
        row.legacyID = nil
        let table = try await database.table(R.sql)
        var statement = PGStatement()
        var assignments: [String] = []
        for (column, value) in zip(R.sql.columns, row.databaseValues).dropFirst(2) {
            guard let found = table.columns[column] else { continue }
            assignments.append("\(found.quoted) = \(found.cast(statement.bind(PGBind(value))))")
        }
        let validityTo = try table.column("ValidityTo")
        statement.sql = """
            UPDATE \(table.name) SET \(assignments.joined(separator: ", "))
            WHERE \(table.id.quoted) = \(statement.bind(.integer(id))) AND \(validityTo.quoted) IS NULL
            """
        try await database.execute(statement)
        row.uuid = current.record.uuid
        return Versioned(record: row, versionId: current.versionId + 1)
    }

    func deleteRow<R: VersionedTableRecord>(_ type: R.Type, id: Int64, now: Date, auditUserID: Int64) async throws -> Versioned<R> {
        let current = try await requireCurrent(type, id: id, ifVersion: nil)
        try await writeHistoryCopy(R.sql, id: id, now: now)
        let table = try await database.table(R.sql)
        let from = try table.column("ValidityFrom"), to = try table.column("ValidityTo")
        var statement = PGStatement()
        let stamp = statement.bind(.text(now.databaseText))
        var assignments = ["\(from.quoted) = \(from.cast(stamp))", "\(to.quoted) = \(to.cast(stamp))"]
        if let audit = table.columns[R.sql.auditColumn] {
            assignments.append("\(audit.quoted) = \(audit.cast(statement.bind(.text(String(auditUserID)))))")
        }
        statement.sql = """
            UPDATE \(table.name) SET \(assignments.joined(separator: ", "))
            WHERE \(table.id.quoted) = \(statement.bind(.integer(id))) AND \(to.quoted) IS NULL
            """
        try await database.execute(statement)
        var row = current.record
        row.validityFrom = now
        row.validityTo = now
        row.auditUserID = auditUserID
        return Versioned(record: row, versionId: current.versionId + 1)
    }

    func requireCurrent<R: VersionedTableRecord>(_ type: R.Type, id: Int64, ifVersion: Int?) async throws -> Versioned<R> {
        // FOR UPDATE: a concurrent writer of the same row waits for this transaction.
        guard let current = try await fetch(type, { table, statement in
            "WHERE t.\(table.id.quoted) = \(statement.bind(.integer(id))) AND \(table.current) FOR UPDATE"
        }).first else {
            throw RegistryError.notFound(table: R.sql.table, key: String(id))
        }
        if let expected = ifVersion, expected != current.versionId {
            throw RegistryError.versionMismatch(expected: expected, actual: current.versionId)
        }
        return current
    }

    /// Copies the current row `id` to a history row: every column but the key, with a new UUID, `ValidityTo` = now
    /// and the legacy id pointing at the row.
    func writeHistoryCopy(_ sql: TableSQL, id: Int64, now: Date) async throws {
        let table = try await database.table(sql)
        var statement = PGStatement()
        let uuid = statement.bind(.text(RowUUID.make()))
        let stamp = statement.bind(.text(now.databaseText))
        var targets: [String] = []
        var expressions: [String] = []
        for column in sql.columns.dropFirst() {
            guard let found = table.columns[column] else { continue }
            targets.append(found.quoted)
            switch column {
            case sql.uuidColumn: expressions.append(found.cast(uuid))
            case "ValidityTo": expressions.append(found.cast(stamp))
            case sql.legacyColumn: expressions.append(table.id.quoted)
            default: expressions.append(found.quoted)
            }
        }
        statement.sql = """
            INSERT INTO \(table.name) (\(targets.joined(separator: ", "))) SELECT \(expressions.joined(separator: ", "))
            FROM \(table.name) WHERE \(table.id.quoted) = \(statement.bind(.integer(id)))
            """
        try await database.execute(statement)
    }

    /// Refuses a code another current row has (`RegistryError.conflict`), holding a lock on the code until the
    /// transaction ends.
    func checkCodeIsFree<R: VersionedTableRecord>(_ record: R, exceptID: Int64?) async throws {
        guard let codeColumn = R.sql.codeColumn, !Self.repeatableCodes.contains(R.sql.table) else { return }
        let values = record.databaseValues
        guard let index = R.sql.columns.firstIndex(of: codeColumn), let code = String.fromDatabaseValue(values[index]?.databaseValue ?? .null)
        else { return }
        var lock = PGStatement()
        lock.sql = "SELECT pg_advisory_xact_lock(hashtext(\(lock.bind(.text("imisfhir \(R.sql.table) \(code)")))))"
        try await database.execute(lock)
        let table = try await database.table(R.sql)
        var statement = PGStatement()
        var condition = "t.\(try table.column(codeColumn).quoted) = \(statement.bind(.text(code))) AND \(table.current)"
        if let exceptID { condition += " AND t.\(table.id.quoted) <> \(statement.bind(.integer(exceptID)))" }
        statement.sql = "SELECT 1 FROM \(table.name) t WHERE \(condition) LIMIT 1"
        if !(try await database.rows(statement)).isEmpty {
            throw RegistryError.conflict("\(R.sql.table).\(codeColumn) \(code) is taken by a current row")
        }
    }

    /// Inserts one row (SQLite values in the mapping's column order), leaving out the key unless `includeKey`
    /// and the columns the table lacks; its key.
    func insertValues(_ sql: TableSQL, _ values: [(any DatabaseValueConvertible)?], includeKey: Bool) async throws -> Int64 {
        let table = try await database.table(sql)
        var statement = PGStatement()
        var targets: [String] = []
        var expressions: [String] = []
        for (offset, (column, value)) in zip(sql.columns, values).enumerated() {
            if offset == 0 && !includeKey { continue }
            guard let found = table.columns[column] else { continue }
            targets.append(found.quoted)
            expressions.append(found.cast(statement.bind(PGBind(value))))
        }
        statement.sql = """
            INSERT INTO \(table.name) (\(targets.joined(separator: ", "))) VALUES (\(expressions.joined(separator: ", ")))
            RETURNING \(table.id.quoted)
            """
        guard let id = Int64.fromDatabaseValue(try await database.scalar(statement)) else {
            throw RegistryError.invalidValue("\(sql.table) gave no key")
        }
        return id
    }
}
