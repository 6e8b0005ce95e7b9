import Foundation

/// An enrolment officer: one row of `tblOfficer` (FHIR Practitioner/PractitionerRole `EO`, reference §3.11).
public struct EnrolmentOfficer: VersionedRecord {
    /// `OfficerID`.
    public var id: Int64?
    /// `OfficerUUID`.
    public var uuid: String
    /// `Code` (up to 8 characters), unique among current rows.
    public var code: String
    /// `LastName`.
    public var lastName: String
    /// `OtherNames`.
    public var otherNames: String
    /// `DOB`.
    public var dob: LocalDate?
    /// `Phone`.
    public var phone: String?
    /// `LocationId` → `tblLocations` (district).
    public var locationID: Int64?
    /// `OfficerIDSubst` → `tblOfficer`: substitute officer.
    public var substituteOfficerID: Int64?
    /// `WorksTo`.
    public var worksTo: LocalDate?
    /// `VEOCode`.
    public var veoCode: String?
    /// `VEOLastName`.
    public var veoLastName: String?
    /// `VEOOtherNames`.
    public var veoOtherNames: String?
    /// `VEODOB`.
    public var veoDOB: LocalDate?
    /// `VEOPhone`.
    public var veoPhone: String?
    /// `EmailId`.
    public var email: String?
    /// `PhoneCommunication`.
    public var phoneCommunication: Bool?
    /// `permanentaddress`.
    public var permanentAddress: String?
    /// `HasLogin`.
    public var hasLogin: Bool?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// An officer; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, lastName: String, otherNames: String,
                dob: LocalDate? = nil, phone: String? = nil, locationID: Int64? = nil,
                substituteOfficerID: Int64? = nil, worksTo: LocalDate? = nil, veoCode: String? = nil,
                veoLastName: String? = nil, veoOtherNames: String? = nil, veoDOB: LocalDate? = nil,
                veoPhone: String? = nil, email: String? = nil, phoneCommunication: Bool? = nil,
                permanentAddress: String? = nil, hasLogin: Bool? = false,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.lastName = lastName; self.otherNames = otherNames
        self.dob = dob; self.phone = phone; self.locationID = locationID
        self.substituteOfficerID = substituteOfficerID; self.worksTo = worksTo; self.veoCode = veoCode
        self.veoLastName = veoLastName; self.veoOtherNames = veoOtherNames; self.veoDOB = veoDOB
        self.veoPhone = veoPhone; self.email = email; self.phoneCommunication = phoneCommunication
        self.permanentAddress = permanentAddress; self.hasLogin = hasLogin; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// A claim administrator: one row of `tblClaimAdmin` (FHIR Practitioner/PractitionerRole `CA`, reference §3.11).
public struct ClaimAdministrator: VersionedRecord {
    /// `ClaimAdminId`.
    public var id: Int64?
    /// `ClaimAdminUUID`.
    public var uuid: String
    /// `ClaimAdminCode` (up to 8 characters), unique among current rows.
    public var code: String
    /// `LastName`.
    public var lastName: String
    /// `OtherNames`.
    public var otherNames: String
    /// `DOB`.
    public var dob: LocalDate?
    /// `Phone`.
    public var phone: String?
    /// `HFId` → `tblHF`.
    public var hfID: Int64?
    /// `EmailId`.
    public var email: String?
    /// `HasLogin`.
    public var hasLogin: Bool?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyId`.
    public var legacyID: Int64?
    /// `AuditUserId`.
    public var auditUserID: Int64

    /// A claim administrator; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, lastName: String, otherNames: String,
                dob: LocalDate? = nil, phone: String? = nil, hfID: Int64? = nil, email: String? = nil,
                hasLogin: Bool? = false, validityFrom: Date = Date(timeIntervalSince1970: 0),
                validityTo: Date? = nil, legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.lastName = lastName; self.otherNames = otherNames
        self.dob = dob; self.phone = phone; self.hfID = hfID; self.email = email; self.hasLogin = hasLogin
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}
