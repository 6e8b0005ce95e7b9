import Foundation

/// An insuree: one row of `tblInsuree` (FHIR Patient, reference §3.1).
public struct Insuree: VersionedRecord {
    /// `InsureeID`.
    public var id: Int64?
    /// `InsureeUUID`.
    public var uuid: String
    /// `FamilyID` → `tblFamilies`.
    public var familyID: Int64?
    /// `CHFID`: the insurance number, unique among current rows.
    public var chfid: String
    /// `LastName`.
    public var lastName: String
    /// `OtherNames` (given names).
    public var otherNames: String
    /// `DOB`.
    public var dob: LocalDate
    /// `Gender` → `tblGender.Code` (`M`, `F`, `O`); `nil` is unknown.
    public var gender: String?
    /// `Marital`: `M`, `S`, `D`, `W` or `N` (not specified).
    public var marital: String?
    /// `IsHead`: head of the family.
    public var isHead: Bool
    /// `passport`: identification document number.
    public var passport: String?
    /// `TypeOfId` → `tblIdentificationTypes.IdentificationCode`.
    public var typeOfId: String?
    /// `Phone`.
    public var phone: String?
    /// `Email`.
    public var email: String?
    /// `PhotoID` → `tblPhotos`.
    public var photoID: Int64?
    /// `PhotoDate`.
    public var photoDate: LocalDate?
    /// `CardIssued`.
    public var cardIssued: Bool
    /// `Relationship` → `tblRelations.RelationId` (relation to the head).
    public var relationship: Int?
    /// `Profession` → `tblProfessions.ProfessionId`.
    public var profession: Int?
    /// `Education` → `tblEducations.EducationId`.
    public var education: Int?
    /// `HFID`: first point of service → `tblHF`.
    public var hfID: Int64?
    /// `CurrentAddress`: free-text address when it differs from the family's.
    public var currentAddress: String?
    /// `GeoLocation`.
    public var geoLocation: String?
    /// `CurrentVillage` → `tblLocations` (village of the current address).
    public var currentVillage: Int64?
    /// `Vulnerability`.
    public var vulnerability: Bool?
    /// `isOffline`.
    public var isOffline: Bool?
    /// `Source`: where the row came from.
    public var source: String?
    /// `SourceVersion`.
    public var sourceVersion: String?
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

    /// An insuree; `id` and validity are set by the store on insert.
    public init(
        id: Int64? = nil, uuid: String = RowUUID.make(), familyID: Int64? = nil, chfid: String,
        lastName: String, otherNames: String, dob: LocalDate, gender: String? = nil, marital: String? = nil,
        isHead: Bool = false, passport: String? = nil, typeOfId: String? = nil, phone: String? = nil,
        email: String? = nil, photoID: Int64? = nil, photoDate: LocalDate? = nil, cardIssued: Bool = false,
        relationship: Int? = nil, profession: Int? = nil, education: Int? = nil, hfID: Int64? = nil,
        currentAddress: String? = nil, geoLocation: String? = nil, currentVillage: Int64? = nil,
        vulnerability: Bool? = nil, isOffline: Bool? = false, source: String? = nil, sourceVersion: String? = nil,
        jsonExt: String? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
        legacyID: Int64? = nil, auditUserID: Int64 = -1
    ) {
        self.id = id; self.uuid = uuid; self.familyID = familyID; self.chfid = chfid
        self.lastName = lastName; self.otherNames = otherNames; self.dob = dob; self.gender = gender
        self.marital = marital; self.isHead = isHead; self.passport = passport; self.typeOfId = typeOfId
        self.phone = phone; self.email = email; self.photoID = photoID; self.photoDate = photoDate
        self.cardIssued = cardIssued; self.relationship = relationship; self.profession = profession
        self.education = education; self.hfID = hfID; self.currentAddress = currentAddress
        self.geoLocation = geoLocation; self.currentVillage = currentVillage; self.vulnerability = vulnerability
        self.isOffline = isOffline; self.source = source; self.sourceVersion = sourceVersion; self.jsonExt = jsonExt
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}

/// Search criteria over current insurees (FHIR Patient search); all given criteria must match.
public struct InsureeQuery: Sendable, Hashable {
    /// Exact `CHFID`.
    public var chfid: String?
    /// `InsureeUUID` in this list (any case).
    public var uuids: [String]?
    /// Last name or other names start with this, ignoring case and accents (FHIR `name`).
    public var name: String?
    /// Last name starts with this, ignoring case and accents (FHIR `family`).
    public var family: String?
    /// Other names start with this, ignoring case and accents (FHIR `given`).
    public var given: String?
    /// `Gender` code; `.some(nil)` matches insurees without gender.
    public var gender: String??
    /// `DOB >= birthDateFrom`.
    public var birthDateFrom: LocalDate?
    /// `DOB <= birthDateTo`.
    public var birthDateTo: LocalDate?
    /// `FamilyID`.
    public var familyID: Int64?
    /// Exact `Phone`.
    public var phone: String?
    /// Exact `Email`, ignoring case.
    public var email: String?
    /// Paging, `_lastUpdated` and order.
    public var page: PageQuery

    /// Criteria; defaults match every current insuree.
    public init(chfid: String? = nil, uuids: [String]? = nil, name: String? = nil, family: String? = nil,
                given: String? = nil, gender: String?? = nil, birthDateFrom: LocalDate? = nil,
                birthDateTo: LocalDate? = nil, familyID: Int64? = nil, phone: String? = nil, email: String? = nil,
                page: PageQuery = PageQuery()) {
        self.chfid = chfid; self.uuids = uuids; self.name = name; self.family = family; self.given = given
        self.gender = gender; self.birthDateFrom = birthDateFrom; self.birthDateTo = birthDateTo
        self.familyID = familyID; self.phone = phone; self.email = email; self.page = page
    }
}
