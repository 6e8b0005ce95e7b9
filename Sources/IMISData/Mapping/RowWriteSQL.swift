import Foundation
import GRDB

/// How one engine spells the write statements of one table (see ``RowWriteSQL``): SQLite writes names as they are
/// and binds `?`; PostgreSQL quotes the names the table really has, leaves out the columns it lacks, binds `$n`
/// converted to each column's own type, compares UUIDs ignoring case and returns the new key.
struct SQLDialect {
    /// The table's name as a statement writes it.
    var table: String
    /// A column (by the mapping's name) as a statement writes it; nil when the table lacks it.
    var column: (String) -> String?
    /// The `n`th placeholder (from 1) as a value of `column`.
    var value: (_ column: String, _ n: Int) -> String
    /// Whether UUIDs are compared lower-cased (SQLite's UUID columns are `COLLATE NOCASE` already).
    var lowersUUIDs = false
    /// Whether an insert returns the new key (`RETURNING`) rather than leaving it to the connection.
    var returnsKey = false
    /// The condition that a UUID column (mapping's name, written name) equals a bound value, when the engine
    /// has one of its own (PostgreSQL's `uuid` columns compare as they are: there is no `lower(uuid)`).
    var uuidEquals: ((_ column: String, _ written: String, _ value: String) -> String?)? = nil
    /// What an insert writes into a column (by the mapping's name) it has no value for when the database requires
    /// one (`DEFAULT`, or a neutral value); nil: NULL.
    var fill: (String) -> String? = { _ in nil }
    /// The columns the database requires that the mapping does not list, each with the value an insert writes.
    var unlisted: [(target: String, expression: String)] = []
}

/// A write statement and its values, in placeholder order.
struct RowWrite {
    var sql: String
    var values: [DatabaseValue]
    /// Whether the statement returns the new key as its one column.
    var returnsKey = false
}

/// The write statements of both table models, written once for every engine from the mapping's column list and
/// an ``SQLDialect``: inserts, the history copy, the in-place update and the close of a legacy-versioned row, and
/// the update of a history-model row by UUID.
struct RowWriteSQL {
    let dialect: SQLDialect
    private var values: [DatabaseValue] = []

    init(_ dialect: SQLDialect) { self.dialect = dialect }

    /// Binds `value` for `column`; its placeholder. An audit-user column gets the acting user (``WriteActor``)
    /// when there is one.
    private mutating func bind(_ column: String, _ value: (any DatabaseValueConvertible)?) -> String {
        let audited = column.lowercased() == "audituserid" ? WriteActor.userID.map { $0 as any DatabaseValueConvertible } : nil
        values.append((audited ?? value)?.databaseValue ?? .null)
        return dialect.value(column, values.count)
    }

    private func name(_ column: String) throws -> String {
        guard let name = dialect.column(column) else {
            throw DatabaseMismatch(table: dialect.table, column: column, problem: "is missing")
        }
        return name
    }

    private func finish(_ sql: String, returnsKey: Bool = false) -> RowWrite {
        RowWrite(sql: sql, values: values, returnsKey: returnsKey)
    }

    /// `INSERT` of `values` (in `columns` order); the key column (first) is left to the database when its value is
    /// nil, and returned when the dialect returns keys and `returningKey`.
    static func insert(_ dialect: SQLDialect, columns: [String], values: [(any DatabaseValueConvertible)?],
                       returningKey: Bool) -> RowWrite {
        var write = RowWriteSQL(dialect)
        var targets: [String] = [], expressions: [String] = []
        for (offset, (column, value)) in zip(columns, values).enumerated() {
            if offset == 0 && value == nil { continue }
            guard let target = dialect.column(column) else { continue }
            targets.append(target)
            let fill = value == nil || value?.databaseValue == .null ? dialect.fill(column) : nil
            expressions.append(fill ?? write.bind(column, value))
        }
        for (target, expression) in dialect.unlisted where !targets.contains(target) {
            targets.append(target)
            expressions.append(expression)
        }
        var sql = "INSERT INTO \(dialect.table) (\(targets.joined(separator: ", "))) VALUES (\(expressions.joined(separator: ", ")))"
        let returns = returningKey && dialect.returnsKey
        if returns, let key = columns.first.flatMap(dialect.column) { sql += " RETURNING \(key)" }
        return write.finish(sql, returnsKey: returns)
    }

