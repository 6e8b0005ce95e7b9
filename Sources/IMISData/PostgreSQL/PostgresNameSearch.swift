import Foundation

/// Migration "v14 name search indexes", and the name search these indexes serve on PostgreSQL: the plan of
/// `FoldedPrefixSearch` (SQLite) in one statement whose work does not grow with the number of matches.
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
/// 3. the total, when it is asked for: index-only counts of both ranges (the given
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

    /// `DROP INDEX` statements of the indexes these replace (the folded names alone, in byte order).
    static func replaced(_ catalog: PostgresCatalog) -> [String] {
        guard let table = catalog.tableName("tblInsuree") else { return [] }
        return ["LastName", "OtherNames"].map { "DROP INDEX IF EXISTS imisfhir_\(table.lowercased())_\($0.lowercased())_folded" }
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
    /// The page of a name search by ``PostgresNameSearch``'s plan, in one statement (one round trip), or nil when
    /// the general plan must answer.
    func namePage<R: TableRecord>(_ type: R.Type, _ query: RowQuery, table: PGTable, catalog: PostgresCatalog)
        async throws -> RowPage<R>?
    {
        guard case .lastUpdated = query.order, let tableName = catalog.tableName(R.sql.table),
            let alternatives = FoldedPrefixSearch.alternatives(table: R.sql.table, query),
            alternatives.allSatisfy({
                NameFolding.byteUpperBound(ofPrefix: $0.prefix) != nil
                    && catalog.indexes.contains(PostgresNameSearch.indexName(table: tableName, column: $0.column))
            }),
            let order = PostgresNameSearch.orderKey(try table.column("ValidityFrom"), alias: "t")
        else { return nil }
        var expressions: [String] = []
        for alternative in alternatives {
            guard let expression = PostgresNameSearch.folded(catalog, tableName, alternative.column, alias: "t") else {
                return nil
            }
            expressions.append(expression)
        }
        var statement = PGStatement()
        var ranges: [(prefix: String, upper: String)] = []
        for alternative in alternatives {
            let upper = NameFolding.byteUpperBound(ofPrefix: alternative.prefix) ?? ""
            ranges.append((statement.bind(.text(alternative.prefix)), statement.bind(.text(upper))))
        }
        // 1. The distinct folded names of each range (`n0`, `n1`): one index seek each, at most one past the limit.
        let limit = FoldedPrefixSearch.distinctLimit
        var names: [String] = []
        for (index, expression) in expressions.enumerated() {
            let (n, within) = ("n\(index)", "\(table.current) AND \(expression) ~<~ \(ranges[index].upper)")
            names.append("""
                \(n)(v, n) AS ((SELECT \(expression), 1 FROM \(table.name) t WHERE \(within) \
                AND \(expression) ~>=~ \(ranges[index].prefix) ORDER BY 1 USING ~<~ LIMIT 1) \
                UNION ALL SELECT (SELECT \(expression) FROM \(table.name) t WHERE \(within) AND \(expression) ~>~ \(n).v \
                ORDER BY 1 USING ~<~ LIMIT 1), \(n).n + 1 FROM \(n) WHERE \(n).v IS NOT NULL AND \(n).n <= \(limit))
                """)
        }
        // 2. The page: each name's first rows after the cursor, merged and cut, then their rows.
        let keyset = VersionedKeyset(query, lastUpdated: order, uuid: "", id: "t.\(table.id.quoted)")
        let direction = keyset.descending ? "DESC" : "ASC"
        var page = "SELECT NULL::timestamp AS k, NULL::bigint AS id WHERE FALSE"
        if query.limit > 0 {
            let want = statement.bind(.integer(Int64(query.limit + 1)))
            var past = ""
            if let cursor = query.after ?? query.before {
                let key = "CAST(\(statement.bind(.text(cursor.key))) AS timestamp without time zone)"
                let op = keyset.descending ? "<" : ">"
                past = " AND (\(keyset.key), \(keyset.id)) \(op) (\(key), \(statement.bind(.integer(cursor.id))))"
            }
            let arms = expressions.enumerated().map { index, expression in
                """
                SELECT p.k, p.id FROM n\(index) CROSS JOIN LATERAL (SELECT \(keyset.key) AS k, \(keyset.id) AS id \
                FROM \(table.name) t WHERE \(table.current) AND \(expression) = n\(index).v\(past) \
                ORDER BY 1 \(direction), 2 \(direction) LIMIT \(want)) p
                """
            }
            page = """
                SELECT k, id FROM (\(arms.joined(separator: " UNION "))) u ORDER BY k \(direction), id \(direction) \
                LIMIT \(want)
                """
        }
        // 3. The total (counted once per statement), the names found, the rows; one row even for an empty page.
        let total = query.countTotal
            ? PostgresNameSearch.count(&statement, table: table, expressions: expressions, ranges: ranges,
                                       limit: query.totalLimit)
            : "NULL"
        let found = expressions.indices.map { "(SELECT count(v) FROM n\($0))" }.joined(separator: ", ")
        statement.sql = """
            WITH RECURSIVE \(names.joined(separator: ", ")) SELECT \(table.list("t")), \(total), \(found) \
            FROM (VALUES (1)) AS one(x) LEFT JOIN (\(page)) m ON TRUE LEFT JOIN \(table.name) t ON \(keyset.id) = m.id \
            ORDER BY m.k \(direction), m.id \(direction)
            """
        let rows = try await database.rows(statement).map { try IMISPostgres.values($0) }
        let width = R.sql.columns.count + 1
        guard let first = rows.first, first.count == width + 1 + expressions.count,
            first.suffix(expressions.count).allSatisfy({ (Int.fromDatabaseValue($0) ?? 0) <= limit })
        else { return nil }
        let fetched = try table.decode(R.self, rows.filter { !$0[0].isNull }.map { Array($0.prefix(width)) })
        ReadRecorder.note(R.sql.table, nil)
        var result = RowPage.keyset(fetched, query: query, backward: keyset.backward, counted: 0)
        if query.countTotal {
            let unpaged = query.limit > 0 && query.after == nil && query.before == nil && fetched.count <= query.limit
            let counted = Int.fromDatabaseValue(first[width]).flatMap { $0 > (query.totalLimit ?? .max) ? nil : $0 }
            result.total = unpaged ? fetched.count : counted
        }
        return result
    }
}

extension PostgresNameSearch {
    /// The expression counting the matches of the ranges (bound in `statement`) from the name indexes alone: the
    /// last range, plus the first one's rows outside it; each read stops past `limit` when there is one (then a
    /// count above `limit` means more than `limit`).
    static func count(_ statement: inout PGStatement, table: PGTable, expressions: [String],
                      ranges: [(prefix: String, upper: String)], limit: Int?) -> String {
        func range(_ index: Int) -> String {
            "\(expressions[index]) ~>=~ \(ranges[index].prefix) AND \(expressions[index]) ~<~ \(ranges[index].upper)"
        }
        let cap = limit.map { " LIMIT \(statement.bind(.integer(Int64($0 + 1))))" } ?? ""
        let rows = "SELECT 1 FROM \(table.name) t WHERE \(table.current)"
        let last = range(expressions.count - 1)
        var counts = ["(SELECT count(*) FROM (\(rows) AND \(last)\(cap)) a)"]
        if expressions.count == 2 {
            counts.append("(SELECT count(*) FROM (\(rows) AND \(range(0)) AND NOT (\(last))\(cap)) b)")
        }
        return "(\(counts.joined(separator: " + ")))"
    }
}
