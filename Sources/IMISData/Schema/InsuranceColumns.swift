extension Policy {
    /// The columns of `tblPolicy`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPolicy"

        case policyID = "PolicyID"
        case policyUUID = "PolicyUUID"
        case familyID = "FamilyID"
        case enrollDate = "EnrollDate"
        case startDate = "StartDate"
        case effectiveDate = "EffectiveDate"
        case expiryDate = "ExpiryDate"
        case policyStatus = "PolicyStatus"
        case policyValue = "PolicyValue"
        case prodID = "ProdID"
        case officerID = "OfficerID"
        case policyStage = "PolicyStage"
        case renewalOrder = "RenewalOrder"
        case selfRenewed = "SelfRenewed"
        case isOffline = "isOffline"
        case jsonExt = "JsonExt"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension Premium {
    /// The columns of `tblPremium`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPremium"

        case premiumId = "PremiumId"
        case premiumUUID = "PremiumUUID"
        case policyID = "PolicyID"
        case payerID = "PayerID"
        case amount = "Amount"
        case receipt = "Receipt"
        case payDate = "PayDate"
        case payType = "PayType"
        case isPhotoFee = "isPhotoFee"
        case isOffline = "isOffline"
        case reportingId = "ReportingId"
        case createdDate = "CreatedDate"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension Payer {
    /// The columns of `tblPayer`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPayer"

        case payerID = "PayerID"
        case payerUUID = "PayerUUID"
        case payerType = "PayerType"
        case payerName = "PayerName"
        case payerAddress = "PayerAddress"
        case locationId = "LocationId"
        case phone = "Phone"
        case fax = "Fax"
        case eMail = "eMail"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension Diagnosis {
    /// The columns of `tblICDCodes`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblICDCodes"

        case icdid = "ICDID"
        case icduuid = "ICDUUID"
        case icdCode = "ICDCode"
        case icdName = "ICDName"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension Claim {
    /// The columns of `tblClaim`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblClaim"

        case claimID = "ClaimID"
        case claimUUID = "ClaimUUID"
        case insureeID = "InsureeID"
        case claimCode = "ClaimCode"
        case dateFrom = "DateFrom"
        case dateTo = "DateTo"
        case icdid = "ICDID"
        case icdid1 = "ICDID1"
        case icdid2 = "ICDID2"
        case icdid3 = "ICDID3"
        case icdid4 = "ICDID4"
        case claimStatus = "ClaimStatus"
        case claimed = "Claimed"
        case approved = "Approved"
        case valuated = "Valuated"
        case dateClaimed = "DateClaimed"
        case dateProcessed = "DateProcessed"
        case feedback = "Feedback"
        case feedbackStatus = "FeedbackStatus"
        case reviewStatus = "ReviewStatus"
        case explanation = "Explanation"
        case adjustment = "Adjustment"
        case rejectionReason = "RejectionReason"
        case hfid = "HFID"
        case claimAdminId = "ClaimAdminId"
        case guaranteeId = "GuaranteeId"
        case visitType = "VisitType"
        case claimCategory = "ClaimCategory"
        case jsonExt = "JsonExt"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}