    /// Copies the current row `id` to a history row: every column but the key, with UUID `uuid`, `ValidityTo`
    /// `now` and the legacy id pointing at the row.
    static func historyCopy(_ dialect: SQLDialect, _ sql: TableSQL, id: Int64, uuid: String, now: Date) throws -> RowWrite {
        var write = RowWriteSQL(dialect)
        let key = try write.name(sql.idColumn)
        var targets: [String] = [], expressions: [String] = []
        for column in sql.columns.dropFirst() {
            guard let target = dialect.column(column) else { continue }
            targets.append(target)
            switch column {
            case sql.uuidColumn: expressions.append(write.bind(column, uuid))
            case "ValidityTo": expressions.append(write.bind(column, now.databaseText))
            case sql.legacyColumn: expressions.append(key)
            default: expressions.append(target)
            }
        }
        let condition = "\(key) = \(write.bind(sql.idColumn, id))"
        return write.finish("""
            INSERT INTO \(dialect.table) (\(targets.joined(separator: ", "))) SELECT \(expressions.joined(separator: ", ")) \
            FROM \(dialect.table) WHERE \(condition)
            """)
    }

    /// Updates the current row `id` with `values` (in the mapping's order) but its key and UUID.
    static func update(_ dialect: SQLDialect, _ sql: TableSQL, values: [(any DatabaseValueConvertible)?],
                       id: Int64) throws -> RowWrite {
        var write = RowWriteSQL(dialect)
        let assignments = write.assignments(sql.columns, values, skipping: 2)
        let condition = "\(try write.name(sql.idColumn)) = \(write.bind(sql.idColumn, id)) AND \(try write.name("ValidityTo")) IS NULL"
        return write.finish("UPDATE \(dialect.table) SET \(assignments) WHERE \(condition)")
    }

    /// Closes the current row `id`: `ValidityFrom = ValidityTo = now`, the audit user `auditUserID`.
    static func close(_ dialect: SQLDialect, _ sql: TableSQL, id: Int64, now: Date, auditUserID: Int64) throws -> RowWrite {
        var write = RowWriteSQL(dialect)
        var columns = ["ValidityFrom", "ValidityTo"], values: [(any DatabaseValueConvertible)?] = [now.databaseText, now.databaseText]
        if dialect.column(sql.auditColumn) != nil {
            columns.append(sql.auditColumn)
            values.append(auditUserID)
        }
        let assignments = write.assignments(columns, values, skipping: 0)
        let condition = "\(try write.name(sql.idColumn)) = \(write.bind(sql.idColumn, id)) AND \(try write.name("ValidityTo")) IS NULL"
        return write.finish("UPDATE \(dialect.table) SET \(assignments) WHERE \(condition)")
    }

    /// Writes `values` (in the mapping's order, but the key) over the live history-model row with UUID `uuid`.
    static func updateHistory(_ dialect: SQLDialect, _ sql: TableSQL, values: [(any DatabaseValueConvertible)?],
                              uuid: String) throws -> RowWrite {
        var write = RowWriteSQL(dialect)
        let assignments = write.assignments(sql.columns, values, skipping: 1)
        let column = try write.name(sql.uuidColumn), value = write.bind(sql.uuidColumn, uuid)
        let condition = dialect.uuidEquals?(sql.uuidColumn, column, value)
            ?? (dialect.lowersUUIDs ? "lower(\(column)) = lower(\(value))" : "\(column) = \(value)")
        return write.finish("UPDATE \(dialect.table) SET \(assignments) WHERE \(condition)")
    }

    /// `column = value, ...` of the columns after the first `skipping`, leaving out those the table lacks.
    private mutating func assignments(_ columns: [String], _ values: [(any DatabaseValueConvertible)?],
                                      skipping: Int) -> String {
        var assignments: [String] = []
        for (column, value) in zip(columns, values).dropFirst(skipping) {
            guard let target = dialect.column(column) else { continue }
            assignments.append("\(target) = \(bind(column, value))")
        }
        return assignments.joined(separator: ", ")
    }
}
