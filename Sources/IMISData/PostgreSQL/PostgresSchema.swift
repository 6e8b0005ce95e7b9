import Foundation
import GRDB

/// The PostgreSQL schema, derived from the SQLite one (one list of tables and columns, in `RegistrySchema`,
/// `InsuranceSchema` and `AccountSchema`) by openIMIS's PostgreSQL conventions (openimis/database_postgresql):
/// quoted CamelCase names, integer keys from identity sequences, `varchar(36)` UUIDs, `timestamp` validity
/// columns, `date` dates, `numeric(18,2)` money and quantities, `boolean` bits. The project's own `imisfhir_*`
/// tables keep integer Unix seconds (`bigint`).
enum PostgresSchema {
    struct Column {
        let name: String
        let sqliteType: String
        let notNull: Bool
        let defaultValue: String?
        let primaryKey: Int
    }

    struct Table {
        let name: String
        let columns: [Column]
        /// Column lists of UNIQUE constraints.
        let unique: [[String]]
        /// The rows SQLite's migrations seed (reference tables), in column order.
        let seed: [[DatabaseValue]]
    }

    static let timestamps: Set<String> = [
        "ValidityFrom", "ValidityTo", "DateCreated", "DateUpdated", "DateValidFrom", "DateValidTo", "CreatedDate",
        "LastLogin", "last_login",
    ]
    static let dates: Set<String> = [
        "DOB", "PhotoDate", "DateFrom", "DateTo", "EnrollDate", "StartDate", "EffectiveDate", "ExpiryDate", "PayDate",
        "DateClaimed", "DateProcessed", "EnrollmentDate", "VEODOB", "WorksTo", "ContractStartDate", "ContractEndDate",
        "DateInvoice", "DateDue", "DatePayed", "DatePayment", "ReconcilationDate",
    ]
    static let money: Set<String> = [
        "Amount", "AmountDiscount", "AmountNet", "AmountReceived", "AmountTotal", "Approved", "Claimed", "Valuated",
        "PolicyValue", "PremiumAdult", "PremiumChild", "LumpSum", "RegistrationFee", "RegistrationLumpSum",
        "GeneralAssemblyFee", "GeneralAssemblyLumpSum", "PriceAdjusted", "PriceApproved", "PriceAsked", "PriceValuated",
        "PriceOverule", "ItemPrice", "ServPrice", "UnitPrice", "MaxAmountAntenatal", "MaxAmountConsultation",
        "MaxAmountDelivery", "MaxAmountHospitalization", "MaxAmountSurgery", "QtyApproved", "QtyProvided", "Quantity",
        "Deduction", "Discount", "Fees", "LimitAdult", "LimitChild", "LimitationValue",
    ]
    static let flags: Set<String> = [
        "IsHead", "Poverty", "CardIssued", "Vulnerability", "isOffline", "OffLine", "isPhotoFee", "isDeleted", "IsBlocked",
        "IsAssociated", "HasLogin", "is_superuser",
    ]

