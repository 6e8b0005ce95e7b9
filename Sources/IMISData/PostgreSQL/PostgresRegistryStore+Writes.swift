import Foundation
import GRDB

/// What PostgreSQL adds to the versioned writes of `Workflows/RowWrites.swift`: business codes that are unique
/// among current rows (CHFID, location, facility, officer, item and service codes) are checked under an advisory
/// lock on the code, which serializes concurrent writers of every instance.
extension PostgresRegistryStore {
    /// Tables whose code repeats among current rows (products by period, claims across facilities).
    static let repeatableCodes: Set<String> = ["tblProduct", "tblClaim"]

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
}
