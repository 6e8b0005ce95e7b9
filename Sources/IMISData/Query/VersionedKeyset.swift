import Foundation

/// The keyset paging of a search over versioned tables, the same on both engines: rows ordered by their last
/// update or their UUID, then their key, read forward from `after` or backward from `before` (the page then
/// flipped by ``RowPage/keyset(_:query:backward:counted:)``). The engines give the compared expressions and bind
/// the cursor.
struct VersionedKeyset {
    /// The compared and ordered expression of the sort key, and of the row's key.
    let key: String, id: String
    /// Whether the rows are read from `before` towards the start.
    let backward: Bool
    /// Whether the rows are read in descending order (the query's order, reversed when reading backward).
    let descending: Bool

    /// The keyset of `query`, its sort key `lastUpdated` or `uuid` as the engine compares it.
    init(_ query: RowQuery, lastUpdated: String, uuid: String, id: String) {
        let ordered: Bool
        switch query.order {
        case .lastUpdated(let d): (key, ordered) = (lastUpdated, d)
        case .uuid(let d): (key, ordered) = (uuid, d)
        }
        self.id = id
        backward = query.before != nil && query.after == nil
        descending = ordered != backward
    }

    /// The condition of the rows past the query's cursor (nil without one); `bind` gives the placeholders of the
    /// cursor's sort key and of its row key. Written as one row-value comparison, `(key, id) > (?, ?)`, which both
    /// engines read as a range of the (sort key, key) index: each page starts where the last one ended, where the
    /// equivalent `key > ? OR (key = ? AND id > ?)` makes every page walk the rows of all pages before it.
    func past(_ query: RowQuery, _ bind: (RowCursor) -> (key: String, id: String)) -> String? {
        guard let cursor = query.after ?? query.before else { return nil }
        let op = descending ? "<" : ">", placeholders = bind(cursor)
        return "((\(key), \(id)) \(op) (\(placeholders.key), \(placeholders.id)))"
    }

    /// `ORDER BY` keys, the sort key written as `orderedKey` (SQLite's `+t.ValidityFrom`).
    func order(_ orderedKey: String? = nil) -> String {
        let direction = descending ? "DESC" : "ASC"
        return "\(orderedKey ?? key) \(direction), \(id) \(direction)"
    }
}
