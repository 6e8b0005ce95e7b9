import Foundation
import GRDB

/// The page of a name search (`Patient?name=mwa`, `family=`, `given=`: starts-with on folded names) read in
/// `_lastUpdated` order without sorting every match.
///
/// The general plan finds the matches through the name's index and sorts all of them by `ValidityFrom`, which at a
/// million insurees means tens of thousands of rows for a three-letter prefix. Here each name column has an index
/// ordered by (folded name, `ValidityFrom`, key): the folded names within the prefix's range are few (every
/// `Mwangi` folds to `mwangi`), and for each of them the index yields its rows already in page order, after the
/// cursor, so that `_count + 1` rows per name are enough. The page is the merge of those short lists: the work is
/// bounded by (distinct names in the range) × `_count`, not by the matches. A range of more distinct names than
/// ``distinctLimit`` goes back to the general plan.
///
/// The total (when asked) still counts every match, but from the indexes alone: the given names' range, plus the
/// family names' range less its rows whose given name is in range too, read over an index of both folded names.
/// With a ``RowQuery/totalLimit`` (a client that did not ask for a total) counting stops past the limit and the
/// total is left out: then the work no longer grows with the matches at all.
enum FoldedPrefixSearch {
    /// Per table, the column → index of (folded column, `ValidityFrom`, key) over current rows.
    static let orderIndexes: [String: [String: String]] = [
        "tblInsuree": ["LastName": RegistryIndexes.lastNameOrder, "OtherNames": RegistryIndexes.otherNamesOrder]
    ]
    /// Per table, two folded columns with an index over both (for the rows that match on either).
    static let pairIndexes: [String: (first: String, second: String, index: String)] = [
        "tblInsuree": ("LastName", "OtherNames", RegistryIndexes.namesPair)
    ]
    /// More distinct folded names in a prefix's range than this: the general plan.
    static let distinctLimit = 64

    struct Alternative {
        let column: String
        let index: String
        let prefix: String
        let upper: String
    }

    struct Candidate {
        let key: String
        let id: Int64
    }

    /// The alternatives of a query this plan answers: one condition, a folded prefix on an indexed column or an OR
    /// of two (`name` on family and given names), in `_lastUpdated` order; nil otherwise.
    static func alternatives(table: String, _ query: RowQuery) -> [Alternative]? {
        guard case .lastUpdated = query.order, query.predicates.count == 1, let indexes = orderIndexes[table] else {
            return nil
        }
        let terms: [RowPredicate]
        if case .or(let items) = query.predicates[0] { terms = items } else { terms = [query.predicates[0]] }
        guard (1...2).contains(terms.count) else { return nil }
        var alternatives: [Alternative] = []
        for term in terms {
            guard case .foldedStartsWith(let column, let value) = term, let index = indexes[column] else { return nil }
            let prefix = NameFolding.fold(value)
            alternatives.append(Alternative(
                column: column, index: index, prefix: prefix, upper: NameFolding.upperBound(ofPrefix: prefix)))
        }
        if alternatives.count == 2 {
            // Counting the rows that match on either needs the index over both columns.
            guard let pair = pairIndexes[table], Set(alternatives.map(\.column)) == [pair.first, pair.second] else {
                return nil
            }
            if alternatives[0].column != pair.first { alternatives.reverse() }
        }
        return alternatives
    }

    /// The page, or nil when the general plan must answer.
    static func page<R: TableRecord>(_ db: Database, _ type: R.Type, _ query: RowQuery) throws -> RowPage<R>? {
        let sql = R.sql
        guard case .lastUpdated(let descending) = query.order, let alternatives = alternatives(table: sql.table, query)
        else { return nil }
        let backward = query.before != nil && query.after == nil
        let cursor = query.after ?? query.before
        let reverse = descending != backward
        let want = query.limit + 1
        var candidates: [Candidate] = []
        if query.limit > 0 {
            for alternative in alternatives {
                guard let values = try distinctValues(db, sql, alternative) else { return nil }
                for value in values {
                    candidates += try firstRows(
                        db, sql, alternative, value: value, after: cursor, reverse: reverse, count: want)
                }
            }
        }
        var seen = Set<Int64>()
        candidates = candidates.filter { seen.insert($0.id).inserted }
        candidates.sort { a, b in
            let ascending = a.key != b.key ? a.key < b.key : a.id < b.id
            return reverse ? !ascending : ascending
        }
        let more = candidates.count > query.limit
        var page = Array(candidates.prefix(query.limit))
        let rows = try fetch(db, R.self, ids: page.map(\.id))
        var items = page.compactMap { rows[$0.id] }
        if backward {
            items.reverse()
            page.reverse()
        }
        var total: Int?
        if query.countTotal {
            total = query.limit > 0 && cursor == nil && !more
                ? items.count : try count(db, sql, alternatives, limit: query.totalLimit)
        }
        let hasNext = backward ? true : more
        let hasPrevious = backward ? more : query.after != nil
        func position(_ candidate: Candidate?) -> RowCursor? { candidate.map { RowCursor(key: $0.key, id: $0.id) } }
        return RowPage(
            items: items, total: total, next: hasNext ? position(page.last) : nil,
            previous: hasPrevious ? position(page.first) : nil)
    }

