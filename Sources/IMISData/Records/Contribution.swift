import Foundation

/// A contribution (premium) paid towards a policy: one row of `tblPremium` (reference §3.5).
///
/// `amount` is exact decimal text. The currency is the invoice's (`tblInvoice.CurrencyCode`) or the
/// deployment's: openIMIS has no currency column on contributions.
public struct Premium: VersionedRecord {
    /// `PremiumId`.
    public var id: Int64?
    /// `PremiumUUID`.
    public var uuid: String
    /// `PolicyID` → `tblPolicy`.
    public var policyID: Int64
    /// `PayerID` → `tblPayer`.
    public var payerID: Int64?
    /// `Amount` (decimal text).
    public var amount: String
    /// `Receipt`: receipt number.
    public var receipt: String
    /// `PayDate`.
    public var payDate: LocalDate
    /// `PayType`: `B` bank transfer, `C` cash, `M` mobile phone, `F` funding.
    public var payType: String
    /// `isPhotoFee`: a photo fee, not a contribution (does not count towards the policy value).
    public var isPhotoFee: Bool
    /// `isOffline`.
    public var isOffline: Bool?
    /// `ReportingId`.
    public var reportingID: Int64?
    /// `CreatedDate`.
    public var createdDate: Date?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A contribution; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), policyID: Int64 = 0, payerID: Int64? = nil,
                amount: String, receipt: String, payDate: LocalDate, payType: String = "C", isPhotoFee: Bool = false,
                isOffline: Bool? = false, reportingID: Int64? = nil, createdDate: Date? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.policyID = policyID; self.payerID = payerID; self.amount = amount
        self.receipt = receipt; self.payDate = payDate; self.payType = payType; self.isPhotoFee = isPhotoFee
        self.isOffline = isOffline; self.reportingID = reportingID; self.createdDate = createdDate
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}

/// A payer of contributions (government, donor, employer, ...): one row of `tblPayer`.
public struct Payer: VersionedRecord {
    /// `PayerID`.
    public var id: Int64?
    /// `PayerUUID`.
    public var uuid: String
    /// `PayerType`: `C` co-operative, `D` donor, `G` government, `L` local authority, `O` other, `P` private.
    public var type: String
    /// `PayerName`.
    public var name: String
    /// `PayerAddress`.
    public var address: String?
    /// `LocationId` → `tblLocations`.
    public var locationID: Int64?
    /// `Phone`.
    public var phone: String?
    /// `Fax`.
    public var fax: String?
    /// `eMail`.
    public var email: String?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A payer; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), type: String, name: String, address: String? = nil,
                locationID: Int64? = nil, phone: String? = nil, fax: String? = nil, email: String? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.type = type; self.name = name; self.address = address
        self.locationID = locationID; self.phone = phone; self.fax = fax; self.email = email
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}
