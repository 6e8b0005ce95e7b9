import Foundation

/// Where a condition is compiled: the alias its columns are read through and the table under that alias as the
/// database names it (nil: the searched table).
struct QueryScope: Sendable, Hashable {
    let alias: String
    let table: String?

    /// The searched table, under `t`.
    static let searched = QueryScope(alias: "t", table: nil)
}

/// An engine's compiler of ``QueryNode`` trees: only the leaves (how a column is referenced, a value bound, a
/// list compared, case folded) are the engine's; the walk over ANDs, ORs, NOTs and related rows, the budget and
/// the numbering of the related rows' aliases are written once, in the extension.
protocol QueryCompiling {
    /// What this search has used of ``QueryLimits``.
    var budget: QueryBudget { get set }
    /// The related rows' aliases given so far (`r1`, `r2`, ...).
    var aliasCounter: Int { get set }
    /// A condition repeated inside each branch of an OR over the searched table's own alias (nil: none).
    var currentCondition: String? { get }

    /// The SQL of a constant truth value.
    static func constant(_ value: Bool) -> String
    /// `parts` joined by `separator` (` AND `, ` OR `), parenthesized.
    static func group(_ parts: [String], _ separator: String) -> String
    /// The conditions of a related row's `EXISTS`, joined by AND.
    static func relatedConditions(_ terms: [String]) -> String

    /// A single comparison.
    mutating func leaf(_ predicate: RowPredicate, in scope: QueryScope) throws -> String
    /// `column` equals one of `values`.
    mutating func list(_ column: String, _ values: [SQLValue], in scope: QueryScope) throws -> String
    /// `column` equals one of `values` ignoring case.
    mutating func listIgnoringCase(_ column: String, _ values: [String], in scope: QueryScope) throws -> String
    /// The row's UUID equals one of `values` ignoring case.
    mutating func uuidList(_ values: [String], in scope: QueryScope) throws -> String
    /// The column `name` of the table under `scope`, as SQL.
    func reference(_ name: String, in scope: QueryScope) throws -> String
    /// The table a related row is read from (as the mappings name it): its name in the database and as SQL.
    func relatedTable(_ table: String) throws -> (name: String, sql: String)
    /// The condition that a row of `table` (under `scope`) is current, if the table has one.
    func liveCondition(of table: String, in scope: QueryScope) -> String?
}

extension QueryCompiling {
    /// One condition of the search (on the searched table, alias `t`); ``QueryLimitExceeded`` past the limits.
    mutating func compile(_ predicate: RowPredicate) throws -> String {
        try compile(try budget.admit(predicate), in: .searched)
    }

    /// `node` over the table under `alias` (`tableName`, or the searched table).
    mutating func compile(_ node: QueryNode, alias: String, tableName: String? = nil) throws -> String {
        try compile(node, in: QueryScope(alias: alias, table: tableName))
    }

    /// The walk: nodes by their kind, leaves and lists by the engine.
    mutating func compile(_ node: QueryNode, in scope: QueryScope) throws -> String {
        switch node {
        case .leaf(let predicate): return try leaf(predicate, in: scope)
        case .list(let column, let values): return try list(column, values, in: scope)
        case .listIgnoringCase(let column, let values): return try listIgnoringCase(column, values, in: scope)
        case .uuidList(let values): return try uuidList(values, in: scope)
        case .and(let items):
            if items.isEmpty { return Self.constant(true) }
            return Self.group(try items.map { try compile($0, in: scope) }, " AND ")
        case .or(let items):
            if items.isEmpty { return Self.constant(false) }
            var branches = try items.map { try compile($0, in: scope) }
            // A partial index serves an OR branch only when the branch itself implies the index's condition.
            if items.count > 1, scope.alias == QueryScope.searched.alias, let current = currentCondition {
                branches = branches.map { "(\($0) AND \(current))" }
            }
            return Self.group(branches, " OR ")
        case .not(let inner):
            return "NOT (\(try compile(inner, in: scope)))"
        case .related(let table, let column, let outerColumn, let conditions):
            let related = try relatedTable(table)
            aliasCounter += 1
            let inner = QueryScope(alias: "r\(aliasCounter)", table: related.name)
            var terms = ["\(try reference(column, in: inner)) = \(try reference(outerColumn, in: scope))"]
            if let live = liveCondition(of: table, in: inner) { terms.append(live) }
            for condition in conditions { terms.append(try compile(condition, in: inner)) }
            return "EXISTS (SELECT 1 FROM \(related.sql) \(inner.alias) WHERE \(Self.relatedConditions(terms)))"
        }
    }
}
