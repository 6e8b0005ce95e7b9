import Foundation

/// What a product covers: a row of `tblProductItems` (kind `.item`) or `tblProductServices` (kind `.service`),
/// with its limits. Amounts are exact decimal text.
public struct ProductCoverage: Sendable, Hashable {
    /// Which table the row lives in.
    public var kind: MedicalKind
    /// `ProdItemID` / `ProdServiceID`.
    public var id: Int64?
    /// `ProdID` → `tblProduct`.
    public var productID: Int64
    /// `ItemID` / `ServiceID`.
    public var medicalID: Int64
    /// `LimitationType`: `F` fixed amount, `C` co-insurance (percent).
    public var limitationType: String
    /// `PriceOrigin`: `P` price list, `O` overrule, `R` relative.
    public var priceOrigin: String
    /// `LimitAdult` (decimal text): the limit for adults (amount or percent, by `limitationType`).
    public var limitAdult: String?
    /// `LimitChild` (decimal text).
    public var limitChild: String?
    /// `WaitingPeriodAdult`, in months.
    public var waitingPeriodAdult: Int?
    /// `WaitingPeriodChild`, in months.
    public var waitingPeriodChild: Int?
    /// `LimitNoAdult`: how many times an adult may use it per policy period.
    public var limitNoAdult: Int?
    /// `LimitNoChild`.
    public var limitNoChild: Int?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A coverage row; `id` and validity are set by the store.
    public init(kind: MedicalKind, id: Int64? = nil, productID: Int64, medicalID: Int64, limitationType: String = "C",
                priceOrigin: String = "P", limitAdult: String? = "100.00", limitChild: String? = "100.00",
                waitingPeriodAdult: Int? = nil, waitingPeriodChild: Int? = nil, limitNoAdult: Int? = nil,
                limitNoChild: Int? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0),
                validityTo: Date? = nil, legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.kind = kind; self.id = id; self.productID = productID; self.medicalID = medicalID
        self.limitationType = limitationType; self.priceOrigin = priceOrigin; self.limitAdult = limitAdult
        self.limitChild = limitChild; self.waitingPeriodAdult = waitingPeriodAdult
        self.waitingPeriodChild = waitingPeriodChild; self.limitNoAdult = limitNoAdult
        self.limitNoChild = limitNoChild; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// A price list of a health facility: a row of `tblPLItems` (kind `.item`) or `tblPLServices` (`.service`);
/// `tblHF.PLItemID` / `PLServiceID` point to it.
public struct PriceList: Sendable, Hashable {
    /// Which table the row lives in.
    public var kind: MedicalKind
    /// `PLItemID` / `PLServiceID`.
    public var id: Int64?
    /// `PLItemUUID` / `PLServiceUUID`.
    public var uuid: String
    /// `PLItemName` / `PLServName`.
    public var name: String
    /// `DatePL`: the date the list applies from.
    public var date: LocalDate
    /// `LocationId` → `tblLocations` (region or district).
    public var locationID: Int64?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A price list; `id` and validity are set by the store.
    public init(kind: MedicalKind, id: Int64? = nil, uuid: String = RowUUID.make(), name: String, date: LocalDate,
                locationID: Int64? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.kind = kind; self.id = id; self.uuid = uuid; self.name = name; self.date = date
        self.locationID = locationID; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// One entry of a price list: a row of `tblPLItemsDetail` (kind `.item`) or `tblPLServicesDetail` (`.service`).
public struct PriceListEntry: Sendable, Hashable {
    /// Which table the row lives in.
    public var kind: MedicalKind
    /// `PLItemDetailID` / `PLServiceDetailID`.
    public var id: Int64?
    /// `PLItemID` / `PLServiceID` → the price list.
    public var priceListID: Int64
    /// `ItemID` / `ServiceID`.
    public var medicalID: Int64
    /// `PriceOverule` (decimal text, openIMIS's spelling): the facility's price; `nil` = the catalogue price.
    public var priceOverrule: String?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A price list entry; `id` and validity are set by the store.
    public init(kind: MedicalKind, id: Int64? = nil, priceListID: Int64, medicalID: Int64, priceOverrule: String? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.kind = kind; self.id = id; self.priceListID = priceListID; self.medicalID = medicalID
        self.priceOverrule = priceOverrule; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}
