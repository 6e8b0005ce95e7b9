import Foundation

/// `tblClaim.ClaimStatus` codes (reference §3.14).
public enum ClaimStatus: Int, Sendable, Hashable, CaseIterable {
    /// 1.
    case rejected = 1
    /// 2.
    case entered = 2
    /// 4.
    case checked = 4
    /// 8.
    case processed = 8
    /// 16.
    case valuated = 16
}

/// A claim of a health facility for care given to an insuree: one row of `tblClaim` (FHIR Claim and
/// ClaimResponse, reference §3.6, §3.7). Amounts are exact decimal text.
public struct Claim: VersionedRecord {
    /// `ClaimID`.
    public var id: Int64?
    /// `ClaimUUID`.
    public var uuid: String
    /// `InsureeID` → `tblInsuree`.
    public var insureeID: Int64
    /// `ClaimCode`, unique per health facility among current claims.
    public var code: String
    /// `DateFrom`.
    public var dateFrom: LocalDate
    /// `DateTo`.
    public var dateTo: LocalDate?
    /// `ICDID`: main diagnosis → `tblICDCodes`.
    public var icdID: Int64
    /// `ICDID1`...`ICDID4`: secondary diagnoses.
    public var icdID1: Int64?, icdID2: Int64?, icdID3: Int64?, icdID4: Int64?
    /// `ClaimStatus`: see ``ClaimStatus``.
    public var status: Int
    /// `Claimed` (decimal text): the total asked.
    public var claimed: String?
    /// `Approved` (decimal text).
    public var approved: String?
    /// `Valuated` (decimal text).
    public var valuated: String?
    /// `DateClaimed`.
    public var dateClaimed: LocalDate
    /// `DateProcessed`.
    public var dateProcessed: LocalDate?
    /// `Feedback`: a feedback was asked.
    public var feedback: Bool?
    /// `FeedbackStatus`: 1 idle, 2 not selected, 4 selected, 8 delivered, 16 bypassed.
    public var feedbackStatus: Int?
    /// `ReviewStatus`: same codes as feedback.
    public var reviewStatus: Int?
    /// `Explanation`.
    public var explanation: String?
    /// `Adjustment`.
    public var adjustment: String?
    /// `RejectionReason` (claim-rejection-reasons code).
    public var rejectionReason: Int?
    /// `HFID` → `tblHF`.
    public var hfID: Int64
    /// `ClaimAdminId` → `tblClaimAdmin`.
    public var claimAdminID: Int64?
    /// `GuaranteeId`: guarantee number.
    public var guaranteeID: String?
    /// `VisitType`: `E` emergency, `R` referral, `O` other.
    public var visitType: String?
    /// `ClaimCategory`.
    public var category: String?
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

    /// A claim; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), insureeID: Int64, code: String, dateFrom: LocalDate,
                dateTo: LocalDate? = nil, icdID: Int64, icdID1: Int64? = nil, icdID2: Int64? = nil,
                icdID3: Int64? = nil, icdID4: Int64? = nil, status: Int = ClaimStatus.entered.rawValue,
                claimed: String? = nil, approved: String? = nil, valuated: String? = nil, dateClaimed: LocalDate,
                dateProcessed: LocalDate? = nil, feedback: Bool? = false, feedbackStatus: Int? = 1,
                reviewStatus: Int? = 1, explanation: String? = nil, adjustment: String? = nil,
                rejectionReason: Int? = nil, hfID: Int64, claimAdminID: Int64? = nil, guaranteeID: String? = nil,
                visitType: String? = "O", category: String? = nil, jsonExt: String? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.insureeID = insureeID; self.code = code; self.dateFrom = dateFrom
        self.dateTo = dateTo; self.icdID = icdID; self.icdID1 = icdID1; self.icdID2 = icdID2; self.icdID3 = icdID3
        self.icdID4 = icdID4; self.status = status; self.claimed = claimed; self.approved = approved
        self.valuated = valuated; self.dateClaimed = dateClaimed; self.dateProcessed = dateProcessed
        self.feedback = feedback; self.feedbackStatus = feedbackStatus; self.reviewStatus = reviewStatus
        self.explanation = explanation; self.adjustment = adjustment; self.rejectionReason = rejectionReason
        self.hfID = hfID; self.claimAdminID = claimAdminID; self.guaranteeID = guaranteeID
        self.visitType = visitType; self.category = category; self.jsonExt = jsonExt
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }

    /// `status` as a ``ClaimStatus``; `nil` for a code openIMIS does not define.
    public var claimStatus: ClaimStatus? { ClaimStatus(rawValue: status) }
}