    /// The folded values in the prefix's range, in order (one index seek each); nil past ``distinctLimit``.
    static func distinctValues(_ db: Database, _ sql: TableSQL, _ alternative: Alternative) throws -> [String]? {
        let folded = "\(NameFolding.sqlFunctionName)(t.\(alternative.column))"
        let from = "FROM \(sql.table) t INDEXED BY \(alternative.index) WHERE \(sql.current)"
        let first = try db.cachedStatement(
            sql: "SELECT \(folded) \(from) AND \(folded) >= ? AND \(folded) < ? ORDER BY \(folded) LIMIT 1")
        let next = try db.cachedStatement(
            sql: "SELECT \(folded) \(from) AND \(folded) > ? AND \(folded) < ? ORDER BY \(folded) LIMIT 1")
        var values: [String] = []
        var value = try String.fetchOne(first, arguments: [alternative.prefix, alternative.upper])
        while let found = value {
            values.append(found)
            if values.count > distinctLimit { return nil }
            value = try String.fetchOne(next, arguments: [found, alternative.upper])
        }
        return values
    }

    /// The first `count` rows of one folded value after the cursor, in page order (`reverse`: descending).
    static func firstRows(
        _ db: Database, _ sql: TableSQL, _ alternative: Alternative, value: String, after cursor: RowCursor?,
        reverse: Bool, count: Int
    ) throws -> [Candidate] {
        let id = "t.\(sql.idColumn)"
        let direction = reverse ? "DESC" : "ASC"
        let op = reverse ? "<" : ">"
        let base = """
            SELECT t.ValidityFrom, \(id) FROM \(sql.table) t INDEXED BY \(alternative.index) \
            WHERE \(sql.current) AND \(NameFolding.sqlFunctionName)(t.\(alternative.column)) = ?
            """
        func run(_ text: String, _ arguments: StatementArguments) throws -> [Candidate] {
            var found: [Candidate] = []
            let rows = try Row.fetchCursor(db.cachedStatement(sql: text), arguments: arguments)
            while let row = try rows.next() {
                found.append(Candidate(key: row[0] as String? ?? "", id: row[1]))
            }
            return found
        }
        guard let cursor else {
            return try run("\(base) ORDER BY t.ValidityFrom \(direction), \(id) \(direction) LIMIT ?", [value, count])
        }
        // Two seeks instead of one range with an OR, which SQLite would walk from the start of the value.
        var rows = try run(
            "\(base) AND t.ValidityFrom = ? AND \(id) \(op) ? ORDER BY \(id) \(direction) LIMIT ?",
            [value, cursor.key, cursor.id, count])
        if rows.count < count {
            rows += try run(
                "\(base) AND t.ValidityFrom \(op) ? ORDER BY t.ValidityFrom \(direction), \(id) \(direction) LIMIT ?",
                [value, cursor.key, count - rows.count])
        }
        return rows
    }

    /// The current rows with these keys, by key.
    static func fetch<R: TableRecord>(_ db: Database, _ type: R.Type, ids: [Int64]) throws -> [Int64: Versioned<R>] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql: "\(R.sql.select) WHERE t.\(R.sql.idColumn) IN (\(placeholders)) AND \(R.sql.current)")
        var rows: [Int64: Versioned<R>] = [:]
        for row in try VersionedRow<R>.fetchAll(statement, arguments: StatementArguments(ids)) {
            let value = try row.value
            if let record = value.record as? any VersionedRecord, let id = record.id { rows[id] = value }
        }
        return rows
    }

    /// Every match, counted from the indexes alone: with two columns, the second one's range plus the rows of the
    /// first one's range that are not in the second's (read over the index of both names, no table row). With a
    /// `limit`, at most `limit + 1` index entries are read and nil means more than `limit`.
    static func count(_ db: Database, _ sql: TableSQL, _ alternatives: [Alternative], limit: Int? = nil) throws -> Int? {
        func folded(_ column: String) -> String { "\(NameFolding.sqlFunctionName)(t.\(column))" }
        /// `SELECT COUNT(*)` of the rows of `from`, or of its first `limit + 1` rows.
        func counted(_ from: String, _ arguments: StatementArguments, seen: Int) throws -> Int {
            guard let limit else {
                return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) \(from)"), arguments: arguments) ?? 0
            }
            let statement = try db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 \(from) LIMIT ?)")
            return try Int.fetchOne(statement, arguments: arguments + [max(0, limit + 1 - seen)]) ?? 0
        }
        let last = alternatives[alternatives.count - 1]
        let column = folded(last.column)
        var total = try counted(
            "FROM \(sql.table) t INDEXED BY \(last.index) WHERE \(sql.current) AND \(column) >= ? AND \(column) < ?",
            [last.prefix, last.upper], seen: 0)
        if alternatives.count == 2, let pair = pairIndexes[sql.table], limit.map({ total <= $0 }) ?? true {
            let (first, second) = (folded(alternatives[0].column), column)
            total += try counted("""
                FROM \(sql.table) t INDEXED BY \(pair.index) WHERE \(sql.current) \
                AND \(first) >= ? AND \(first) < ? AND NOT (\(second) >= ? AND \(second) < ?)
                """, [alternatives[0].prefix, alternatives[0].upper, last.prefix, last.upper], seen: total)
        }
        if let limit, total > limit { return nil }
        return total
    }
}
