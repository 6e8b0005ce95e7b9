/// The secondary indexes of the insurance and payment tables (same conventions as `RegistryIndexes`).
enum InsuranceIndexes {
    static func live(_ table: String, _ suffix: String, _ columns: String, unique: Bool = false) -> IndexDefinition {
        IndexDefinition(name: "\(table)_\(suffix)_live", table: table,
                        definition: "\(table)(\(columns)) WHERE isDeleted = 0", unique: unique)
    }

    static func current(_ table: String, _ suffix: String, _ columns: String, unique: Bool = false) -> IndexDefinition {
        IndexDefinition(name: "\(table)_\(suffix)_current", table: table,
                        definition: "\(table)(\(columns)) WHERE ValidityTo IS NULL", unique: unique)
    }

    static func plain(_ table: String, _ column: String) -> IndexDefinition {
        IndexDefinition(name: "\(table)_\(column)", table: table, definition: "\(table)(\(column))", unique: false)
    }

    static let all: [IndexDefinition] =
        RegistryIndexes.versioned("tblPolicy", id: "PolicyID", uuid: "PolicyUUID",
                                  extra: [("FamilyID_current", "FamilyID, ProdID"), ("ProdID_current", "ProdID")],
                                  childKeys: ["FamilyID"])
        + [current("tblInsureePolicy", "InsureeId", "InsureeId, PolicyId"),
           current("tblInsureePolicy", "PolicyId", "PolicyId"),
           plain("tblInsureePolicy", "InsureeId"), plain("tblInsureePolicy", "PolicyId")]
        + RegistryIndexes.versioned("tblPayer", id: "PayerID", uuid: "PayerUUID")
        + RegistryIndexes.versioned("tblPremium", id: "PremiumId", uuid: "PremiumUUID",
                                    extra: [("PolicyID_current", "PolicyID, PayDate")], childKeys: ["PolicyID"])
        + RegistryIndexes.versioned("tblICDCodes", id: "ICDID", uuid: "ICDUUID", code: "ICDCode")
        + RegistryIndexes.versioned("tblClaim", id: "ClaimID", uuid: "ClaimUUID", code: "ClaimCode", codeUnique: false,
                                    extra: [("HFID_ClaimCode_current", "HFID, ClaimCode"),
                                            ("InsureeID_current", "InsureeID, DateFrom"),
                                            ("ClaimAdminId_current", "ClaimAdminId"),
                                            ("DateClaimed_current", "DateClaimed")],
                                    childKeys: ["InsureeID"])
        + [IndexDefinition(name: "tblClaim_HFID_ClaimCode_unique", table: "tblClaim",
                           definition: "tblClaim(HFID, ClaimCode) WHERE ValidityTo IS NULL", unique: true)]
        + ["tblClaimItems", "tblClaimServices"].flatMap { [current($0, "ClaimID", "ClaimID"), plain($0, "ClaimID")] }
        + [current("tblProductItems", "ProdID", "ProdID, ItemID"),
           current("tblProductServices", "ProdID", "ProdID, ServiceID"),
           current("tblPLItemsDetail", "PLItemID", "PLItemID, ItemID"),
           current("tblPLServicesDetail", "PLServiceID", "PLServiceID, ServiceID"),
           IndexDefinition(name: "tblPLItems_PLItemUUID", table: "tblPLItems", definition: "tblPLItems(PLItemUUID)",
                           unique: true),
           IndexDefinition(name: "tblPLServices_PLServiceUUID", table: "tblPLServices",
                           definition: "tblPLServices(PLServiceUUID)", unique: true)]
        + [live("tblInvoice", "Code", "Code", unique: true), live("tblInvoice", "SubjectId", "SubjectId"),
           live("tblInvoice", "ThirdpartyId", "ThirdpartyId"), live("tblInvoice", "Status", "Status"),
           live("tblInvoice", "DateUpdated", "DateUpdated, UUID"),
           plain("tblInvoiceLineItem", "InvoiceId"), live("tblInvoiceLineItem", "LineId", "LineId"),
           live("tblPaymentInvoice", "DateUpdated", "DateUpdated, UUID"),
           plain("tblDetailPaymentInvoice", "PaymentId"), live("tblDetailPaymentInvoice", "SubjectId", "SubjectId"),
           IndexDefinition(name: "fhir_payment_notice_identifier_System_Value", table: "fhir_payment_notice_identifier",
                           definition: "fhir_payment_notice_identifier(System, Value)", unique: true),
           plain("fhir_payment_notice_identifier", "PaymentUUID")]
}
