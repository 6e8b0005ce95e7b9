import Foundation
import NIOConcurrencyHelpers

/// One database statement a traced request ran: its kind (`SELECT`, `INSERT`, `COMMIT`, ...), the table it names
/// first, the engine, and when it ran. Nothing of its values: the SQL text and the bound parameters stay out.
public struct StatementSpan: Sendable, Equatable {
    /// The statement's kind, its first keyword upper-cased (`WITH` ... `SELECT` is `SELECT`).
    public var operation: String
    /// The table a `SELECT`, `INSERT`, `UPDATE` or `DELETE` names first; nil for the others.
    public var collection: String?
    /// `sqlite` or `postgresql` (OpenTelemetry's `db.system.name`).
    public var system: String
    public var start: Date
    public var end: Date
}

/// The statements of the running traced request, as they finish. Bound to the request's task (``current``) only when
/// its trace is sampled and spans are exported, so that an untraced request pays one task-local lookup per database
/// access. At most ``limit`` statements are kept; the others are counted.
public final class StatementSpans: Sendable {
    /// The recorder of the running request, if it is traced.
    @TaskLocal public static var current: StatementSpans?
    /// The most statements one request keeps.
    public static let limit = 256

    private let state = NIOLockedValueBox<(spans: [StatementSpan], dropped: Int)>(([], 0))

    public init() {}

    /// The statements recorded so far, and how many were past the limit.
    public var recorded: (spans: [StatementSpan], dropped: Int) { state.withLockedValue { $0 } }

    /// Records a statement of `sql` that ran on `system` for `duration` seconds, ending now and not started before
    /// `notBefore` (SQLite measures in whole milliseconds: a duration rounded up would start the span too early).
    public func record(sql: String, system: String, duration: TimeInterval, notBefore: Date? = nil) {
        let end = Date()
        let (operation, collection) = Self.describe(sql)
        var start = end.addingTimeInterval(-max(0, duration))
        if let notBefore, start < notBefore { start = min(notBefore, end) }
        let span = StatementSpan(operation: operation, collection: collection, system: system, start: start, end: end)
        state.withLockedValue { state in
            if state.spans.count < Self.limit { state.spans.append(span) } else { state.dropped += 1 }
        }
    }

    /// Runs `body`, recording it as one statement of `sql` on `system` when a request is traced.
    public static func measure<T>(sql: String, system: String, _ body: () async throws -> T) async rethrows -> T {
        guard let recorder = current else { return try await body() }
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            recorder.record(sql: sql, system: system,
                            duration: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return try await body()
    }

    /// The kind of `sql` and the table it names first: `("SELECT", "tblInsuree")`. Identifiers only, unquoted.
    public static func describe(_ sql: String) -> (operation: String, collection: String?) {
        let words = sql.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "," || $0 == ";" })
        guard let first = words.first else { return ("OTHER", nil) }
        var operation = first.uppercased()
        if operation == "WITH" {
            // The statement's own verb follows the common table expressions; a data-modifying one wins.
            let verbs = words.dropFirst().map { $0.uppercased() }
            operation = ["INSERT", "UPDATE", "DELETE"].first(where: verbs.contains) ?? "SELECT"
        }
        let after: [String: String] = ["SELECT": "FROM", "DELETE": "FROM", "INSERT": "INTO", "UPDATE": operation]
        guard let keyword = after[operation],
            let index = words.firstIndex(where: { $0.uppercased() == keyword }), index + 1 < words.count
        else { return (operation, nil) }
        let name = words[index + 1].split(separator: ".").last.map { $0.filter { $0 != "\"" && $0 != "`" } } ?? ""
        // A subquery (`FROM (SELECT ...`) names no table of its own.
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
            !["SELECT", "VALUES", "LATERAL"].contains(name.uppercased())
        else { return (operation, nil) }
        return (operation, String(name))
    }
}
