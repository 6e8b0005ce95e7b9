import Foundation
import GRDB

/// Search over `tblPolicyHolder`, a history-model table (key `UUID`, live rows `isDeleted = 0`, version
/// `Version`, last update `DateUpdated`; reference §3.9, §4) that the generic ``RowQuery`` search over
/// legacy-versioned tables cannot serve: it has no integer key and no `ValidityFrom`.
extension SQLiteRegistryStore {
    /// A keyset-paged search over the live policy holders matching `query`.
    ///
    /// `RowPredicate.lastUpdated` compares `DateUpdated`; the order is `DateUpdated` (or `UUID`) then `UUID`.
    /// The cursor of a `_lastUpdated` order holds `"<DateUpdated>|<UUID>"` as its key, that of a UUID order the
    /// UUID; its `id` is unused (0). A cursor of another shape is `RegistryError.invalidValue`.
    public func searchPolicyHolders(_ query: RowQuery) throws -> RowPage<PolicyHolder> {
        try database.read { db in try Self.searchPolicyHolders(db, query) }
    }

    /// The policy holder with `uuid`, also when it is deleted (`isDeleted = 1`) if `includeDeleted`.
    public func policyHolder(uuid: String, includeDeleted: Bool) throws -> Versioned<PolicyHolder>? {
        try lookup { reader in
            try RegistrySQL.byUUID(reader.db, PolicyHolder.self, uuid, includeDeleted: includeDeleted)
        }
    }

    static func searchPolicyHolders(_ db: Database, _ query: RowQuery) throws -> RowPage<PolicyHolder> {
        let sql = PolicyHolder.sql
        var compiler = SQLiteQueryCompiler(uuidColumn: sql.uuidColumn)
        var terms = [sql.current]
        for predicate in query.predicates { terms.append(try compiler.compile(lastUpdatedAsDateUpdated(predicate))) }
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
        let rows = try VersionedRow<PolicyHolder>.fetchAll(
            statement, arguments: StatementArguments(pageArguments + [query.limit + 1])).map(\.value)
        guard rows.count > query.limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(query.limit))
        var next: RowCursor?
        if let last = items.last?.record {
            next = RowCursor(key: byDate ? "\(last.dateUpdated.databaseText)|\(last.uuid)" : last.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
    }

    /// The table's last update is `DateUpdated`: rewrites the row's own `lastUpdated` conditions (not those of
    /// related tables, which are legacy-versioned).
    static func lastUpdatedAsDateUpdated(_ predicate: RowPredicate) -> RowPredicate {
        switch predicate {
        case .lastUpdated(let op, let date): return .compare("DateUpdated", op, .text(date.databaseText))
        case .and(let items): return .and(items.map(lastUpdatedAsDateUpdated))
        case .or(let items): return .or(items.map(lastUpdatedAsDateUpdated))
        case .not(let inner): return .not(lastUpdatedAsDateUpdated(inner))
        default: return predicate
        }
    }
}
