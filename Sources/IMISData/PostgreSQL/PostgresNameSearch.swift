import Foundation

/// Migration "v14 name search indexes", and the name search these indexes serve on PostgreSQL: the plan of
/// `FoldedPrefixSearch` (SQLite) in three statements, none of which grows with the number of matches.
///
/// A name search (`Patient?name=mwa`, `family=`, `given=`) is a prefix of the folded family or given name
/// (``PostgresQueryCompiler/fold(_:)``) in `_lastUpdated` order. Each name column gets an index of current rows on
/// (folded name, last update, key), in byte order (`text_pattern_ops`), holding the name column itself so that
/// PostgreSQL answers from the index alone (an index-only scan needs the column an indexed expression reads), and
/// the family-name index the folded given name too (counting the rows that match on either name). Then:
/// 1. the distinct folded names within the prefix's range, one index seek each (a recursive query; more than
///    ``FoldedPrefixSearch/distinctLimit`` in a range and the general plan answers instead);
/// 2. the page: for each of those names its first `_count + 1` rows after the cursor, read from the index in page
///    order, merged and cut to `_count + 1`, joined to their rows;
/// 3. the total, when it is asked for and the page does not tell it: index-only counts of both ranges (the given
///    names', plus the family names' less the rows whose given name is in range), stopped past
///    ``RowQuery/totalLimit`` when there is one.
///
/// Without these indexes (a database served with `--migrate=false` that this version never migrated) the general
/// plan answers, with the same rows, more slowly.
enum PostgresNameSearch {
    /// The migration's name, after "v13 change notifications".
    static let migrationName = "v14 name search indexes"

    /// The index of the folded `column` of `tblInsuree` (by the database's spelling of the table).
    static func indexName(table: String, column: String) -> String {
        "imisfhir_\(table.lowercased())_\(column.lowercased())_order"
    }

    /// The folded expression of `column` under `alias` (nil when the column is missing or not text).
    static func folded(_ catalog: PostgresCatalog, _ table: String, _ column: String, alias: String?) -> String? {
        guard let found = catalog.column(table, column), found.kind == .text else { return nil }
        return PostgresQueryCompiler.fold(alias.map { "\($0).\(found.quoted)" } ?? found.quoted)
    }

    /// The last update to the millisecond as an immutable expression (an index may hold it): the column's
    /// `date_trunc`, of its UTC time when it has a time zone (openIMIS's own databases). Sessions run in UTC, so it
    /// orders rows as ``PGColumn/instant(_:)`` does. Nil for another type.
    static func orderKey(_ from: PGColumn, alias: String?) -> String? {
        let column = alias.map { "\($0).\(from.quoted)" } ?? from.quoted
        switch from.kind {
        case .timestamp: return "date_trunc('milliseconds', \(column))"
        case .timestampWithZone: return "date_trunc('milliseconds', (\(column) AT TIME ZONE 'UTC'))"
        default: return nil
        }
    }

    /// `CREATE INDEX` statements of the migration, for the columns the database has.
    static func indexes(_ catalog: PostgresCatalog) -> [String] {
        guard let pair = FoldedPrefixSearch.pairIndexes["tblInsuree"], let table = catalog.tableName("tblInsuree"),
            let from = catalog.column(table, "ValidityFrom"), let order = orderKey(from, alias: nil),
            let id = catalog.column(table, Insuree.sql.idColumn), let validityTo = catalog.column(table, "ValidityTo"),
            let last = catalog.column(table, pair.first), let other = catalog.column(table, pair.second),
            let lastFolded = folded(catalog, table, pair.first, alias: nil),
            let otherFolded = folded(catalog, table, pair.second, alias: nil)
        else { return [] }
        let start = "CREATE INDEX IF NOT EXISTS"
        let on = "ON \(PGSQL.quote(table))"
        let current = "WHERE \(validityTo.quoted) IS NULL"
        return [
            """
            \(start) \(indexName(table: table, column: pair.first)) \(on) ((\(lastFolded)) text_pattern_ops, \(order), \
            \(id.quoted), (\(otherFolded)) text_pattern_ops) INCLUDE (\(last.quoted), \(other.quoted)) \(current)
            """,
            """
            \(start) \(indexName(table: table, column: pair.second)) \(on) ((\(otherFolded)) text_pattern_ops, \(order), \
            \(id.quoted)) INCLUDE (\(other.quoted)) \(current)
            """,
        ]
    }
}

