/// What a request does to a resource, in openIMIS's terms (one right code per resource and method).
public enum AccessMethod: String, Sendable, Hashable, CaseIterable {
    case read, create, update, delete
}

/// openIMIS's numeric right codes per FHIR resource and method (reference §6.2, from each module's
/// `DEFAULT_CFG`). A user passes when it holds any listed right, or is IMIS Administrator; an empty
/// list means "authenticated is enough", and is kept for reference data only (never for a write that
/// openIMIS guards with a right); a method with no entry is refused.
public enum OpenIMISRights {
    public static let table: [String: [AccessMethod: [Int]]] = [
        "Patient": [.read: [101101], .create: [101102], .update: [101103], .delete: [101104]],
        "Group": [.read: [101001], .create: [101002], .update: [101003], .delete: [101004]],
        "Claim": [.read: [111001], .create: [111002, 111007], .update: [111010], .delete: [111004]],
        "ClaimResponse": [.read: [111001], .create: [111002], .update: [111010], .delete: [111004]],
        // Policies: openIMIS's policy module rights (search 101201, add 101202, edit 101203, delete 101204), which
        // the FHIR module's own permission table left empty for writes.
        "Coverage": [.read: [101201], .create: [101202], .update: [101203], .delete: [101204]],
        "Contract": [.read: [101201], .create: [101202], .update: [101203], .delete: [101204]],
        // An eligibility enquiry reads the insuree's policies and their use: the policy module's eligibility query
        // right (`gql_query_eligibilities_perms`), for the POST that runs it too. Enquiries are not stored, so
        // there is nothing to update or delete (no entry: refused).
        "CoverageEligibilityRequest": [.read: [101201], .create: [101201]],
        "Location": [.read: [], .create: [121902], .update: [121903], .delete: [121904]],
        "Organization": [.read: [], .create: [121102], .update: [121103], .delete: [121104]],
        "Practitioner": [.read: [], .create: [121602, 121502], .update: [121603, 121503], .delete: [121604, 121504]],
        "PractitionerRole": [.read: [], .create: [121602, 121502], .update: [121603, 121503], .delete: [121604, 121504]],
        "Medication": [.read: [], .create: [122102], .update: [122103], .delete: [122104]],
        "ActivityDefinition": [.read: [], .create: [121402], .update: [121403], .delete: [121404]],
        "InsurancePlan": [.read: [], .create: [121002], .update: [121003], .delete: [121004]],
        "Invoice": [.read: [155101, 156101], .create: [155102, 156102], .update: [155103, 156103], .delete: [155104, 156104]],
        "PaymentNotice": [.read: [155201], .create: [155202], .update: [155203], .delete: [155204]],
        "PaymentReconciliation": [.read: [155201], .create: [155202], .update: [155203], .delete: [155204]],
        "Subscription": [.read: [158001], .create: [158002], .update: [158003], .delete: [158004]],
    ]

    /// The `IsSystem` flag of the IMIS Administrator role (`tblRole`), which passes every check.
    public static let administratorFlag = 64

    /// The rights that allow `method` on `resourceType`; nil for a type with no entry (denied).
    public static func required(_ resourceType: String, _ method: AccessMethod) -> [Int]? {
        table[resourceType]?[method]
    }
}
