import Foundation
import GRDB

/// ``AccountSQL`` on SQLite: statements on the database's reader or writer, transactions as units of work (which
/// hold the single writer, so a lock has nothing to add), the schema the project's migrations create.
public struct SQLiteAccountSQL: AccountSQL {
    /// The database.
    public let database: IMISDatabase

    /// The statements of `database`.
    public init(database: IMISDatabase) {
        self.database = database
    }

    public func read(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]] {
        try database.readStatement { db in try Self.rows(db, sql, arguments) }
    }

    public func write(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]] {
        try await database.write { db in try Self.rows(db, sql, arguments) }
    }

    /// Runs one statement; the rows it gives.
    static func rows(_ db: Database, _ sql: String, _ arguments: [DatabaseValue]) throws -> [[DatabaseValue]] {
        let statement = try db.makeStatement(sql: sql)
        let values = StatementArguments(arguments)
        if statement.columnCount == 0 {
            try statement.execute(arguments: values)
            return []
        }
        return try Row.fetchAll(statement, arguments: values).map { Array($0.databaseValues) }
    }

    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await database.unitOfWork(body)
    }

    public func lock(_ key: String) async throws {}

    public func table(_ name: String) async throws -> String? {
        try database.columnNames(name) != nil ? "\"\(name)\"" : nil
    }

    /// The column when the table has it (SQLite compares names ignoring case).
    public func column(_ table: String, _ name: String) async throws -> AccountColumn? {
        try database.columnNames(table)?.contains(name.lowercased()) == true ? AccountColumn(name: "\"\(name)\"") : nil
    }

    public func uuidText(_ expression: String) -> String { expression }

    public func insuree(id: Int64) async throws -> Versioned<Insuree>? {
        try database.read { db in try RegistrySQL.byID(db, Insuree.self, id) }
    }

    public func updateInsuree(_ insuree: Insuree, now: Date) async throws {
        _ = try await SQLiteTransactions(database: database).writing { try await $0.update(insuree, now: now, ifVersion: nil) }
    }
}
