import Foundation

/// `tblPolicy.PolicyStatus` codes (reference §3.14).
public enum PolicyStatus: Int, Sendable, Hashable, CaseIterable {
    /// 1: enrolled, not (yet) covered by its contributions.
    case idle = 1
    /// 2: covered by its contributions; `EffectiveDate` is set.
    case active = 2
    /// 4: suspended.
    case suspended = 4
    /// 8: past its expiry date.
    case expired = 8
    /// 16: ready (renewal prepared).
    case ready = 16
}

/// A policy of a family on a product: one row of `tblPolicy` (FHIR Coverage and Contract, reference §3.3, §3.4).
///
/// Amounts are exact decimal text (`"10000.00"`), never floating point.
public struct Policy: VersionedRecord {
    /// `PolicyID`.
    public var id: Int64?
    /// `PolicyUUID`.
    public var uuid: String
    /// `FamilyID` → `tblFamilies`.
    public var familyID: Int64
    /// `EnrollDate`.
    public var enrollDate: LocalDate
    /// `StartDate`: first day of cover.
    public var startDate: LocalDate
    /// `EffectiveDate`: when the policy became active (contributions paid); `nil` while idle.
    public var effectiveDate: LocalDate?
    /// `ExpiryDate`: last day of cover.
    public var expiryDate: LocalDate
    /// `PolicyStatus`: see ``PolicyStatus`` (1 idle, 2 active, 4 suspended, 8 expired, 16 ready).
    public var status: Int
    /// `PolicyValue` (decimal text): the contribution due for the policy.
    public var value: String?
    /// `ProdID` → `tblProduct`.
    public var productID: Int64
    /// `OfficerID` → `tblOfficer` (the enrolment officer).
    public var officerID: Int64?
    /// `PolicyStage`: `N` new, `R` renewed.
    public var stage: String?
    /// `RenewalOrder`.
    public var renewalOrder: Int?
    /// `SelfRenewed`.
    public var selfRenewed: Bool?
    /// `isOffline`.
    public var isOffline: Bool?
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

    /// A policy; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), familyID: Int64, enrollDate: LocalDate,
                startDate: LocalDate, effectiveDate: LocalDate? = nil, expiryDate: LocalDate,
                status: Int = PolicyStatus.idle.rawValue, value: String? = nil, productID: Int64,
                officerID: Int64? = nil, stage: String? = "N", renewalOrder: Int? = nil, selfRenewed: Bool? = nil,
                isOffline: Bool? = false, jsonExt: String? = nil, validityFrom: Date = Date(timeIntervalSince1970: 0),
                validityTo: Date? = nil, legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.familyID = familyID; self.enrollDate = enrollDate
        self.startDate = startDate; self.effectiveDate = effectiveDate; self.expiryDate = expiryDate
        self.status = status; self.value = value; self.productID = productID; self.officerID = officerID
        self.stage = stage; self.renewalOrder = renewalOrder; self.selfRenewed = selfRenewed
        self.isOffline = isOffline; self.jsonExt = jsonExt; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }

    /// `status` as a ``PolicyStatus``; `nil` for a code openIMIS does not define.
    public var policyStatus: PolicyStatus? { PolicyStatus(rawValue: status) }
}

/// A member of a policy: one row of `tblInsureePolicy` (no UUID in openIMIS; reference §5.2).
public struct InsureePolicy: Sendable, Hashable {
    /// `InsureePolicyId`.
    public var id: Int64?
    /// `InsureeId` → `tblInsuree`.
    public var insureeID: Int64
    /// `PolicyId` → `tblPolicy`.
    public var policyID: Int64
    /// `EnrollmentDate`.
    public var enrollmentDate: LocalDate?
    /// `StartDate`.
    public var startDate: LocalDate?
    /// `EffectiveDate`: set when the policy becomes active.
    public var effectiveDate: LocalDate?
    /// `ExpiryDate`.
    public var expiryDate: LocalDate?
    /// `isOffline`.
    public var isOffline: Bool?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A membership row; the store sets `id` and `validityFrom`.
    public init(id: Int64? = nil, insureeID: Int64, policyID: Int64, enrollmentDate: LocalDate? = nil,
                startDate: LocalDate? = nil, effectiveDate: LocalDate? = nil, expiryDate: LocalDate? = nil,
                isOffline: Bool? = false, validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.insureeID = insureeID; self.policyID = policyID; self.enrollmentDate = enrollmentDate
        self.startDate = startDate; self.effectiveDate = effectiveDate; self.expiryDate = expiryDate
        self.isOffline = isOffline; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}
