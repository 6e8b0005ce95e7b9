import Foundation
import NIOConcurrencyHelpers
import PostgresNIO

/// The columns an insert must fill, as the database declares them: `NOT NULL` columns, and whether each has a
/// default of its own. Read from `information_schema` beside ``PostgresCatalog`` (which knows names and types only).
struct PostgresRequiredColumns: Sendable {
    /// Table → column name (as the database spells it) → whether the column has a default.
    let tables: [String: [String: Bool]]

    static func load(_ database: IMISPostgres) async throws -> PostgresRequiredColumns {
        let rows = try await database.rows(PGStatement("""
            SELECT c.table_name::text, c.column_name::text, c.column_default IS NOT NULL OR c.is_identity = 'YES'
            FROM information_schema.columns c
            WHERE c.table_schema = current_schema() AND c.is_nullable = 'NO' AND c.is_generated = 'NEVER'
            """))
        var tables: [String: [String: Bool]] = [:]
        for row in rows {
            let (table, column, hasDefault) = try row.decode((String, String, Bool).self)
            tables[table, default: [:]][column] = hasDefault
        }
        return PostgresRequiredColumns(tables: tables)
    }

    /// What an insert writes into `column` of `table` when the mapping gives no value: `DEFAULT` when the column
    /// has a default, else the neutral value of ``RequiredColumnValues``; nil when the column may be NULL.
    func fill(_ table: String, _ column: PGColumn, catalog: PostgresCatalog) -> String? {
        guard let hasDefault = tables[table]?[column.name] else { return nil }
        return hasDefault ? "DEFAULT" : RequiredColumnValues.expression(for: column, catalog: catalog)
    }

    /// The required columns of `table` without a default, each with the neutral value an insert writes when the
    /// mapping does not list it.
    func unlisted(_ table: String, catalog: PostgresCatalog) -> [(target: String, expression: String)] {
        (tables[table] ?? [:]).filter { !$0.value }.keys.sorted().compactMap { name in
            guard let column = catalog.column(table, name),
                  let expression = RequiredColumnValues.expression(for: column, catalog: catalog) else { return nil }
            return (column.quoted, expression)
        }
    }
}

/// The values the project writes into openIMIS's `NOT NULL` columns that have no default (most added by openIMIS's
/// Django migrations) when a mapping has nothing for them, in one place: by column name first, else a neutral value
/// of the column's type. A column of a type not listed stays unfilled, and the database refuses the row.
enum RequiredColumnValues {
    /// A value by the column's lower-cased name.
    enum Named {
        case emptyJSON, one, no, yes, now, actingUserUUID, actingUserID
    }

    static let byName: [String: Named] = [
        "json_ext": .emptyJSON, "jsonext": .emptyJSON,
        "version": .one,
        "isdeleted": .no, "is_deleted": .no,
        "active": .yes, "isactive": .yes,
        "validityfrom": .now, "datecreated": .now, "dateupdated": .now, "datevalidfrom": .now,
        "date_created": .now, "date_updated": .now,
        "usercreateduuid": .actingUserUUID, "userupdateduuid": .actingUserUUID,
        "user_created_id": .actingUserUUID, "user_updated_id": .actingUserUUID,
        "audituserid": .actingUserID,
    ]

    /// The SQL expression of the value written into `column`.
    static func expression(for column: PGColumn, catalog: PostgresCatalog) -> String? {
        switch byName[column.name.lowercased()] {
        case .emptyJSON?: return column.cast("'{}'")
        case .one?: return column.cast("'1'")
        case .no?: return column.kind == .boolean ? "false" : column.cast("'0'")
        case .yes?: return column.kind == .boolean ? "true" : column.cast("'1'")
        case .now?: return column.cast("CURRENT_TIMESTAMP")
        case .actingUserID?: return "\(WriteActor.userID ?? -1)"
        case .actingUserUUID?: return actingUserUUID(catalog)
        case nil: break
        }
        switch column.kind {
        case .integer, .numeric: return column.cast("'0'")
        case .boolean: return "false"
        case .bit: return "B'0'"
        case .text: return "''"
        case .timestamp, .timestampWithZone: return "CURRENT_TIMESTAMP"
        case .date: return "CURRENT_DATE"
        case .other: return column.type == "jsonb" || column.type == "json" ? column.cast("'{}'") : nil
        }
    }

    /// openIMIS's `core_User` row of the acting user (`i_user_id`), else of its first interactive user (a system
    /// client writes as that user); nil when the database has no `core_User`.
    static func actingUserUUID(_ catalog: PostgresCatalog) -> String? {
        guard let table = catalog.tableName("core_User"), let id = catalog.column(table, "id"),
              let user = catalog.column(table, "i_user_id") else { return nil }
        let name = PGSQL.quote(table)
        let acting = WriteActor.userID.map { "(SELECT u.\(id.quoted) FROM \(name) u WHERE u.\(user.quoted) = \($0) LIMIT 1), " } ?? ""
        return "COALESCE(\(acting)(SELECT u.\(id.quoted) FROM \(name) u WHERE u.\(user.quoted) IS NOT NULL ORDER BY u.\(user.quoted) LIMIT 1))"
    }
}

extension IMISPostgres {
    /// The required columns of the schema as they are now (see ``PostgresRequiredColumns``), read once and
    /// forgotten with the catalog.
    func requiredColumns() async throws -> PostgresRequiredColumns {
        if let cached = requiredColumnsBox.withLockedValue({ $0 }) { return cached }
        let loaded = try await PostgresRequiredColumns.load(self)
        requiredColumnsBox.withLockedValue { $0 = loaded }
        return loaded
    }
}
