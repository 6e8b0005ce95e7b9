extension Location {
    /// The columns of `tblLocations`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblLocations"

        case locationId = "LocationId"
        case locationUUID = "LocationUUID"
        case locationCode = "LocationCode"
        case locationName = "LocationName"
        case parentLocationId = "ParentLocationId"
        case locationType = "LocationType"
        case malePopulation = "MalePopulation"
        case femalePopulation = "FemalePopulation"
        case otherPopulation = "OtherPopulation"
        case families = "Families"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyId = "LegacyId"
        case auditUserId = "AuditUserId"
    }
}

extension HealthFacility {
    /// The columns of `tblHF`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblHF"

        case hfID = "HfID"
        case hfUUID = "HfUUID"
        case hfCode = "HFCode"
        case hfName = "HFName"
        case legalForm = "LegalForm"
        case hfLevel = "HFLevel"
        case hfSublevel = "HFSublevel"
        case hfAddress = "HFAddress"
        case locationId = "LocationId"
        case phone = "Phone"
        case fax = "Fax"
        case eMail = "eMail"
        case hfCareType = "HFCareType"
        case plServiceID = "PLServiceID"
        case plItemID = "PLItemID"
        case accCode = "AccCode"
        case offLine = "OffLine"
        case contractStartDate = "ContractStartDate"
        case contractEndDate = "ContractEndDate"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension EnrolmentOfficer {
    /// The columns of `tblOfficer`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblOfficer"

        case officerID = "OfficerID"
        case officerUUID = "OfficerUUID"
        case code = "Code"
        case lastName = "LastName"
        case otherNames = "OtherNames"
        case dob = "DOB"
        case phone = "Phone"
        case locationId = "LocationId"
        case officerIDSubst = "OfficerIDSubst"
        case worksTo = "WorksTo"
        case veoCode = "VEOCode"
        case veoLastName = "VEOLastName"
        case veoOtherNames = "VEOOtherNames"
        case veodob = "VEODOB"
        case veoPhone = "VEOPhone"
        case emailId = "EmailId"
        case phoneCommunication = "PhoneCommunication"
        case permanentaddress = "permanentaddress"
        case hasLogin = "HasLogin"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension ClaimAdministrator {
    /// The columns of `tblClaimAdmin`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblClaimAdmin"

        case claimAdminId = "ClaimAdminId"
        case claimAdminUUID = "ClaimAdminUUID"
        case claimAdminCode = "ClaimAdminCode"
        case lastName = "LastName"
        case otherNames = "OtherNames"
        case dob = "DOB"
        case phone = "Phone"
        case hfId = "HFId"
        case emailId = "EmailId"
        case hasLogin = "HasLogin"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyId = "LegacyId"
        case auditUserId = "AuditUserId"
    }
}
