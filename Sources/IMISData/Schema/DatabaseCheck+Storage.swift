import Foundation
import GRDB

extension DatabaseCheck {
    /// The check of the database behind `storage`, as it is now (nothing is created or changed).
    public static func run(_ storage: Storage) async throws -> [DatabaseCheckArea] {
        let own = try PostgresSchema.tables().map(\.name).filter(PostgresSchema.isOwn)
        if let store = storage.store as? PostgresRegistryStore {
            return run(try await PostgresCatalog.load(store.database), ownTables: own)
        }
        if let store = storage.store as? SQLiteRegistryStore {
            return run(try sqliteCatalog(store.database), ownTables: own)
        }
        return []
    }

    /// The tables and columns of an SQLite database, typed as ``PGColumn`` reads them (an SQLite column declared
    /// `INTEGER` reads as an integer, anything else as text).
    static func sqliteCatalog(_ database: IMISDatabase) throws -> PostgresCatalog {
        try database.read { db in
            let names = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                """)
            var tables: [String: [String: PGColumn]] = [:]
            for name in names {
                for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(PGSQL.quote(name)))") {
                    let column: String = row["name"]
                    let declared = (row["type"] as String).uppercased()
                    let type = declared.hasPrefix("INT") ? "integer" : declared.hasPrefix("REAL") ? "real" : "text"
                    tables[name, default: [:]][column] = PGColumn(name: column, type: type)
                }
            }
            return PostgresCatalog(tables: tables)
        }
    }
}

extension [DatabaseCheckArea] {
    /// Whether every area can be served.
    public var canServeAll: Bool { allSatisfy(\.canServe) }

    /// The report `imis-fhir check-database` prints: one line per area (`ok` or `cannot be served`), its findings
    /// indented below it.
    public var report: String {
        var lines: [String] = []
        for area in self {
            lines.append("\(area.name): \(area.canServe ? "ok" : "cannot be served")")
            for finding in area.findings { lines.append("  \(finding)") }
        }
        return lines.joined(separator: "\n")
    }
}
