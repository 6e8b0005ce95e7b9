import Foundation

/// What the history-model tables (key `UUID`, live rows `isDeleted = 0`, version `Version`, last update
/// `DateUpdated`) change in a search, on every engine.
enum HistoryModel {
    /// Tables whose live rows are `isDeleted = 0` rather than `ValidityTo IS NULL` (for `.related` conditions).
    static let tables: Set<String> = ["tblInvoice", "tblInvoiceLineItem", "tblPaymentInvoice",
                                      "tblDetailPaymentInvoice", "tblPolicyHolder"]

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

/// The keyset of a history-model search, on every engine: the order `DateUpdated` (or `UUID`) then `UUID`, the
/// cursor `"<DateUpdated>|<UUID>"` (its `id` unused; a cursor of another shape is `RegistryError.invalidValue`).
/// An engine gives the expressions compared (PostgreSQL: the instant to the millisecond, the UUID lower-cased in
/// byte order) and binds the cursor's values.
struct HistoryKeyset {
    let byDate: Bool
    let descending: Bool
    /// The compared and ordered expressions of `DateUpdated` and `UUID`.
    let updated: String, uuid: String

    init(_ order: RowOrder, updated: String, uuid: String) {
        switch order {
        case .lastUpdated(let d): (byDate, descending) = (true, d)
        case .uuid(let d): (byDate, descending) = (false, d)
        }
        self.updated = updated
        self.uuid = uuid
    }

    /// The condition of the rows after `cursor`, its date and UUID bound by `date` and `key` (in that order).
    func after(_ cursor: RowCursor, date: (String) -> String, key: (String) -> String) throws -> String {
        let op = descending ? "<" : ">"
        guard byDate else { return "\(uuid) \(op) \(key(cursor.key))" }
        guard let bar = cursor.key.lastIndex(of: "|") else { throw RegistryError.invalidValue("paging cursor") }
        let stamp = String(cursor.key[..<bar]), last = String(cursor.key[cursor.key.index(after: bar)...])
        return "(\(updated) \(op) \(date(stamp)) OR (\(updated) = \(date(stamp)) AND \(uuid) \(op) \(key(last))))"
    }

    /// `ORDER BY` keys.
    var order: String {
        let direction = descending ? "DESC" : "ASC"
        return byDate ? "\(updated) \(direction), \(uuid) \(direction)" : "\(uuid) \(direction)"
    }

    /// The page of `rows` (fetched `limit + 1` at most), with the cursor of the next page when there is one.
    func page<R: HistoryTableRecord>(_ rows: [Versioned<R>], limit: Int, total: Int?) -> RowPage<R> {
        guard rows.count > limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(limit))
        let next = items.last.map { last in
            RowCursor(key: byDate ? "\(last.record.dateUpdated.databaseText)|\(last.record.uuid)" : last.record.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
    }
}
