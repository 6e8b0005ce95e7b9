import Foundation

/// A family (household): one row of `tblFamilies` (FHIR Group, reference §3.2).
public struct Family: VersionedRecord {
    /// `FamilyID`.
    public var id: Int64?
    /// `FamilyUUID`.
    public var uuid: String
    /// `InsureeID`: the head insuree → `tblInsuree`.
    public var headInsureeID: Int64
    /// `LocationId`: the village → `tblLocations`.
    public var locationID: Int64?
    /// `Poverty`.
    public var poverty: Bool?
    /// `FamilyType` → `tblFamilyTypes.FamilyTypeCode`.
    public var familyType: String?
    /// `FamilyAddress`: free-text address.
    public var familyAddress: String?
    /// `Ethnicity`.
    public var ethnicity: String?
    /// `ConfirmationNo`.
    public var confirmationNo: String?
    /// `ConfirmationType` → `tblConfirmationTypes.ConfirmationTypeCode`.
    public var confirmationType: String?
    /// `isOffline`.
    public var isOffline: Bool?
    /// `JsonExt`: JSON text of elements without a column.
    public var jsonExt: String?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A family; `headInsureeID` is filled by `createFamily` when the head is inserted with it.
    public init(
        id: Int64? = nil, uuid: String = RowUUID.make(), headInsureeID: Int64 = 0, locationID: Int64? = nil,
        poverty: Bool? = nil, familyType: String? = nil, familyAddress: String? = nil, ethnicity: String? = nil,
        confirmationNo: String? = nil, confirmationType: String? = nil, isOffline: Bool? = false,
        jsonExt: String? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
        legacyID: Int64? = nil, auditUserID: Int64 = -1
    ) {
        self.id = id; self.uuid = uuid; self.headInsureeID = headInsureeID; self.locationID = locationID
        self.poverty = poverty; self.familyType = familyType; self.familyAddress = familyAddress
        self.ethnicity = ethnicity; self.confirmationNo = confirmationNo; self.confirmationType = confirmationType
        self.isOffline = isOffline; self.jsonExt = jsonExt; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// An insuree photo: one row of `tblPhotos` (the image file lives in `PhotoFolder`/`PhotoFileName`).
public struct InsureePhoto: Sendable, Hashable {
    /// `PhotoID`.
    public var id: Int64?
    /// `PhotoUUID`.
    public var uuid: String
    /// `InsureeID` → `tblInsuree`.
    public var insureeID: Int64
    /// `CHFID` of the insuree when the photo was taken.
    public var chfid: String?
    /// `PhotoFolder`.
    public var photoFolder: String?
    /// `PhotoFileName`.
    public var photoFileName: String?
    /// `OfficerID` → `tblOfficer`.
    public var officerID: Int64?
    /// `PhotoDate`.
    public var photoDate: LocalDate?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A photo row; `id` and `validityFrom` are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), insureeID: Int64, chfid: String? = nil,
                photoFolder: String? = nil, photoFileName: String? = nil, officerID: Int64? = nil,
                photoDate: LocalDate? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0),
                validityTo: Date? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.insureeID = insureeID; self.chfid = chfid
        self.photoFolder = photoFolder; self.photoFileName = photoFileName; self.officerID = officerID
        self.photoDate = photoDate; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.auditUserID = auditUserID
    }
}
