import Foundation
import NIOConcurrencyHelpers
import PostgresNIO

/// Named prepared statements for the reads (the read and search hot paths, and the reads of a write).
///
/// PostgreSQL parses and plans an unnamed statement at every execution; for the short keyed reads this server
/// makes, that costs about four times the execution itself (pgbench on the development machine: 12,600 lookups/s
/// unnamed, 52,600 prepared). A named statement is parsed once per connection and, once PostgreSQL finds its
/// generic plan as good as the custom ones, planned once too. postgres-nio prepares a statement on a connection
/// the first time it is executed there (`PostgresPreparedStatement`), under the statement's name.
///
/// The SQL of this server is built at run time, while postgres-nio takes a statement's name and SQL from its
/// type: ``DynamicPreparedStatement`` reads both from a task-local value set around the call, which postgres-nio
/// reads before the call's first suspension.
///
/// Only reads are prepared. postgres-nio remembers a failed preparation for the life of the connection, and inside
/// a transaction a preparation fails while the transaction is aborted by an earlier error: in a unit of work, reads
/// are prepared only until one of its statements fails (``PostgresUnit/mayPrepare``). The statements are few (one per query shape and bind types); past ``limit`` distinct ones, further
/// shapes run unnamed, so that neither side's memory grows without bound.
enum PreparedStatements {
    /// The most distinct statements prepared (per connection, on the server).
    static let limit = 256

    /// Statement names by shape; nil for shapes that are not prepared (writes).
    private static let names = NIOLockedValueBox<(names: [String: String?], prepared: Int)>(([:], 0))

    /// The name of `statement`'s shape (its SQL and the kinds of its binds, whose types the preparation fixes), or
    /// nil when it is not to be prepared.
    static func name(for statement: PGStatement) -> String? {
        guard statement.sql.utf8.count < 8_192 else { return nil }
        var key = statement.sql
        key.reserveCapacity(key.utf8.count + statement.binds.count + 1)
        key.append("\u{0}")
        for bind in statement.binds {
            switch bind {
            case .text: key.append("t")
            case .integer: key.append("i")
            case .null: key.append("n")
            case .textArray: key.append("a")
            }
        }
        return names.withLockedValue { state in
            if let known = state.names[key] { return known }
            guard state.names.count < 4 * limit else { return nil }
            guard isRead(statement.sql), state.prepared < limit else {
                state.names[key] = .some(nil)
                return nil
            }
            state.prepared += 1
            let name = "imisfhir_\(state.prepared)"
            state.names[key] = name
            return name
        }
    }

    /// Whether the statement only reads: `SELECT`, or `WITH` ... `SELECT` without a data-modifying part.
    static func isRead(_ sql: String) -> Bool {
        let words = sql.uppercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        guard let first = words.first, first == "SELECT" || first == "WITH" else { return false }
        return !words.contains { ["INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "LOCK"].contains($0) }
    }
}

/// A prepared statement whose name and SQL come from the task (see ``PreparedStatements``).
struct DynamicPreparedStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    @TaskLocal static var current = (name: "", sql: "")

    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresConnection {
    /// The rows of `statement`, prepared on this connection under `name`.
    func prepared(_ statement: PGStatement, name: String, logger: Logger) async throws -> [PostgresRow] {
        try await DynamicPreparedStatement.$current.withValue((name, statement.sql)) {
            var rows: [PostgresRow] = []
            for try await row in try await execute(DynamicPreparedStatement(bindings: statement.bindings), logger: logger) {
                rows.append(row)
            }
            return rows
        }
    }
}
