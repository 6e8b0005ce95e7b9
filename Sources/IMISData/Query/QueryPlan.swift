import Foundation

/// The limits of one search, the same on both engines. A search over them is refused with
/// ``QueryLimitExceeded`` before any SQL is built; below them, both compilers build statements that fit the
/// engines' own limits (SQLite's expression depth of 1,000, PostgreSQL's 65,535 bound parameters).
public enum QueryLimits {
    /// The most values one search parameter may compare one column with: the largest page (`_count` 1,000), so
    /// that a `_revinclude` over a whole page (one reference search with every match as a value) works.
    public static let valuesPerParameter = 1_000
    /// The most conditions in one search: its parameters, the server's own access conditions included.
    public static let parameters = 64
    /// The most comparisons in one search, every value of every parameter counted once per column it is
    /// compared with.
    public static let comparisons = 10_000
}

/// A search beyond one of the ``QueryLimits``: the request's fault, its message names the limit.
public struct QueryLimitExceeded: Error, CustomStringConvertible, Sendable, Hashable {
    /// What was exceeded and what the limit is.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A ``RowPredicate`` prepared for compiling: nested ANDs and ORs flattened, the alternatives of an OR that compare
/// one column for equality collapsed into one list (`col IN (...)`, `col = ANY($1)`), and the alternatives that
/// ask for a related row of the same table merged into one `EXISTS` (`EXISTS (A) OR EXISTS (B)` is
/// `EXISTS (A OR B)`). A search for a thousand identifiers is then two lists, not an OR chain two thousand deep.
indirect enum QueryNode: Sendable, Hashable {
    /// A single comparison, compiled as the engine compiles it alone.
    case leaf(RowPredicate)
    /// `column` equals one of the values (exactly, as `compare(_, .equal, _)`); never `NULL` among them.
    case list(String, [SQLValue])
    /// `column` equals one of the values ignoring case (as `equalsIgnoringCase`).
    case listIgnoringCase(String, [String])
    /// The row's UUID equals one of the values ignoring case (as `uuidEquals`).
    case uuidList([String])
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode)
    /// As ``RowPredicate/related(table:column:outerColumn:where:)``, its conditions ANDed.
    case related(table: String, column: String, outerColumn: String, where: [QueryNode])

    static let always = QueryNode.leaf(.constant(true))
    static let never = QueryNode.leaf(.constant(false))

    /// The node of `predicate`.
    init(_ predicate: RowPredicate) {
        switch predicate {
        case .and(let items): self = Self.conjunction(items.map(QueryNode.init))
        case .or(let items): self = Self.disjunction(items.map(QueryNode.init))
        case .not(let inner): self = .not(QueryNode(inner))
        case .oneOf(let column, let values): self = Self.disjunction([.list(column, values)])
        case .related(let table, let column, let outerColumn, let conditions):
            self = .related(
                table: table, column: column, outerColumn: outerColumn,
                where: Self.conjuncts(conditions.map(QueryNode.init)))
        default: self = .leaf(predicate)
        }
    }

    /// The terms of an AND, nested ANDs spliced in and `TRUE` dropped.
    static func conjuncts(_ items: [QueryNode]) -> [QueryNode] {
        var terms: [QueryNode] = []
        for item in items {
            switch item {
            case .and(let inner): terms += inner
            case always: continue
            default: terms.append(item)
            }
        }
        return terms
    }

    static func conjunction(_ items: [QueryNode]) -> QueryNode {
        let terms = conjuncts(items)
        if terms.contains(never) { return never }
        switch terms.count {
        case 0: return always
        case 1: return terms[0]
        default: return .and(terms)
        }
    }

    /// The OR of `items`, flattened, equality alternatives on one column collapsed into one list and related-row
    /// alternatives on one relation merged; alternatives keep their first position.
    static func disjunction(_ items: [QueryNode]) -> QueryNode {
        var flat: [QueryNode] = []
        func add(_ item: QueryNode) {
            switch item {
            case .or(let inner): inner.forEach(add)
            case never: break
            default: flat.append(item)
            }
        }
        items.forEach(add)
        if flat.contains(always) { return always }
        var groups: [Group] = []
        var positions: [Group.Key: Int] = [:]
        for item in flat {
            let (key, group) = Group.of(item)
            if let key, let at = positions[key] {
                groups[at].merge(group)
            } else {
                if let key { positions[key] = groups.count }
                groups.append(group)
            }
        }
        let alternatives = groups.compactMap { $0.node }
        switch alternatives.count {
        case 0: return never
        case 1: return alternatives[0]
        default: return .or(alternatives)
        }
    }

    /// The alternatives of an OR that become one node.
    private enum Group {
        enum Key: Hashable {
            case exact(String), ignoringCase(String), uuid
            case related(table: String, column: String, outerColumn: String)
        }

        case exact(String, Ordered<SQLValue>)
        case ignoringCase(String, Ordered<String>)
        case uuid(Ordered<String>)
        case related(table: String, column: String, outerColumn: String, alternatives: [QueryNode])
        case single(QueryNode)

