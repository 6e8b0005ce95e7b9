import Foundation
import GRDB

/// Writes of history-model rows inside a caller's transaction.
enum HistorySQL {
    /// Inserts `record` as version 1 created and updated at `now`.
    static func insert<R: HistoryTableRecord>(_ db: Database, _ record: R, now: Date) throws -> Versioned<R> {
        let row = try record.firstVersion(at: now)
        try RegistrySQL.translatingErrors {
            try db.cachedStatement(sql: R.sql.insert).execute(arguments: StatementArguments(row.databaseValues))
        }
        return Versioned(record: row, versionId: 1)
    }

    /// Writes `record` over its live row as the next version (`Version` + 1, `DateUpdated` = now).
    static func update<R: HistoryTableRecord>(_ db: Database, _ record: R, now: Date) throws -> Versioned<R> {
        var row = record
        row.version += 1
        row.dateUpdated = now
        let assignments = R.sql.columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")
        let values = Array(row.databaseValues.dropFirst()) + [row.uuid]
        try RegistrySQL.translatingErrors {
            try db.cachedStatement(sql: "UPDATE \(R.sql.table) SET \(assignments) WHERE UUID = ?")
                .execute(arguments: StatementArguments(values))
        }
        return Versioned(record: row, versionId: row.version)
    }
}
