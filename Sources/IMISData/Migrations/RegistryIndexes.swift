/// A secondary index of the registry schema.
struct IndexDefinition: Sendable {
    let name: String
    let table: String
    /// Everything after `ON`: `tblX(Col) WHERE ...`.
    let definition: String
    let unique: Bool

    var createSQL: String {
        "CREATE \(unique ? "UNIQUE " : "")INDEX IF NOT EXISTS \(name) ON \(definition)"
    }
    var dropSQL: String { "DROP INDEX IF EXISTS \(name)" }
}

/// The secondary indexes that lookups and searches need.
///
/// Partial indexes over current rows (`WHERE ValidityTo IS NULL`) serve every current-row query, which always
/// repeats that term so the planner can use them. UUID indexes cover all rows (history rows have their own UUIDs)
/// and inherit the column's NOCASE collation. `ValidityFrom` indexes end with the primary key, the tiebreaker
/// of `_lastUpdated` order.
enum RegistryIndexes {
    static func versioned(_ table: String, id: String, uuid: String, legacy: String = "LegacyID",
                          code: String? = nil, codeUnique: Bool = true, extra: [(String, String)] = [],
                          childKeys: [String] = []) -> [IndexDefinition] {
        var list = [
            IndexDefinition(name: "\(table)_\(uuid)", table: table, definition: "\(table)(\(uuid))", unique: true),
            IndexDefinition(name: "\(table)_\(legacy)", table: table,
                            definition: "\(table)(\(legacy)) WHERE \(legacy) IS NOT NULL", unique: false),
            IndexDefinition(name: "\(table)_ValidityFrom_current", table: table,
                            definition: "\(table)(ValidityFrom, \(id)) WHERE ValidityTo IS NULL", unique: false),
        ]
        if let code {
            list.append(IndexDefinition(name: "\(table)_\(code)_current", table: table,
                                        definition: "\(table)(\(code)) WHERE ValidityTo IS NULL", unique: codeUnique))
        }
        for (suffix, columns) in extra {
            list.append(IndexDefinition(name: "\(table)_\(suffix)", table: table,
                                        definition: "\(table)(\(columns)) WHERE ValidityTo IS NULL", unique: false))
        }
        // Foreign-key child columns get full indexes: SQLite looks children up by them when a parent row is
        // written while deferred violations are pending.
        for column in childKeys {
            list.append(IndexDefinition(name: "\(table)_\(column)", table: table,
                                        definition: "\(table)(\(column))", unique: false))
        }
        return list
    }

    /// `tblInsuree`: the CHFID index is the hottest of the system; names are searched through `imis_fold`, each
    /// name's rows in `_lastUpdated` order (a page of a name search reads `_count` rows per folded name), and both
    /// names together (counting the rows that match on either; see `FoldedPrefixSearch`).
    static let insuree = versioned(
        "tblInsuree", id: "InsureeID", uuid: "InsureeUUID", code: "CHFID",
        extra: [("LastNameFold_order", "\(NameFolding.sqlFunctionName)(LastName), ValidityFrom, InsureeID"),
                ("OtherNamesFold_order", "\(NameFolding.sqlFunctionName)(OtherNames), ValidityFrom, InsureeID"),
                ("NamesFold_current",
                 "\(NameFolding.sqlFunctionName)(LastName), \(NameFolding.sqlFunctionName)(OtherNames)"),
                ("DOB_current", "DOB")],
        childKeys: ["FamilyID"])
    static let lastNameOrder = "tblInsuree_LastNameFold_order"
    static let otherNamesOrder = "tblInsuree_OtherNamesFold_order"
    static let namesPair = "tblInsuree_NamesFold_current"
    /// Indexes of earlier versions that newer ones replace (the folded names alone).
    static let replaced = ["tblInsuree_LastNameFold_current", "tblInsuree_OtherNamesFold_current"]

    static let family = versioned(
        "tblFamilies", id: "FamilyID", uuid: "FamilyUUID",
        extra: [("LocationId_current", "LocationId")], childKeys: ["InsureeID"])

    static let photo = [
        IndexDefinition(name: "tblPhotos_PhotoUUID", table: "tblPhotos", definition: "tblPhotos(PhotoUUID)", unique: true),
        IndexDefinition(name: "tblPhotos_InsureeID", table: "tblPhotos", definition: "tblPhotos(InsureeID)", unique: false),
    ]

    static let others: [IndexDefinition] =
        versioned("tblLocations", id: "LocationId", uuid: "LocationUUID", legacy: "LegacyId", code: "LocationCode",
                  extra: [("ParentLocationId_current", "ParentLocationId")])
        + versioned("tblHF", id: "HfID", uuid: "HfUUID", code: "HFCode", extra: [("LocationId_current", "LocationId")])
        + versioned("tblOfficer", id: "OfficerID", uuid: "OfficerUUID", code: "Code",
                    extra: [("LocationId_current", "LocationId")])
        + versioned("tblClaimAdmin", id: "ClaimAdminId", uuid: "ClaimAdminUUID", legacy: "LegacyId",
                    code: "ClaimAdminCode", extra: [("HFId_current", "HFId")])
        + versioned("tblProduct", id: "ProdID", uuid: "ProdUUID", code: "ProductCode", codeUnique: false)
        + versioned("tblItems", id: "ItemID", uuid: "ItemUUID", code: "ItemCode")
        + versioned("tblServices", id: "ServiceID", uuid: "ServiceUUID", code: "ServiceCode")
        + [
            IndexDefinition(name: "tblPolicyHolder_PolicyHolderCode_live", table: "tblPolicyHolder",
                            definition: "tblPolicyHolder(PolicyHolderCode) WHERE isDeleted = 0", unique: true),
            IndexDefinition(name: "tblPolicyHolder_DateUpdated_live", table: "tblPolicyHolder",
                            definition: "tblPolicyHolder(DateUpdated, UUID) WHERE isDeleted = 0", unique: false),
        ]

    /// Every index, in creation order.
    static var all: [IndexDefinition] { insuree + family + photo + others }

    /// The indexes a bulk load of families drops first and rebuilds after (faster than maintaining them).
    static var bulkLoad: [IndexDefinition] { insuree + family }
}
