import Foundation
import GRDB

/// Writes of history-model rows inside a caller's transaction.
enum HistorySQL {
    /// Inserts `record` as version 1 created and updated at `now`.
    static func insert<R: HistoryTableRecord>(_ db: Database, _ record: R, now: Date) throws -> Versioned<R> {
        let row = try record.firstVersion(at: now)
        try RegistrySQL.run(db, RowWriteSQL.insert(RegistrySQL.dialect(R.sql.table), columns: R.sql.columns,
                                                   values: row.databaseValues, returningKey: false))
        return Versioned(record: row, versionId: 1)
    }
}
