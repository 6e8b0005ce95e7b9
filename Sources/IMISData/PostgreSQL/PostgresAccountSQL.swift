import Foundation
import GRDB

/// ``AccountSQL`` on PostgreSQL: `?` placeholders numbered `$1...`, transactions on one pinned connection, keys
/// locked with `pg_advisory_xact_lock` (so that instances sharing the database meet), columns and tables as the
/// catalog has them (an openIMIS database may spell or type them its own way, or lack some).
public struct PostgresAccountSQL: AccountSQL {
    /// The database.
    public let database: IMISPostgres
    let registry: PostgresRegistryStore

    /// The statements of `database`.
    public init(database: IMISPostgres, clock: RegistryClock = .system) {
        self.database = database
        self.registry = PostgresRegistryStore(database: database, clock: clock)
    }

    /// `sql` with its `?` placeholders numbered, and its arguments bound (integers as integers, the rest as text).
    static func statement(_ sql: String, _ arguments: [DatabaseValue]) -> PGStatement {
        var statement = PGStatement()
        var values = arguments.makeIterator()
        var text = ""
        for character in sql {
            guard character == "?" else {
                text.append(character)
                continue
            }
            let value = values.next() ?? .null
            switch value.storage {
            case .int64(let integer): text += statement.bind(.integer(integer))
            default: text += statement.bind(PGBind(value))
            }
        }
        statement.sql = text
        return statement
    }

    public func read(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]] {
        try await database.rows(Self.statement(sql, arguments)).map { try IMISPostgres.values($0) }
    }

    public func write(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]] {
        try await read(sql, arguments: arguments)
    }

    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await database.transaction(body)
    }

    public func lock(_ key: String) async throws {
        try await database.execute(Self.statement("SELECT pg_advisory_xact_lock(hashtext(?))", [key.databaseValue]))
    }

    public func table(_ name: String) async throws -> String? {
        try await database.catalog().tableName(name).map(PGSQL.quote)
    }

    public func column(_ table: String, _ name: String) async throws -> AccountColumn? {
        try await database.catalog().column(table, name).map {
            AccountColumn(name: $0.quoted, castType: $0.kind == .text ? nil : $0.type)
        }
    }

    public func uuidText(_ expression: String) -> String { "lower(\(expression)::text)" }

    public func insuree(id: Int64) async throws -> Versioned<Insuree>? {
        try await registry.record(Insuree.self, id: id)
    }

    public func updateInsuree(_ insuree: Insuree, now: Date) async throws {
        _ = try await PostgresTransaction(store: registry).update(insuree, now: now, ifVersion: nil)
    }
}
