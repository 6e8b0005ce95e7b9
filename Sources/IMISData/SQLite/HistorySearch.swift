import Foundation
import GRDB

/// The keyset search over history-model tables on SQLite (see ``HistoryKeyset``): `lastUpdated` compares
/// `DateUpdated`.
enum HistorySearch {
    static func search<R: HistoryTableRecord>(_ db: Database, _ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        let sql = R.sql
        ReadRecorder.note(sql.table, nil)
        var compiler = SQLiteQueryCompiler(uuidColumn: sql.uuidColumn, currentCondition: sql.current)
        var terms = [sql.current]
        for predicate in query.predicates {
            terms.append(try compiler.compile(HistoryModel.lastUpdatedAsDateUpdated(predicate)))
        }
        let filterArguments = compiler.arguments
        var total: Int?
        if query.countTotal {
            let statement = try db.cachedStatement(
                sql: "SELECT COUNT(*) FROM \(sql.table) t WHERE \(terms.joined(separator: " AND "))")
            total = try Int.fetchOne(statement, arguments: StatementArguments(filterArguments)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: total, next: nil) }
        let keyset = HistoryKeyset(query.order, updated: "t.DateUpdated", uuid: "t.UUID")
        var pageArguments = filterArguments
        if let after = query.after {
            terms.append(try keyset.after(after, date: { pageArguments.append($0); return "?" },
                                          key: { pageArguments.append($0); return "?" }))
        }
        let statement = try db.cachedStatement(
            sql: "\(sql.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(keyset.order) LIMIT ?")
        let rows = try VersionedRow<R>.fetchAll(
            statement, arguments: StatementArguments(pageArguments + [query.limit + 1])).map { try $0.value }
        return keyset.page(rows, limit: query.limit, total: total)
    }
}
