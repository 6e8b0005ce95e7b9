import Foundation

/// An administrative location: one row of `tblLocations` (FHIR Location, reference §3.10).
///
/// Hierarchy: region (`R`) → district (`D`) → municipality/ward (`W`) → village (`V`).
public struct Location: VersionedRecord {
    /// The `LocationType` codes.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `R`
        case region = "R"
        /// `D`
        case district = "D"
        /// `W`: municipality or ward.
        case ward = "W"
        /// `V`: village or city.
        case village = "V"
    }

    /// `LocationId`.
    public var id: Int64?
    /// `LocationUUID`.
    public var uuid: String
    /// `LocationCode` (up to 8 characters), unique among current rows.
    public var code: String
    /// `LocationName`.
    public var name: String
    /// `ParentLocationId` → `tblLocations`; `nil` for regions.
    public var parentID: Int64?
    /// `LocationType`: `R`, `D`, `W` or `V`.
    public var type: String
    /// `MalePopulation`.
    public var malePopulation: Int?
    /// `FemalePopulation`.
    public var femalePopulation: Int?
    /// `OtherPopulation`.
    public var otherPopulation: Int?
    /// `Families`: number of families.
    public var families: Int?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyId`.
    public var legacyID: Int64?
    /// `AuditUserId`.
    public var auditUserID: Int64

    /// `type` as an enum (`nil` for an unknown code).
    public var kind: Kind? { Kind(rawValue: type) }

    /// A location; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, name: String, parentID: Int64? = nil,
                kind: Kind, malePopulation: Int? = nil, femalePopulation: Int? = nil, otherPopulation: Int? = nil,
                families: Int? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.name = name; self.parentID = parentID
        self.type = kind.rawValue; self.malePopulation = malePopulation; self.femalePopulation = femalePopulation
        self.otherPopulation = otherPopulation; self.families = families; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// A health facility: one row of `tblHF` (FHIR Organization `prov`, or Location site; reference §3.9).
public struct HealthFacility: VersionedRecord {
    /// `HfID`.
    public var id: Int64?
    /// `HfUUID`.
    public var uuid: String
    /// `HFCode` (up to 8 characters), unique among current rows.
    public var code: String
    /// `HFName`.
    public var name: String
    /// `LegalForm` → `tblLegalForms.LegalFormCode` (`C`, `D`, `G`, `P`).
    public var legalForm: String
    /// `HFLevel`: `D` dispensary, `C` health centre, `H` hospital.
    public var level: String
    /// `HFSublevel`: `I`, `N`, `R`.
    public var sublevel: String?
    /// `HFAddress`.
    public var address: String?
    /// `LocationId`: the district → `tblLocations`.
    public var locationID: Int64
    /// `Phone`.
    public var phone: String?
    /// `Fax`.
    public var fax: String?
    /// `eMail`.
    public var email: String?
    /// `HFCareType`: `I` in-patient, `O` out-patient, `B` both.
    public var careType: String
    /// `PLServiceID`: services price list.
    public var priceListServicesID: Int64?
    /// `PLItemID`: items price list.
    public var priceListItemsID: Int64?
    /// `AccCode`: accounting code.
    public var accountCode: String?
    /// `OffLine`.
    public var offline: Bool?
    /// `ContractStartDate`.
    public var contractStartDate: LocalDate?
    /// `ContractEndDate`.
    public var contractEndDate: LocalDate?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A health facility; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, name: String, legalForm: String,
                level: String, sublevel: String? = nil, address: String? = nil, locationID: Int64,
                phone: String? = nil, fax: String? = nil, email: String? = nil, careType: String,
                priceListServicesID: Int64? = nil, priceListItemsID: Int64? = nil, accountCode: String? = nil,
                offline: Bool? = false, contractStartDate: LocalDate? = nil, contractEndDate: LocalDate? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.name = name; self.legalForm = legalForm
        self.level = level; self.sublevel = sublevel; self.address = address; self.locationID = locationID
        self.phone = phone; self.fax = fax; self.email = email; self.careType = careType
        self.priceListServicesID = priceListServicesID; self.priceListItemsID = priceListItemsID
        self.accountCode = accountCode; self.offline = offline; self.contractStartDate = contractStartDate
        self.contractEndDate = contractEndDate; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}
