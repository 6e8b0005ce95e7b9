import Foundation
import GRDB

/// An engine's transaction that writes rows with the statements of ``RowWriteSQL``: it gives the dialect of a
/// table and runs a statement; the versioned writes of both table models are written once above it.
protocol RowWriting: StoreTransaction {
    /// The dialect of the statements on `table` (openIMIS's name).
    func dialect(_ table: String) async throws -> SQLDialect
    /// Runs `write` inside the write transaction; the key it returned, or the connection's last inserted key.
    @discardableResult
    func run(_ write: RowWrite) async throws -> Int64?
    /// Refuses a business code another current row has, before `record` is written (`exceptID`: its own row).
    func checkCodeIsFree<R: VersionedTableRecord>(_ record: R, exceptID: Int64?) async throws
}

extension VersionedTableRecord {
    /// The record as a new current row at `now`, its UUID normalised.
    func newRow(at now: Date) throws -> Self {
        var row = self
        guard let uuid = RowUUID.normalized(row.uuid) else {
            throw RegistryError.invalidValue("\(Self.sql.uuidColumn) is not a UUID")
        }
        row.uuid = uuid
        row.validityFrom = now
        row.validityTo = nil
        row.legacyID = nil
        return row
    }
}

extension RowWriting {
    func insert<R: VersionedTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        var row = try record.newRow(at: now)
        try await checkCodeIsFree(row, exceptID: nil)
        let write = RowWriteSQL.insert(try await dialect(R.sql.table), columns: R.sql.columns,
                                       values: row.databaseValues, returningKey: row.id == nil)
        let key = try await run(write)
        guard let id = row.id ?? key else { throw RegistryError.invalidValue("\(R.sql.table) gave no key") }
        row.id = id
        WriteOutbox.note(R.sql.table, uuid: row.uuid, created: true)
        return Versioned(record: row, versionId: 1)
    }

    func update<R: VersionedTableRecord>(_ record: R, now: Date, ifVersion: Int?) async throws -> Versioned<R> {
        guard let id = record.id else { throw RegistryError.invalidValue("\(R.sql.idColumn) is missing") }
        let current = try await requireCurrent(R.self, id: id, ifVersion: ifVersion)
        try await checkCodeIsFree(record, exceptID: id)
        let dialect = try await dialect(R.sql.table)
        try await run(RowWriteSQL.historyCopy(dialect, R.sql, id: id, uuid: RowUUID.make(), now: now))
        var row = record
        row.validityFrom = now
        row.validityTo = nil
        row.legacyID = nil
        try await run(RowWriteSQL.update(dialect, R.sql, values: row.databaseValues, id: id))
        row.uuid = current.record.uuid
        WriteOutbox.note(R.sql.table, uuid: row.uuid, created: false)
        return Versioned(record: row, versionId: current.versionId + 1)
    }

    func delete<R: VersionedTableRecord>(_ type: R.Type, id: Int64, now: Date, auditUserID: Int64) async throws -> Versioned<R> {
        let current = try await requireCurrent(type, id: id, ifVersion: nil)
        let dialect = try await dialect(R.sql.table)
        try await run(RowWriteSQL.historyCopy(dialect, R.sql, id: id, uuid: RowUUID.make(), now: now))
        try await run(RowWriteSQL.close(dialect, R.sql, id: id, now: now, auditUserID: auditUserID))
        var row = current.record
        row.validityFrom = now
        row.validityTo = now
        row.auditUserID = auditUserID
        WriteOutbox.note(R.sql.table, uuid: row.uuid, created: false)
        return Versioned(record: row, versionId: current.versionId + 1)
    }

    /// The current row `id`, locked for the transaction; `RegistryError.versionMismatch` unless at `ifVersion`.
    func requireCurrent<R: VersionedTableRecord>(_ type: R.Type, id: Int64, ifVersion: Int?) async throws -> Versioned<R> {
        guard let current = try await one(type, id: id, forUpdate: true) else {
            throw RegistryError.notFound(table: R.sql.table, key: String(id))
        }
        if let expected = ifVersion, expected != current.versionId {
            throw RegistryError.versionMismatch(expected: expected, actual: current.versionId)
        }
        return current
    }

    func insertHistory<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        let row = try record.firstVersion(at: now)
        try await run(RowWriteSQL.insert(try await dialect(R.sql.table), columns: R.sql.columns,
                                         values: row.databaseValues, returningKey: false))
        WriteOutbox.note(R.sql.table, uuid: row.uuid, created: true)
        return Versioned(record: row, versionId: 1)
    }

    func updateHistory<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        var row = record
        row.version += 1
        row.dateUpdated = now
        try await run(RowWriteSQL.updateHistory(try await dialect(R.sql.table), R.sql, values: row.databaseValues,
                                                uuid: row.uuid))
        WriteOutbox.note(R.sql.table, uuid: row.uuid, created: false)
        return Versioned(record: row, versionId: row.version)
    }

    func insertChild(_ table: ChildTable, _ values: [(any DatabaseValueConvertible)?]) async throws {
        try await run(RowWriteSQL.insert(try await dialect(table.table), columns: table.columns, values: values,
                                         returningKey: false))
    }
}