/// Which catalogue a claim line, product coverage or price list entry refers to.
///
/// openIMIS keeps items (drugs, consumables) and services in twin tables of one shape (`tblClaimItems` /
/// `tblClaimServices`, `tblProductItems` / `tblProductServices`, `tblPLItems` / `tblPLServices`, ...); one record
/// type with a kind serves each pair, as ``ReferenceCode`` serves the reference tables.
public enum MedicalKind: String, Sendable, Hashable, CaseIterable {
    /// `tblItems` (FHIR Medication).
    case item
    /// `tblServices` (FHIR ActivityDefinition).
    case service
}

/// One line of a claim: a row of `tblClaimItems` (kind `.item`) or `tblClaimServices` (kind `.service`).
/// Quantities and prices are exact decimal text.
public struct ClaimLine: Sendable, Hashable {
    /// Which table the row lives in.
    public var kind: MedicalKind
    /// `ClaimItemID` / `ClaimServiceID`.
    public var id: Int64?
    /// `ClaimID` → `tblClaim` (set by `submitClaim`).
    public var claimID: Int64
    /// `ItemID` → `tblItems` / `ServiceID` → `tblServices`.
    public var medicalID: Int64
    /// `ProdID` → `tblProduct`: the product that covers the line (set by adjudication).
    public var productID: Int64?
    /// `ClaimItemStatus` / `ClaimServiceStatus`: 1 passed, 2 rejected.
    public var status: Int
    /// `Availability`.
    public var availability: Bool?
    /// `QtyProvided` (decimal text).
    public var quantityProvided: String
    /// `QtyApproved` (decimal text).
    public var quantityApproved: String?
    /// `PriceAsked` (decimal text): unit price asked.
    public var priceAsked: String
    /// `PriceAdjusted` (decimal text).
    public var priceAdjusted: String?
    /// `PriceApproved` (decimal text).
    public var priceApproved: String?
    /// `PriceValuated` (decimal text).
    public var priceValuated: String?
    /// `Explanation`.
    public var explanation: String?
    /// `Justification`.
    public var justification: String?
    /// `RejectionReason` (claim-rejection-reasons code; 0 accepted).
    public var rejectionReason: Int?
    /// `PolicyID` → `tblPolicy` (set by adjudication).
    public var policyID: Int64?
    /// `PriceOrigin`: `P` price list, `O` overrule, `R` relative.
    public var priceOrigin: String?
    /// `Limitation`: `F` fixed, `C` co-insurance.
    public var limitation: String?
    /// `LimitationValue` (decimal text).
    public var limitationValue: String?
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A claim line; `claimID`, `id` and validity are set by the store.
    public init(kind: MedicalKind, id: Int64? = nil, claimID: Int64 = 0, medicalID: Int64, productID: Int64? = nil,
                status: Int = 1, availability: Bool? = true, quantityProvided: String, quantityApproved: String? = nil,
                priceAsked: String, priceAdjusted: String? = nil, priceApproved: String? = nil,
                priceValuated: String? = nil, explanation: String? = nil, justification: String? = nil,
                rejectionReason: Int? = 0, policyID: Int64? = nil, priceOrigin: String? = nil,
                limitation: String? = nil, limitationValue: String? = nil,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.kind = kind; self.id = id; self.claimID = claimID; self.medicalID = medicalID; self.productID = productID
        self.status = status; self.availability = availability; self.quantityProvided = quantityProvided
        self.quantityApproved = quantityApproved; self.priceAsked = priceAsked; self.priceAdjusted = priceAdjusted
        self.priceApproved = priceApproved; self.priceValuated = priceValuated; self.explanation = explanation
        self.justification = justification; self.rejectionReason = rejectionReason; self.policyID = policyID
        self.priceOrigin = priceOrigin; self.limitation = limitation; self.limitationValue = limitationValue
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}

/// A diagnosis code: one row of `tblICDCodes` (FHIR Claim.diagnosis, CodeSystem `diagnosis`).
///
/// `ICDUUID` is a column this schema adds so that diagnoses are addressable like the other catalogues.
public struct Diagnosis: VersionedRecord {
    /// `ICDID`.
    public var id: Int64?
    /// `ICDUUID`.
    public var uuid: String
    /// `ICDCode` (e.g. `G44`), unique among current rows.
    public var code: String
    /// `ICDName`.
    public var name: String
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A diagnosis; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, name: String,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.name = name; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}