        static func of(_ item: QueryNode) -> (Key?, Group) {
            switch item {
            case .leaf(.compare(let column, .equal, let value)) where value != .null:
                return (.exact(column), .exact(column, Ordered([value])))
            case .list(let column, let values):
                return (.exact(column), .exact(column, Ordered(values.filter { $0 != .null })))
            case .leaf(.equalsIgnoringCase(let column, let value)):
                return (.ignoringCase(column), .ignoringCase(column, Ordered([value])))
            case .listIgnoringCase(let column, let values):
                return (.ignoringCase(column), .ignoringCase(column, Ordered(values)))
            case .leaf(.uuidEquals(let value)): return (.uuid, .uuid(Ordered([value])))
            case .uuidList(let values): return (.uuid, .uuid(Ordered(values)))
            case .related(let table, let column, let outerColumn, let conditions):
                return (
                    .related(table: table, column: column, outerColumn: outerColumn),
                    .related(
                        table: table, column: column, outerColumn: outerColumn,
                        alternatives: [conjunction(conditions)])
                )
            default: return (nil, .single(item))
            }
        }

        mutating func merge(_ other: Group) {
            switch (self, other) {
            case (.exact(let column, var values), .exact(_, let more)):
                values.append(contentsOf: more.items)
                self = .exact(column, values)
            case (.ignoringCase(let column, var values), .ignoringCase(_, let more)):
                values.append(contentsOf: more.items)
                self = .ignoringCase(column, values)
            case (.uuid(var values), .uuid(let more)):
                values.append(contentsOf: more.items)
                self = .uuid(values)
            case (.related(let table, let column, let outerColumn, let alternatives), .related(_, _, _, let more)):
                self = .related(
                    table: table, column: column, outerColumn: outerColumn, alternatives: alternatives + more)
            default: break
            }
        }

        var node: QueryNode? {
            switch self {
            case .exact(let column, let values):
                if values.items.isEmpty { return nil }
                return values.items.count == 1
                    ? .leaf(.compare(column, .equal, values.items[0])) : .list(column, values.items)
            case .ignoringCase(let column, let values):
                return values.items.count == 1
                    ? .leaf(.equalsIgnoringCase(column, values.items[0])) : .listIgnoringCase(column, values.items)
            case .uuid(let values):
                return values.items.count == 1 ? .leaf(.uuidEquals(values.items[0])) : .uuidList(values.items)
            case .related(let table, let column, let outerColumn, let alternatives):
                let condition = alternatives.count == 1 ? alternatives[0] : disjunction(alternatives)
                if condition == never { return nil }
                return .related(table: table, column: column, outerColumn: outerColumn, where: conjuncts([condition]))
            case .single(let node):
                return node
            }
        }
    }

    /// How many comparisons the node makes: one per single comparison, one per value of a list.
    var comparisons: Int {
        switch self {
        case .leaf: return 1
        case .list(_, let values): return values.count
        case .listIgnoringCase(_, let values): return values.count
        case .uuidList(let values): return values.count
        case .and(let items), .or(let items): return items.reduce(0) { $0 + $1.comparisons }
        case .not(let inner): return inner.comparisons
        case .related(_, _, _, let conditions): return conditions.reduce(1) { $0 + $1.comparisons }
        }
    }

    /// The longest list of the node.
    var longestList: Int {
        switch self {
        case .leaf: return 1
        case .list(_, let values): return values.count
        case .listIgnoringCase(_, let values): return values.count
        case .uuidList(let values): return values.count
        case .and(let items), .or(let items): return items.map(\.longestList).max() ?? 0
        case .not(let inner): return inner.longestList
        case .related(_, _, _, let conditions): return conditions.map(\.longestList).max() ?? 0
        }
    }
}

/// Distinct values in their first order.
struct Ordered<Element: Hashable>: Hashable {
    private(set) var items: [Element] = []
    private var seen: Set<Element> = []

    init(_ values: [Element]) { append(contentsOf: values) }

    mutating func append(contentsOf values: [Element]) {
        for value in values where seen.insert(value).inserted { items.append(value) }
    }
}

/// What a compiler has let through so far: the conditions and comparisons of one search, checked against
/// ``QueryLimits``.
struct QueryBudget {
    private var conditions = 0
    private var comparisons = 0

    /// The node of one condition of the search, or ``QueryLimitExceeded``.
    mutating func admit(_ predicate: RowPredicate) throws -> QueryNode {
        let node = QueryNode(predicate)
        conditions += 1
        guard conditions <= QueryLimits.parameters else {
            throw QueryLimitExceeded("a search takes at most \(QueryLimits.parameters) parameters")
        }
        let longest = node.longestList
        guard longest <= QueryLimits.valuesPerParameter else {
            throw QueryLimitExceeded(
                "a search parameter takes at most \(QueryLimits.valuesPerParameter) values (\(longest) given)")
        }
        comparisons += node.comparisons
        guard comparisons <= QueryLimits.comparisons else {
            throw QueryLimitExceeded("a search compares at most \(QueryLimits.comparisons) values in all")
        }
        return node
    }

    /// `parts` joined by `separator` (` AND `, ` OR `) as a tree at most `width` parts wide at each level, so that
    /// the depth of the expression grows with the logarithm of the count (SQLite refuses an expression deeper than
    /// 1,000, and parses `a OR b OR c ...` as a chain as deep as it is long).
    static func balanced(_ parts: [String], _ separator: String, width: Int = 8) -> String {
        var level = parts
        while level.count > width {
            level = stride(from: 0, to: level.count, by: width).map { start in
                "(" + level[start..<min(start + width, level.count)].joined(separator: separator) + ")"
            }
        }
        return "(" + level.joined(separator: separator) + ")"
    }
}
