import Foundation
import GRDB

/// The keyset search over history-model tables on SQLite: `lastUpdated` compares `DateUpdated`, the order is `DateUpdated` (or `UUID`)
/// then `UUID`, the cursor `"<DateUpdated>|<UUID>"` (its `id` unused); a cursor of another shape is `RegistryError.invalidValue`.
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
        let byDate: Bool, descending: Bool
        switch query.order {
        case .lastUpdated(let d): (byDate, descending) = (true, d)
        case .uuid(let d): (byDate, descending) = (false, d)
        }
        let op = descending ? "<" : ">"
        var pageArguments = filterArguments
        if let after = query.after {
            if byDate {
                guard let bar = after.key.lastIndex(of: "|") else { throw RegistryError.invalidValue("paging cursor") }
                let date = String(after.key[..<bar]), uuid = String(after.key[after.key.index(after: bar)...])
                terms.append("(t.DateUpdated \(op) ? OR (t.DateUpdated = ? AND t.UUID \(op) ?))")
                pageArguments += [date, date, uuid]
            } else {
                terms.append("t.UUID \(op) ?")
                pageArguments.append(after.key)
            }
        }
        let direction = descending ? "DESC" : "ASC"
        let order = byDate ? "t.DateUpdated \(direction), t.UUID \(direction)" : "t.UUID \(direction)"
        let statement = try db.cachedStatement(
            sql: "\(sql.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?")
        let rows = try VersionedRow<R>.fetchAll(
            statement, arguments: StatementArguments(pageArguments + [query.limit + 1])).map { try $0.value }
        guard rows.count > query.limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(query.limit))
        let next = items.last.map { last in
            RowCursor(key: byDate ? "\(last.record.dateUpdated.databaseText)|\(last.record.uuid)" : last.record.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
    }
}
