import Foundation
import GRDB

extension Insuree: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblInsuree",
        columns: ["InsureeID", "InsureeUUID", "FamilyID", "CHFID", "LastName", "OtherNames", "DOB", "Gender",
                  "Marital", "IsHead", "passport", "TypeOfId", "Phone", "Email", "PhotoID", "PhotoDate",
                  "CardIssued", "Relationship", "Profession", "Education", "HFID", "CurrentAddress", "GeoLocation",
                  "CurrentVillage", "Vulnerability", "isOffline", "Source", "SourceVersion", "JsonExt",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "InsureeUUID", codeColumn: "CHFID", nullableFlags: ["Vulnerability"])

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), familyID: try c.next(), chfid: try c.next(),
            lastName: try c.next(), otherNames: try c.next(), dob: try c.date(), gender: try c.next(),
            marital: try c.next(), isHead: try c.next(), passport: try c.next(), typeOfId: try c.next(),
            phone: try c.next(), email: try c.next(), photoID: try c.next(), photoDate: try c.optionalDate(),
            cardIssued: try c.next(), relationship: try c.next(), profession: try c.next(),
            education: try c.next(), hfID: try c.next(), currentAddress: try c.next(), geoLocation: try c.next(),
            currentVillage: try c.next(), vulnerability: try c.next(), isOffline: try c.next(),
            source: try c.next(), sourceVersion: try c.next(), jsonExt: try c.next(),
            validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(), legacyID: try c.next(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), familyID, chfid, lastName, otherNames, dob.databaseText, gender, marital, isHead,
         passport, typeOfId, phone, email, photoID, photoDate.databaseText, cardIssued, relationship, profession,
         education, hfID, currentAddress, geoLocation, currentVillage, vulnerability, isOffline, source,
         sourceVersion, jsonExt, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension Family: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblFamilies",
        columns: ["FamilyID", "FamilyUUID", "InsureeID", "LocationId", "Poverty", "FamilyType", "FamilyAddress",
                  "Ethnicity", "ConfirmationNo", "ConfirmationType", "isOffline", "JsonExt",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "FamilyUUID", codeColumn: nil, nullableFlags: ["Poverty"])

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), headInsureeID: try c.next(), locationID: try c.next(),
            poverty: try c.next(), familyType: try c.next(), familyAddress: try c.next(), ethnicity: try c.next(),
            confirmationNo: try c.next(), confirmationType: try c.next(), isOffline: try c.next(),
            jsonExt: try c.next(), validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(),
            legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), headInsureeID, locationID, poverty, familyType, familyAddress, ethnicity,
         confirmationNo, confirmationType, isOffline, jsonExt, validityFrom.databaseText, validityTo.databaseText,
         legacyID, auditUserID]
    }
}

extension InsureePhoto: TableRecord {
    static let sql = TableSQL(
        table: "tblPhotos",
        columns: ["PhotoID", "PhotoUUID", "InsureeID", "CHFID", "PhotoFolder", "PhotoFileName", "OfficerID",
                  "PhotoDate", "ValidityFrom", "ValidityTo", "AuditUserID"],
        uuidColumn: "PhotoUUID", codeColumn: nil, versioned: false, versionExpression: "1")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), insureeID: try c.next(), chfid: try c.next(),
            photoFolder: try c.next(), photoFileName: try c.next(), officerID: try c.next(),
            photoDate: try c.optionalDate(), validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), insureeID, chfid, photoFolder, photoFileName, officerID, photoDate.databaseText,
         validityFrom.databaseText, validityTo.databaseText, auditUserID]
    }
}
