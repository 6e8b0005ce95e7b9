import Foundation
import GRDB

extension Location: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblLocations",
        columns: ["LocationId", "LocationUUID", "LocationCode", "LocationName", "ParentLocationId", "LocationType",
                  "MalePopulation", "FemalePopulation", "OtherPopulation", "Families",
                  "ValidityFrom", "ValidityTo", "LegacyId", "AuditUserId"],
        uuidColumn: "LocationUUID", codeColumn: "LocationCode")

    init(columns c: inout ColumnReader) throws {
        let id: Int64? = try c.next(), uuid: String = try c.next(), code: String = try c.next()
        let name: String = try c.next(), parentID: Int64? = try c.next(), type: String = try c.next()
        self.init(id: id, uuid: uuid, code: code, name: name, parentID: parentID, kind: .region,
                  malePopulation: try c.next(), femalePopulation: try c.next(), otherPopulation: try c.next(),
                  families: try c.next(), validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(),
                  legacyID: try c.next(), auditUserID: try c.next())
        self.type = type
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, name, parentID, type, malePopulation, femalePopulation, otherPopulation,
         families, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension HealthFacility: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblHF",
        columns: ["HfID", "HfUUID", "HFCode", "HFName", "LegalForm", "HFLevel", "HFSublevel", "HFAddress",
                  "LocationId", "Phone", "Fax", "eMail", "HFCareType", "PLServiceID", "PLItemID", "AccCode",
                  "OffLine", "ContractStartDate", "ContractEndDate",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "HfUUID", codeColumn: "HFCode")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), name: try c.next(), legalForm: try c.next(),
            level: try c.next(), sublevel: try c.next(), address: try c.next(), locationID: try c.next(),
            phone: try c.next(), fax: try c.next(), email: try c.next(), careType: try c.next(),
            priceListServicesID: try c.next(), priceListItemsID: try c.next(), accountCode: try c.next(),
            offline: try c.next(), contractStartDate: try c.optionalDate(), contractEndDate: try c.optionalDate(),
            validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(), legacyID: try c.next(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, name, legalForm, level, sublevel, address, locationID, phone, fax, email,
         careType, priceListServicesID, priceListItemsID, accountCode, offline, contractStartDate.databaseText,
         contractEndDate.databaseText, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension EnrolmentOfficer: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblOfficer",
        columns: ["OfficerID", "OfficerUUID", "Code", "LastName", "OtherNames", "DOB", "Phone", "LocationId",
                  "OfficerIDSubst", "WorksTo", "VEOCode", "VEOLastName", "VEOOtherNames", "VEODOB", "VEOPhone",
                  "EmailId", "PhoneCommunication", "permanentaddress", "HasLogin",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "OfficerUUID", codeColumn: "Code")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), lastName: try c.next(),
            otherNames: try c.next(), dob: try c.optionalDate(), phone: try c.next(), locationID: try c.next(),
            substituteOfficerID: try c.next(), worksTo: try c.optionalDate(), veoCode: try c.next(),
            veoLastName: try c.next(), veoOtherNames: try c.next(), veoDOB: try c.optionalDate(),
            veoPhone: try c.next(), email: try c.next(), phoneCommunication: try c.next(),
            permanentAddress: try c.next(), hasLogin: try c.next(), validityFrom: try c.timestamp(),
            validityTo: try c.optionalTimestamp(), legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, lastName, otherNames, dob.databaseText, phone, locationID, substituteOfficerID,
         worksTo.databaseText, veoCode, veoLastName, veoOtherNames, veoDOB.databaseText, veoPhone, email,
         phoneCommunication, permanentAddress, hasLogin, validityFrom.databaseText, validityTo.databaseText,
         legacyID, auditUserID]
    }
}

extension ClaimAdministrator: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblClaimAdmin",
        columns: ["ClaimAdminId", "ClaimAdminUUID", "ClaimAdminCode", "LastName", "OtherNames", "DOB", "Phone",
                  "HFId", "EmailId", "HasLogin", "ValidityFrom", "ValidityTo", "LegacyId", "AuditUserId"],
        uuidColumn: "ClaimAdminUUID", codeColumn: "ClaimAdminCode")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), lastName: try c.next(),
            otherNames: try c.next(), dob: try c.optionalDate(), phone: try c.next(), hfID: try c.next(),
            email: try c.next(), hasLogin: try c.next(), validityFrom: try c.timestamp(),
            validityTo: try c.optionalTimestamp(), legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, lastName, otherNames, dob.databaseText, phone, hfID, email, hasLogin,
         validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}