extension PostgresRegistryStore {
    /// The page of a name search by ``PostgresNameSearch``'s plan, or nil when the general plan must answer.
    func namePage<R: TableRecord>(_ type: R.Type, _ query: RowQuery, table: PGTable, catalog: PostgresCatalog)
        async throws -> RowPage<R>?
    {
        guard case .lastUpdated = query.order, let tableName = catalog.tableName(R.sql.table),
            let alternatives = FoldedPrefixSearch.alternatives(table: R.sql.table, query),
            alternatives.allSatisfy({
                NameFolding.byteUpperBound(ofPrefix: $0.prefix) != nil
                    && catalog.indexes.contains(PostgresNameSearch.indexName(table: tableName, column: $0.column))
            })
        else { return nil }
        guard let order = PostgresNameSearch.orderKey(try table.column("ValidityFrom"), alias: "t") else { return nil }
        var expressions: [String] = []
        for alternative in alternatives {
            guard let expression = PostgresNameSearch.folded(catalog, tableName, alternative.column, alias: "t") else {
                return nil
            }
            expressions.append(expression)
        }
        let uppers = alternatives.map { NameFolding.byteUpperBound(ofPrefix: $0.prefix) ?? "" }
        // 1. The distinct folded names in each range.
        var names: [[String]] = []
        for (index, expression) in expressions.enumerated() {
            var statement = PGStatement()
            let prefix = statement.bind(.text(alternatives[index].prefix))
            let upper = statement.bind(.text(uppers[index]))
            let limit = FoldedPrefixSearch.distinctLimit
            let within = "\(table.current) AND \(expression) ~<~ \(upper)"
            statement.sql = """
                WITH RECURSIVE names(v, n) AS ((SELECT \(expression), 1 FROM \(table.name) t \
                WHERE \(within) AND \(expression) ~>=~ \(prefix) ORDER BY 1 USING ~<~ LIMIT 1) \
                UNION ALL SELECT (SELECT \(expression) FROM \(table.name) t WHERE \(within) AND \(expression) ~>~ names.v \
                ORDER BY 1 USING ~<~ LIMIT 1), n + 1 FROM names WHERE names.v IS NOT NULL AND n <= \(limit)) \
                SELECT v FROM names WHERE v IS NOT NULL
                """
            let found = try await database.rows(statement).map { try $0.decode(String.self) }
            if found.count > limit { return nil }
            names.append(found)
        }
        // 2. The page: each name's first rows after the cursor, merged.
        let keyset = VersionedKeyset(query, lastUpdated: order, uuid: "", id: "t.\(table.id.quoted)")
        var statement = PGStatement()
        var fetched: [Versioned<R>] = []
        if query.limit > 0 {
            let want = statement.bind(.integer(Int64(query.limit + 1)))
            var past = ""
            if let cursor = query.after ?? query.before {
                let op = keyset.descending ? "<" : ">"
                let key = "CAST(\(statement.bind(.text(cursor.key))) AS timestamp without time zone)"
                past = " AND (\(keyset.key), \(keyset.id)) \(op) (\(key), \(statement.bind(.integer(cursor.id))))"
            }
            let direction = keyset.descending ? "DESC" : "ASC"
            var arms: [String] = []
            for (index, expression) in expressions.enumerated() {
                let values = statement.bind(.textArray(names[index]))
                arms.append("""
                    SELECT p.k, p.id FROM unnest(CAST(\(values) AS text[])) AS n(v) CROSS JOIN LATERAL \
                    (SELECT \(keyset.key) AS k, \(keyset.id) AS id FROM \(table.name) t WHERE \(table.current) \
                    AND \(expression) = n.v\(past) ORDER BY 1 \(direction), 2 \(direction) LIMIT \(want)) p
                    """)
            }
            statement.sql = """
                SELECT \(table.list("t")) FROM (SELECT k, id FROM (\(arms.joined(separator: " UNION "))) u \
                ORDER BY k \(direction), id \(direction) LIMIT \(want)) m JOIN \(table.name) t ON \(keyset.id) = m.id \
                ORDER BY m.k \(direction), m.id \(direction)
                """
            fetched = try table.decode(R.self, rows: try await database.rows(statement))
        }
        ReadRecorder.note(R.sql.table, nil)
        var page = RowPage.keyset(fetched, query: query, backward: keyset.backward, counted: 0)
        // 3. The total.
        if query.countTotal {
            if query.limit > 0 && query.after == nil && query.before == nil && fetched.count <= query.limit {
                page.total = fetched.count
            } else {
                page.total = try await nameCount(table: table, expressions: expressions, alternatives: alternatives,
                                                 uppers: uppers, limit: query.totalLimit)
            }
        }
        return page
    }

    /// The matches of the prefixes counted from the name indexes alone (see ``PostgresNameSearch``); nil past
    /// `limit`.
    func nameCount(table: PGTable, expressions: [String], alternatives: [FoldedPrefixSearch.Alternative],
                   uppers: [String], limit: Int?) async throws -> Int? {
        var statement = PGStatement()
        func range(_ index: Int) -> String {
            let (expression, prefix) = (expressions[index], statement.bind(.text(alternatives[index].prefix)))
            return "\(expression) ~>=~ \(prefix) AND \(expression) ~<~ \(statement.bind(.text(uppers[index])))"
        }
        let cap = limit.map { " LIMIT \(statement.bind(.integer(Int64($0 + 1))))" } ?? ""
        let last = expressions.count - 1
        let lastRange = range(last)
        let rows = "SELECT 1 FROM \(table.name) t WHERE \(table.current)"
        var counts = ["(SELECT count(*) FROM (\(rows) AND \(lastRange)\(cap)) a)"]
        if expressions.count == 2 {
            counts.append("""
                (SELECT count(*) FROM (\(rows) AND \(range(0)) AND NOT (\(lastRange))\(cap)) b)
                """)
        }
        statement.sql = "SELECT \(counts.joined(separator: " + "))"
        let total = Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        if let limit, total > limit { return nil }
        return total
    }
}
