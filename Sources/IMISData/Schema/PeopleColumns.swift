extension Insuree {
    /// The columns of `tblInsuree`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblInsuree"

        case insureeID = "InsureeID"
        case insureeUUID = "InsureeUUID"
        case familyID = "FamilyID"
        case chfid = "CHFID"
        case lastName = "LastName"
        case otherNames = "OtherNames"
        case dob = "DOB"
        case gender = "Gender"
        case marital = "Marital"
        case isHead = "IsHead"
        case passport = "passport"
        case typeOfId = "TypeOfId"
        case phone = "Phone"
        case email = "Email"
        case photoID = "PhotoID"
        case photoDate = "PhotoDate"
        case cardIssued = "CardIssued"
        case relationship = "Relationship"
        case profession = "Profession"
        case education = "Education"
        case hfid = "HFID"
        case currentAddress = "CurrentAddress"
        case geoLocation = "GeoLocation"
        case currentVillage = "CurrentVillage"
        case vulnerability = "Vulnerability"
        case isOffline = "isOffline"
        case source = "Source"
        case sourceVersion = "SourceVersion"
        case jsonExt = "JsonExt"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension Family {
    /// The columns of `tblFamilies`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblFamilies"

        case familyID = "FamilyID"
        case familyUUID = "FamilyUUID"
        case insureeID = "InsureeID"
        case locationId = "LocationId"
        case poverty = "Poverty"
        case familyType = "FamilyType"
        case familyAddress = "FamilyAddress"
        case ethnicity = "Ethnicity"
        case confirmationNo = "ConfirmationNo"
        case confirmationType = "ConfirmationType"
        case isOffline = "isOffline"
        case jsonExt = "JsonExt"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension InsureePhoto {
    /// The columns of `tblPhotos`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPhotos"

        case photoID = "PhotoID"
        case photoUUID = "PhotoUUID"
        case insureeID = "InsureeID"
        case chfid = "CHFID"
        case photoFolder = "PhotoFolder"
        case photoFileName = "PhotoFileName"
        case officerID = "OfficerID"
        case photoDate = "PhotoDate"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case auditUserID = "AuditUserID"
    }
}
