import Foundation
import GRDB

/// Compiles backend-neutral ``RowPredicate`` values to SQLite SQL with bound arguments.
///
/// Column and table names come only from the FHIR layer's parameter tables (never from a request);
/// they are still checked to be plain identifiers before they reach SQL.
struct SQLiteQueryCompiler: QueryCompiling {
    let uuidColumn: String
    var arguments: [(any DatabaseValueConvertible)?] = []
    var aliasCounter = 0
    /// The current-row condition of the searched table (`t.ValidityTo IS NULL`), repeated inside each branch
    /// of a top-level OR: SQLite uses a partial index for an OR branch only when the branch itself implies the
    /// index's WHERE clause (without it, `identifier=` with its CHF ID/UUID alternatives scans the table).
    var currentCondition: String?

    /// What this search has used of ``QueryLimits``.
    var budget = QueryBudget()

    static func constant(_ value: Bool) -> String { value ? "1" : "0" }
    static func group(_ parts: [String], _ separator: String) -> String { QueryBudget.balanced(parts, separator) }
    static func relatedConditions(_ terms: [String]) -> String { QueryBudget.balanced(terms, " AND ") }

    mutating func list(_ column: String, _ values: [SQLValue], in scope: QueryScope) throws -> String {
        "\(try col(scope.alias, column)) IN \(list(values))"
    }

    mutating func listIgnoringCase(_ column: String, _ values: [String], in scope: QueryScope) throws -> String {
        "\(try col(scope.alias, column)) COLLATE NOCASE IN \(list(values.map { .text($0) }))"
    }

    mutating func uuidList(_ values: [String], in scope: QueryScope) throws -> String {
        try listIgnoringCase(uuidColumn, values, in: scope)
    }

    func reference(_ name: String, in scope: QueryScope) throws -> String { try col(scope.alias, name) }

    func relatedTable(_ table: String) throws -> (name: String, sql: String) {
        // The answer depends on the related table's rows too (caches of answers are dropped when it changes).
        ReadRecorder.note(table, nil)
        return (table, try identifier(table))
    }

    func liveCondition(of table: String, in scope: QueryScope) -> String? {
        HistoryModel.tables.contains(table) ? "\(scope.alias).isDeleted = 0" : "\(scope.alias).ValidityTo IS NULL"
    }

    /// The values of an `IN`: bound one by one when they are few, else as one JSON array read by `json_each`, so
    /// that the statement text (and GRDB's cache of statements) does not grow with every count.
    mutating func list(_ values: [SQLValue]) -> String {
        if values.count <= Self.inlineListLimit { return "(\(values.map { bind($0) }.joined(separator: ", ")))" }
        arguments.append(JSONList.encode(values))
        return "(SELECT value FROM json_each(?))"
    }

    /// The longest list bound value by value.
    static let inlineListLimit = 16

    /// A single comparison.
    mutating func leaf(_ predicate: RowPredicate, in scope: QueryScope) throws -> String {
        let alias = scope.alias
        switch predicate {
        case .compare(let column, let op, let value):
            return "\(try col(alias, column)) \(op.rawValue) \(bind(value))"
        case .equalsIgnoringCase(let column, let value):
            return "\(try col(alias, column)) = \(bind(.text(value))) COLLATE NOCASE"
        case .foldedEquals(let column, let value):
            return "\(NameFolding.sqlFunctionName)(\(try col(alias, column))) = \(bind(.text(NameFolding.fold(value))))"
        case .foldedStartsWith(let column, let value):
            let folded = NameFolding.fold(value)
            let expression = "\(NameFolding.sqlFunctionName)(\(try col(alias, column)))"
            return "(\(expression) >= \(bind(.text(folded))) AND \(expression) < \(bind(.text(NameFolding.upperBound(ofPrefix: folded)))))"
        case .foldedContains(let column, let value):
            let pattern = "%" + Self.escapeLike(NameFolding.fold(value)) + "%"
            return "\(NameFolding.sqlFunctionName)(\(try col(alias, column))) LIKE \(bind(.text(pattern))) ESCAPE '\\'"
        case .exact(let column, let value):
            return "\(try col(alias, column)) = \(bind(.text(value))) COLLATE BINARY"
        case .isNull(let column):
            return "(\(try col(alias, column)) IS NULL OR \(try col(alias, column)) = '')"
        case .isNotNull(let column):
            return "(\(try col(alias, column)) IS NOT NULL AND \(try col(alias, column)) <> '')"
        case .uuidEquals(let value):
            return "\(try col(alias, uuidColumn)) = \(bind(.text(value))) COLLATE NOCASE"
        case .lastUpdated(let op, let date):
            return "\(try col(alias, "ValidityFrom")) \(op.rawValue) \(bind(.text(date.databaseText)))"
        case .constant(let value):
            return Self.constant(value)
        case .oneOf, .and, .or, .not, .related:
            return try compile(QueryNode(predicate), in: scope)
        }
    }

