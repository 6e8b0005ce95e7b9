import Foundation

/// Migration "v13 change notifications": triggers on the openIMIS tables that tell every listening instance which
/// rows a committed transaction changed, so that caches of things rendered from those rows stay coherent whoever
/// writes (another instance of this server, openIMIS itself, a person at `psql`).
///
/// One statement-level trigger per table and operation (insert, update, delete, truncate) calls
/// `imisfhir_notify_changes(<table>, <key column>)`, which sends on the channel ``channel`` one notification per
/// statement: `t:<table>:<key>,<key>,...` with the integer keys of the rows the statement changed (old and new),
/// or `t:<table>:*` when it changed more than ``keyLimit`` rows, truncated the table, or the table has no integer
/// key. `<table>` is the mapping's name of the table (`tblInsuree`), as ``RowKey`` has it. PostgreSQL delivers
/// notifications when (and only when) the transaction commits, in commit order, once per distinct payload.
enum PostgresChangeNotifications {
    /// The migration's name, after the registry's numbered migrations.
    static let migrationName = "v13 change notifications"
    /// The channel the triggers notify and every instance listens on.
    static let channel = "imisfhir_changes"
    /// Past this many rows in one statement, the whole table counts as changed (a payload stays below 8000 bytes).
    static let keyLimit = 200
    /// The trigger function (its presence tells a listener that the triggers were installed with it).
    static let function = "imisfhir_notify_changes"

    static var functionSQL: String {
        func keys(_ from: String) -> String {
            """
            EXECUTE format('SELECT CASE WHEN count(*) > \(keyLimit) THEN ''*'' ELSE string_agg(k, '','') END \
            FROM (SELECT DISTINCT (%I)::text AS k FROM \(from) LIMIT \(keyLimit + 1)) s', TG_ARGV[1]) INTO keys;
            """
        }
        return """
            CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $imisfhir$
            DECLARE
              keys text;
            BEGIN
              IF TG_OP = 'TRUNCATE' OR TG_NARGS < 2 THEN
                PERFORM pg_notify('\(channel)', 't:' || TG_ARGV[0] || ':*');
                RETURN NULL;
              END IF;
              IF TG_OP = 'INSERT' THEN
                \(keys("imisfhir_new"))
              ELSIF TG_OP = 'DELETE' THEN
                \(keys("imisfhir_old"))
              ELSE
                \(keys("(SELECT * FROM imisfhir_old UNION ALL SELECT * FROM imisfhir_new) AS changed"))
              END IF;
              IF keys IS NOT NULL THEN
                PERFORM pg_notify('\(channel)', 't:' || TG_ARGV[0] || ':' || keys);
              END IF;
              RETURN NULL;
            END
            $imisfhir$
            """
    }

    /// The tables that get triggers: every openIMIS table the server knows that the database has (the project's
    /// own `imisfhir_*` tables hold nothing a rendering reads), by real name, with the mapping's name and the
    /// integer key column when the mapping knows one.
    static func tables(_ catalog: PostgresCatalog, known: [String]) -> [(name: String, canonical: String, key: String?)] {
        var keys: [String: String] = [:]
        for sql in MappedTables.all.map(\.sql) { keys[sql.table] = sql.idColumn }
        return known.filter { !$0.hasPrefix("imisfhir_") }.compactMap { canonical in
            guard let name = catalog.tableName(canonical) else { return nil }
            let key = keys[canonical].flatMap { catalog.column(name, $0) }.flatMap { $0.kind == .integer ? $0.name : nil }
            return (name, canonical, key)
        }
    }

    /// The statements creating the triggers of `table`, each run only when the table lacks it (a `DO` block's).
    static func triggerSQL(_ table: (name: String, canonical: String, key: String?)) -> [String] {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let arguments = ([table.canonical] + (table.key.map { [$0] } ?? [])).map(literal).joined(separator: ", ")
        let quoted = PGSQL.quote(table.name)
        let events: [(String, String, String)] = [
            ("insert", "INSERT", "REFERENCING NEW TABLE AS imisfhir_new FOR EACH STATEMENT"),
            ("update", "UPDATE", "REFERENCING OLD TABLE AS imisfhir_old NEW TABLE AS imisfhir_new FOR EACH STATEMENT"),
            ("delete", "DELETE", "REFERENCING OLD TABLE AS imisfhir_old FOR EACH STATEMENT"),
            ("truncate", "TRUNCATE", "FOR EACH STATEMENT"),
        ]
        return events.map { suffix, event, clause in
            let name = "imisfhir_changes_\(suffix)"
            return """
                IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = \(literal(quoted))::regclass AND tgname = '\(name)') THEN
                  CREATE TRIGGER \(name) AFTER \(event) ON \(quoted) \(clause) EXECUTE PROCEDURE \(function)(\(arguments));
                END IF;
                """
        }
    }
}

extension IMISPostgres {
    /// Installs ``PostgresChangeNotifications`` (inside the migration's transaction): the function, then the
    /// triggers each table lacks.
    func installChangeNotifications(catalog: PostgresCatalog, known: [String]) async throws {
        try await execute(PGStatement(PostgresChangeNotifications.functionSQL))
        let tables = PostgresChangeNotifications.tables(catalog, known: known)
        guard !tables.isEmpty else { return }
        // One round trip: a block that creates what is missing.
        let body = tables.flatMap(PostgresChangeNotifications.triggerSQL).joined(separator: "\n")
        try await execute(PGStatement("DO $imisfhir$\nBEGIN\n\(body)\nEND\n$imisfhir$"))
    }
}
