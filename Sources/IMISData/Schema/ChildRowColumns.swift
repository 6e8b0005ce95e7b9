extension InsureePolicy {
    /// The columns of `tblInsureePolicy`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblInsureePolicy"

        case insureePolicyId = "InsureePolicyId"
        case insureeId = "InsureeId"
        case policyId = "PolicyId"
        case enrollmentDate = "EnrollmentDate"
        case startDate = "StartDate"
        case effectiveDate = "EffectiveDate"
        case expiryDate = "ExpiryDate"
        case isOffline = "isOffline"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}
