import Foundation
import GRDB

extension Policy: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblPolicy",
        columns: ["PolicyID", "PolicyUUID", "FamilyID", "EnrollDate", "StartDate", "EffectiveDate", "ExpiryDate",
                  "PolicyStatus", "PolicyValue", "ProdID", "OfficerID", "PolicyStage", "RenewalOrder", "SelfRenewed",
                  "isOffline", "JsonExt", "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "PolicyUUID", codeColumn: nil)

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), familyID: try c.next(), enrollDate: try c.date(),
            startDate: try c.date(), effectiveDate: try c.optionalDate(), expiryDate: try c.date(),
            status: try c.next(), value: try c.next(), productID: try c.next(), officerID: try c.next(),
            stage: try c.next(), renewalOrder: try c.next(), selfRenewed: try c.next(), isOffline: try c.next(),
            jsonExt: try c.next(), validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(),
            legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), familyID, enrollDate.databaseText, startDate.databaseText, effectiveDate.databaseText,
         expiryDate.databaseText, status, value, productID, officerID, stage, renewalOrder, selfRenewed, isOffline,
         jsonExt, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension Premium: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblPremium",
        columns: ["PremiumId", "PremiumUUID", "PolicyID", "PayerID", "Amount", "Receipt", "PayDate", "PayType",
                  "isPhotoFee", "isOffline", "ReportingId", "CreatedDate", "ValidityFrom", "ValidityTo", "LegacyID",
                  "AuditUserID"],
        uuidColumn: "PremiumUUID", codeColumn: nil)

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), policyID: try c.next(), payerID: try c.next(), amount: try c.next(),
            receipt: try c.next(), payDate: try c.date(), payType: try c.next(), isPhotoFee: try c.next(),
            isOffline: try c.next(), reportingID: try c.next(), createdDate: try c.optionalTimestamp(),
            validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(), legacyID: try c.next(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), policyID, payerID, amount, receipt, payDate.databaseText, payType, isPhotoFee,
         isOffline, reportingID, createdDate.databaseText, validityFrom.databaseText, validityTo.databaseText,
         legacyID, auditUserID]
    }
}

extension Payer: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblPayer",
        columns: ["PayerID", "PayerUUID", "PayerType", "PayerName", "PayerAddress", "LocationId", "Phone", "Fax",
                  "eMail", "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "PayerUUID", codeColumn: nil)

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), type: try c.next(), name: try c.next(), address: try c.next(),
            locationID: try c.next(), phone: try c.next(), fax: try c.next(), email: try c.next(),
            validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(), legacyID: try c.next(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), type, name, address, locationID, phone, fax, email, validityFrom.databaseText,
         validityTo.databaseText, legacyID, auditUserID]
    }
}

extension Diagnosis: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblICDCodes",
        columns: ["ICDID", "ICDUUID", "ICDCode", "ICDName", "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "ICDUUID", codeColumn: "ICDCode",
        // openIMIS's `tblICDCodes` has no UUID column (this project's schema adds one).
        nameBasedUUID: true)

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), name: try c.next(),
            validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(), legacyID: try c.next(),
            auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, name, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension Claim: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblClaim",
        columns: ["ClaimID", "ClaimUUID", "InsureeID", "ClaimCode", "DateFrom", "DateTo", "ICDID", "ICDID1", "ICDID2",
                  "ICDID3", "ICDID4", "ClaimStatus", "Claimed", "Approved", "Valuated", "DateClaimed",
                  "DateProcessed", "Feedback", "FeedbackStatus", "ReviewStatus", "Explanation", "Adjustment",
                  "RejectionReason", "HFID", "ClaimAdminId", "GuaranteeId", "VisitType", "ClaimCategory", "JsonExt",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "ClaimUUID", codeColumn: "ClaimCode")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), insureeID: try c.next(), code: try c.next(), dateFrom: try c.date(),
            dateTo: try c.optionalDate(), icdID: try c.next(), icdID1: try c.next(), icdID2: try c.next(),
            icdID3: try c.next(), icdID4: try c.next(), status: try c.next(), claimed: try c.next(),
            approved: try c.next(), valuated: try c.next(), dateClaimed: try c.date(),
            dateProcessed: try c.optionalDate(), feedback: try c.next(), feedbackStatus: try c.next(),
            reviewStatus: try c.next(), explanation: try c.next(), adjustment: try c.next(),
            rejectionReason: try c.next(), hfID: try c.next(), claimAdminID: try c.next(), guaranteeID: try c.next(),
            visitType: try c.next(), category: try c.next(), jsonExt: try c.next(), validityFrom: try c.timestamp(),
            validityTo: try c.optionalTimestamp(), legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), insureeID, code, dateFrom.databaseText, dateTo.databaseText, icdID, icdID1, icdID2,
         icdID3, icdID4, status, claimed, approved, valuated, dateClaimed.databaseText, dateProcessed.databaseText,
         feedback, feedbackStatus, reviewStatus, explanation, adjustment, rejectionReason, hfID, claimAdminID,
         guaranteeID, visitType, category, jsonExt, validityFrom.databaseText, validityTo.databaseText, legacyID,
         auditUserID]
    }
}
