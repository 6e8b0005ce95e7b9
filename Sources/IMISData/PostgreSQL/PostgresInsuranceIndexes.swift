/// Migration "v15 insurance lookup indexes": the keys by which a policy, claim or contract is rendered, indexed on
/// PostgreSQL as the SQLite schema indexes them (`InsuranceIndexes`). A stock openIMIS database has none of them:
/// without them every rendered Coverage, Contract or Claim scans the policies, memberships, contributions or claim
/// lines of the whole database (an export of a million insurees read 45 claims a second). Created when missing,
/// on the tables and columns the database has; nothing else is touched.
///
/// With them, "v16 payment lookup indexes": the keys a payment is recorded by (the notice identifier, the invoice's
/// lines, the payments and paid amount of an invoice), compared case-insensitively as every UUID is, so indexed on
/// the very expression (`lower(column)`). Without them each PaymentNotice scanned every payment detail and notice
/// identifier of the database twice, folding each value's case.
enum PostgresInsuranceIndexes {
    /// The migration's name, after "v14 name search indexes".
    static let migrationName = "v15 insurance lookup indexes"

    /// (table, columns): a policy's family and product, a membership's policy and insuree, a contribution's
    /// policy, a claim's insuree and facility, a claim line's claim, a family's head.
    static let keys: [(String, [String])] = [
        ("tblPolicy", ["FamilyID"]), ("tblPolicy", ["ProdID"]),
        ("tblInsureePolicy", ["PolicyId"]), ("tblInsureePolicy", ["InsureeId"]),
        ("tblPremium", ["PolicyID"]),
        ("tblClaim", ["InsureeID"]), ("tblClaim", ["HFID"]),
        ("tblClaimItems", ["ClaimID"]), ("tblClaimServices", ["ClaimID"]),
        ("tblFamilies", ["InsureeID"]),
    ]

    /// The second migration's name.
    static let paymentMigrationName = "v16 payment lookup indexes"

    /// (table, column) compared as `lower(column) = lower($1)`: a payment's details by payment and by invoice, an
    /// invoice's lines by invoice and by what they bill, a notice identifier by payment.
    static let foldedKeys: [(String, String)] = [
        ("tblDetailPaymentInvoice", "PaymentId"), ("tblDetailPaymentInvoice", "SubjectId"),
        ("tblInvoiceLineItem", "InvoiceId"), ("tblInvoiceLineItem", "LineId"),
        ("fhir_payment_notice_identifier", "PaymentUUID"),
    ]

    /// `CREATE INDEX IF NOT EXISTS` statements for the keys whose table and columns `catalog` has (whole-table
    /// indexes: a lookup by key finds current and history rows alike).
    static func statements(_ catalog: PostgresCatalog) -> [String] {
        keyStatements(catalog) + paymentStatements(catalog)
    }

    /// The indexes of ``paymentMigrationName``.
    static func paymentStatements(_ catalog: PostgresCatalog) -> [String] {
        var result: [String] = foldedKeys.compactMap { table, name in
            guard let found = catalog.tableName(table), let column = catalog.column(found, name) else { return nil }
            let expression = column.kind == .text ? "lower(\(column.quoted))" : "lower((\(column.quoted))::text)"
            return """
                CREATE INDEX IF NOT EXISTS imisfhir_\(found.lowercased())_\(name.lowercased())_ci ON \(PGSQL.quote(found)) \
                (\(expression))
                """
        }
        if let found = catalog.tableName("fhir_payment_notice_identifier"), let system = catalog.column(found, "System"),
           let value = catalog.column(found, "Value") {
            result.append("""
                CREATE INDEX IF NOT EXISTS imisfhir_\(found.lowercased())_system_value ON \(PGSQL.quote(found)) \
                (\(system.quoted), \(value.quoted))
                """)
        }
        return result
    }

    /// The indexes of ``migrationName``.
    private static func keyStatements(_ catalog: PostgresCatalog) -> [String] {
        keys.compactMap { table, names in
            guard let found = catalog.tableName(table) else { return nil }
            let columns = names.compactMap { catalog.column(found, $0) }
            guard columns.count == names.count else { return nil }
            let suffix = names.map { $0.lowercased() }.joined(separator: "_")
            return """
                CREATE INDEX IF NOT EXISTS imisfhir_\(found.lowercased())_\(suffix)_key ON \(PGSQL.quote(found)) \
                (\(columns.map(\.quoted).joined(separator: ", ")))
                """
        }
    }
}