    /// The tables of a freshly migrated SQLite database, with the rows its migrations seed.
    static func tables() throws -> [Table] {
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        return try sqlite.read { db in
            let names = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                ORDER BY name
                """)
            return try names.map { name in
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))").map { row in
                    Column(name: row["name"], sqliteType: (row["type"] as String).uppercased(), notNull: row["notnull"],
                           defaultValue: row["dflt_value"], primaryKey: row["pk"])
                }
                var unique: [[String]] = []
                for index in try Row.fetchAll(db, sql: "PRAGMA index_list(\(name))") where (index["origin"] as String) == "u" {
                    let indexName: String = index["name"]
                    unique.append(try Row.fetchAll(db, sql: "PRAGMA index_info(\"\(indexName)\")").map { $0["name"] })
                }
                let list = columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
                let seed = try Row.fetchAll(db, sql: "SELECT \(list) FROM \(name)").map { row in
                    (0..<row.count).map { row[$0] as DatabaseValue }
                }
                return Table(name: name, columns: columns, unique: unique, seed: seed)
            }
        }
    }

    /// Whether `table` is one of the project's own tables (not openIMIS's): the `imisfhir_*` tables and the
    /// PaymentNotice identifiers.
    static func isOwn(_ table: String) -> Bool {
        table.hasPrefix("imisfhir_") || table == "fhir_payment_notice_identifier"
    }

    static func isUUID(_ table: String, _ column: String) -> Bool {
        column.hasSuffix("UUID") || column == "UUID" || (table == "core_User" && column == "id")
    }

    /// The PostgreSQL type of a column.
    static func type(_ table: String, _ column: Column) -> String {
        let own = table.hasPrefix("imisfhir_")
        if column.sqliteType.hasPrefix("INT") {
            if own { return "bigint" }
            return flags.contains(column.name) ? "boolean" : "integer"
        }
        if own { return "text" }
        if isUUID(table, column.name) { return "character varying(36)" }
        if timestamps.contains(column.name) { return "timestamp without time zone" }
        if dates.contains(column.name) { return "date" }
        if money.contains(column.name) { return "numeric(18,2)" }
        if column.sqliteType.hasPrefix("REAL") { return "double precision" }
        return "character varying"
    }

    /// A default SQLite declares, in PostgreSQL terms; `nil` when it has none there.
    static func defaultValue(_ column: Column, type: String) -> String? {
        guard let value = column.defaultValue else { return nil }
        if value.contains("strftime") || value.contains("CURRENT_TIMESTAMP") { return "CURRENT_TIMESTAMP" }
        if type == "boolean" { return value == "0" ? "false" : value == "1" ? "true" : nil }
        if Int64(value) != nil || Double(value) != nil { return value }
        if value.hasPrefix("'"), value.hasSuffix("'"), !value.dropFirst().dropLast().contains("'") { return value }
        return nil
    }

    /// `CREATE TABLE IF NOT EXISTS`: an existing table is never touched.
    static func create(_ table: Table) -> String {
        let keys = table.columns.filter { $0.primaryKey > 0 }.sorted { $0.primaryKey < $1.primaryKey }
        var lines: [String] = []
        for column in table.columns {
            let pgType = type(table.name, column)
            var line = "\(PGSQL.quote(column.name)) \(pgType)"
            if keys.count == 1, keys[0].name == column.name, column.sqliteType.hasPrefix("INT"), !table.name.hasPrefix("imisfhir_") {
                line = "\(PGSQL.quote(column.name)) integer GENERATED BY DEFAULT AS IDENTITY"
            } else if let value = defaultValue(column, type: pgType) {
                line += " DEFAULT \(value)"
            }
            if column.notNull || column.primaryKey > 0 { line += " NOT NULL" }
            lines.append(line)
        }
        if !keys.isEmpty { lines.append("PRIMARY KEY (\(keys.map { PGSQL.quote($0.name) }.joined(separator: ", ")))") }
        for columns in table.unique { lines.append("UNIQUE (\(columns.map(PGSQL.quote).joined(separator: ", ")))") }
        return "CREATE TABLE IF NOT EXISTS \(PGSQL.quote(table.name)) (\n  \(lines.joined(separator: ",\n  "))\n)"
    }

    /// The project's indexes, on openIMIS's tables too (a stock openIMIS database has none on `CHFID`, and none on
    /// the case-folded UUIDs): UUID lookups ignoring case, codes and keyset order among current rows, history rows
    /// by their current row. Only for tables and columns the database has.
    /// `foldedNames`: the indexes of the folded insuree names alone, which the name search indexes of "v14 name
    /// search indexes" (``PostgresNameSearch``) replace where they are created.
    static func indexes(_ catalog: PostgresCatalog, foldedNames: Bool = true) -> [String] {
        var result: [String] = []
        for sql in MappedTables.all.map(\.sql) {
            guard let table = catalog.tableName(sql.table) else { continue }
            let prefix = "imisfhir_\(table.lowercased())"
            let quoted = PGSQL.quote(table)
            let validityTo = catalog.column(table, "ValidityTo")
            let current = validityTo.map { " WHERE \($0.quoted) IS NULL" } ?? ""
            if let uuid = catalog.column(table, sql.uuidColumn) {
                // The expression of `PGColumn.lowered`, which every UUID comparison uses.
                let text = uuid.kind == .text ? uuid.quoted : "(\(uuid.quoted)::text)"
                result.append("CREATE INDEX IF NOT EXISTS \(prefix)_uuid_ci ON \(quoted) (lower(\(text)))")
            }
            if let code = sql.codeColumn.flatMap({ catalog.column(table, $0) }) {
                result.append("CREATE INDEX IF NOT EXISTS \(prefix)_code ON \(quoted) (\(code.quoted))\(current)")
            }
            if sql.versioned, let legacy = catalog.column(table, sql.legacyColumn) {
                result.append("CREATE INDEX IF NOT EXISTS \(prefix)_legacy ON \(quoted) (\(legacy.quoted)) WHERE \(legacy.quoted) IS NOT NULL")
            }
            if let from = catalog.column(table, "ValidityFrom"), from.kind == .timestamp, let id = catalog.column(table, sql.idColumn) {
                result.append("""
                    CREATE INDEX IF NOT EXISTS \(prefix)_lastupdated ON \(quoted) (date_trunc('milliseconds', \(from.quoted)), \(id.quoted))\(current)
                    """)
            }
        }
        let foreign: [(String, String)] = [("tblInsuree", "FamilyID"), ("tblUsers", "LoginName"), ("tblUserRole", "UserID"),
                                           ("tblRoleRight", "RoleID"), ("tblUsersDistricts", "UserID"), ("tblPhotos", "InsureeID")]
        for (table, name) in foreign {
            guard let found = catalog.tableName(table), let column = catalog.column(found, name) else { continue }
            let current = catalog.column(found, "ValidityTo").map { " WHERE \($0.quoted) IS NULL" } ?? ""
            result.append("""
                CREATE INDEX IF NOT EXISTS imisfhir_\(found.lowercased())_\(name.lowercased()) ON \(PGSQL.quote(found)) (\(column.quoted))\(current)
                """)
        }
        // Name searches compare the folded name's prefix (`PostgresQueryCompiler.fold`, immutable functions only):
        // an index on that very expression, in byte order for LIKE, serves them.
        if foldedNames, let insuree = catalog.tableName("tblInsuree") {
            let current = catalog.column(insuree, "ValidityTo").map { " WHERE \($0.quoted) IS NULL" } ?? ""
            for name in ["LastName", "OtherNames"] {
                guard let column = catalog.column(insuree, name), column.kind == .text else { continue }
                result.append("""
                    CREATE INDEX IF NOT EXISTS imisfhir_\(insuree.lowercased())_\(name.lowercased())_folded ON \(PGSQL.quote(insuree)) \
                    ((\(PostgresQueryCompiler.fold(column.quoted))) text_pattern_ops)\(current)
                    """)
            }
        }
        if catalog.has("imisfhir_otp_challenge") {
            for column in ["destination_hash", "subject_hash", "client_ip_hash"] {
                result.append("""
                    CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_\(column) ON imisfhir_otp_challenge (\(column), created_at)
                    """)
            }
            result.append("CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_created ON imisfhir_otp_challenge (created_at)")
        }
        if catalog.has("imisfhir_push_token") {
            result.append("CREATE INDEX IF NOT EXISTS imisfhir_push_token_user ON imisfhir_push_token (user_id)")
        }
        if catalog.has("imisfhir_client_assertion") {
            result.append("CREATE INDEX IF NOT EXISTS imisfhir_client_assertion_expiry ON imisfhir_client_assertion (expires_at)")
        }
        if catalog.has("imisfhir_refresh_token") {
            result.append("CREATE INDEX IF NOT EXISTS imisfhir_refresh_token_family ON imisfhir_refresh_token (family_id)")
        }
        return result
    }
}
