/// Migration "v15 insurance lookup indexes": the keys by which a policy, claim or contract is rendered, indexed on
/// PostgreSQL as the SQLite schema indexes them (`InsuranceIndexes`). A stock openIMIS database has none of them:
/// without them every rendered Coverage, Contract or Claim scans the policies, memberships, contributions or claim
/// lines of the whole database (an export of a million insurees read 45 claims a second). Created when missing,
/// on the tables and columns the database has; nothing else is touched.
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

    /// `CREATE INDEX IF NOT EXISTS` statements for the keys whose table and columns `catalog` has (whole-table
    /// indexes: a lookup by key finds current and history rows alike).
    static func statements(_ catalog: PostgresCatalog) -> [String] {
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
