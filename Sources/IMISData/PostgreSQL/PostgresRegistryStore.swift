import Foundation
import GRDB

/// The PostgreSQL implementation of `RegistryStore`, `InsuranceStore` and `UnitOfWorkStore`, over the same record mappings as the SQLite store (column lists and decoders), on a database
/// in openIMIS's own layout: quoted CamelCase names, `varchar(36)` UUIDs in any case, `boolean` or `bit` flags.
public struct PostgresRegistryStore: Sendable {
    /// The database.
    public let database: IMISPostgres
    /// The clock of versioned writes.
    public let clock: RegistryClock

    /// A store over `database`.
    public init(database: IMISPostgres, clock: RegistryClock = .system) {
        self.database = database
        self.clock = clock
    }

    /// Whether reads may go to replicas (`DB_REPLICA_HOSTS`).
    public var readsMayLag: Bool { database.replicas != nil }

    // MARK: Fetching

    /// The rows of `SELECT ... FROM table t <tail>`, the tail built with the table's columns and binds.
    func fetch<R: TableRecord>(
        _ type: R.Type, _ tail: (PGTable, inout PGStatement) throws -> String
    ) async throws -> [Versioned<R>] {
        try await fetch(type) { table, statement in ("", try tail(table, &statement)) }
    }

    /// The rows of `<prefix> SELECT ... FROM table t <tail>` (a prefix such as a `WITH` clause). `byKeys`: the
    /// statement follows keys (a chain of parents), so it depends on the rows found only, not on the whole table.
    func fetch<R: TableRecord>(
        _ type: R.Type, byKeys: Bool = false,
        _ clauses: (PGTable, inout PGStatement) throws -> (prefix: String, tail: String)
    ) async throws -> [Versioned<R>] {
        let table = try await database.table(R.sql)
        var statement = PGStatement()
        let (prefix, text) = try clauses(table, &statement)
        statement.sql = "\(prefix) \(table.select) \(text)"
        let rows = try await database.rows(statement)
        let found = try table.decode(R.self, rows: rows)
        if byKeys, !found.isEmpty {
            for row in found { ReadRecorder.note(R.sql.table, (row.record as? any VersionedRecord)?.id) }
        } else {
            ReadRecorder.note(R.sql.table, found.count == 1 ? (found[0].record as? any VersionedRecord)?.id : nil)
        }
        return found
    }

    func first<R: TableRecord>(
        _ type: R.Type, _ tail: (PGTable, inout PGStatement) throws -> String
    ) async throws -> Versioned<R>? {
        try await fetch(type) { table, statement in try tail(table, &statement) + " LIMIT 1" }.first
    }

    static func byUUID(_ uuid: String, includeDeleted: Bool) -> (PGTable, inout PGStatement) throws -> String {
        { table, statement in
            var condition = "\(table.uuidText("t")) = lower(\(statement.bind(.text(uuid))))"
            condition += " AND \(includeDeleted ? table.notHistory("t") : table.current)"
            return "WHERE \(condition)"
        }
    }

    func one<R: TableRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>? {
        guard let codeColumn = R.sql.codeColumn else { throw RegistryError.invalidValue("\(R.sql.table) has no code column") }
        return try await first(type) { table, statement in
            let column = try table.column(codeColumn)
            var text = "WHERE t.\(column.quoted) = \(statement.bind(.text(code))) AND \(table.current)"
            if R.sql.versioned, let from = table.columns["ValidityFrom"] {
                text += " ORDER BY t.\(from.quoted) DESC, t.\(table.id.quoted) DESC"
            }
            return text
        }
    }

    /// The current row with this key (the Patient render's reads).
    func one<R: TableRecord>(_ type: R.Type, id: Int64) async throws -> Versioned<R>? {
        try await first(type) { table, statement in
            "WHERE t.\(table.id.quoted) = \(statement.bind(.integer(id))) AND \(table.current)"
        }
    }
}