    mutating func bind(_ value: SQLValue) -> String {
        switch value {
        case .text(let s): arguments.append(s)
        case .integer(let i): arguments.append(i)
        case .null: arguments.append(nil)
        }
        return "?"
    }

    func col(_ alias: String, _ column: String) throws -> String { "\(alias).\(try identifier(column))" }

    func identifier(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F })
        else { throw RegistryError.invalidValue("not an identifier") }
        return name
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}

extension RegistrySQL {
    /// A keyset page over current rows matching `query` (see ``RowQuery``).
    static func search<R: TableRecord>(_ db: Database, _ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        ReadRecorder.note(R.sql.table, nil)
        if let page = try FoldedPrefixSearch.page(db, type, query) { return page }
        var compiler = SQLiteQueryCompiler(uuidColumn: R.sql.uuidColumn, currentCondition: R.sql.current)
        var terms = [R.sql.current]
        for predicate in query.predicates { terms.append(try compiler.compile(predicate)) }
        let filterArguments = compiler.arguments
        let keyset = VersionedKeyset(query, lastUpdated: "t.ValidityFrom", uuid: "t.\(R.sql.uuidColumn)", id: "t.\(R.sql.idColumn)")
        var pageTerms = terms
        var pageArguments = filterArguments
        if let past = keyset.past(query, { cursor in
            pageArguments += [cursor.key, cursor.id]
            return ("?", "?")
        }) { pageTerms.append(past) }
        func count() throws -> Int {
            let statement = try db.cachedStatement(
                sql: "SELECT COUNT(*) FROM \(R.sql.table) t WHERE \(terms.joined(separator: " AND "))")
            return try Int.fetchOne(statement, arguments: StatementArguments(filterArguments)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: query.countTotal ? try count() : nil, next: nil) }
        // With conditions, `+` keeps SQLite from walking the sort index instead of the filter's index; not when
        // the conditions only bound the last update (an export's window), which that very index serves: there a
        // `+` would sort every remaining row for each page.
        let order = keyset.order(Self.walksSortIndex(query) ? nil : "+" + keyset.key)
        func fetch(_ where: [String], _ arguments: [(any DatabaseValueConvertible)?], limit: Int) throws -> [Versioned<R>] {
            let sql = "\(R.sql.select) WHERE \(`where`.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?"
            return try VersionedRow<R>.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments + [limit]))
                .map { try $0.value }
        }
        var rows: [Versioned<R>]
        if case .lastUpdated = query.order, Self.walksSortIndex(query), let cursor = query.after ?? query.before {
            // SQLite seeks a row-value range on its first column only: past a cursor among many rows of one instant
            // (a bulk load), each page would walk the instant's rows before it. The rest of the cursor's instant
            // (a seek on both columns of the index), then the rows past that instant, keep each page to its rows.
            let op = keyset.descending ? "<" : ">"
            rows = try fetch(terms + ["t.ValidityFrom = ?", "\(keyset.id) \(op) ?"], filterArguments + [cursor.key, cursor.id],
                             limit: query.limit + 1)
            if rows.count <= query.limit {
                rows += try fetch(terms + ["t.ValidityFrom \(op) ?"], filterArguments + [cursor.key],
                                  limit: query.limit + 1 - rows.count)
            }
        } else {
            rows = try fetch(pageTerms, pageArguments, limit: query.limit + 1)
        }
        let counted = RowPage<R>.needsCount(fetched: rows.count, query: query) ? try count() : nil
        return RowPage.keyset(rows, query: query, backward: keyset.backward, counted: counted)
    }

    /// Whether a search reads its rows in the order of the sort key's index: without conditions, or, in last-update
    /// order, with conditions on the last update only.
    static func walksSortIndex(_ query: RowQuery) -> Bool {
        guard case .lastUpdated = query.order else { return query.predicates.isEmpty }
        return query.predicates.allSatisfy { predicate in
            if case .lastUpdated = predicate { return true }
            return false
        }
    }
}

/// A list of values as a JSON array, for `json_each` (text as strings, integers as numbers).
enum JSONList {
    static func encode(_ values: [SQLValue]) -> String {
        var json = "["
        for (index, value) in values.enumerated() {
            if index > 0 { json += "," }
            switch value {
            case .text(let text): json += string(text)
            case .integer(let number): json += String(number)
            case .null: json += "null"
            }
        }
        return json + "]"
    }

    /// A JSON string literal: quote, backslash and control characters escaped.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
