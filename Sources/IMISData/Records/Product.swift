import Foundation

/// An insurance product: one row of `tblProduct` (FHIR InsurancePlan, reference §3.13).
///
/// Amounts are exact decimal text as stored (`"10000.00"`), never floating point.
public struct Product: VersionedRecord {
    /// `ProdID`.
    public var id: Int64?
    /// `ProdUUID`.
    public var uuid: String
    /// `ProductCode` (up to 8 characters).
    public var code: String
    /// `ProductName`.
    public var name: String
    /// `LocationId` → `tblLocations` (region or district; `nil` = national).
    public var locationID: Int64?
    /// `InsurancePeriod`, in months.
    public var insurancePeriod: Int
    /// `DateFrom`: first day the product can be sold.
    public var dateFrom: LocalDate
    /// `DateTo`: last day the product can be sold.
    public var dateTo: LocalDate
    /// `ConversionProdID` → `tblProduct`.
    public var conversionProductID: Int64?
    /// `LumpSum` (decimal text).
    public var lumpSum: String
    /// `MemberCount`: maximum members covered.
    public var memberCount: Int
    /// `PremiumAdult` (decimal text).
    public var premiumAdult: String?
    /// `PremiumChild` (decimal text).
    public var premiumChild: String?
    /// `RegistrationLumpSum` (decimal text).
    public var registrationLumpSum: String?
    /// `RegistrationFee` (decimal text).
    public var registrationFee: String?
    /// `GeneralAssemblyLumpSum` (decimal text).
    public var generalAssemblyLumpSum: String?
    /// `GeneralAssemblyFee` (decimal text).
    public var generalAssemblyFee: String?
    /// `GracePeriod`, in months.
    public var gracePeriod: Int
    /// `GracePeriodRenewal`, in months.
    public var gracePeriodRenewal: Int?
    /// `MaxInstallments`.
    public var maxInstallments: Int?
    /// `WaitingPeriod`, in months.
    public var waitingPeriod: Int?
    /// `Threshold`: members included in the lump sum.
    public var threshold: Int?
    /// `RenewalDiscountPerc`.
    public var renewalDiscountPercent: Int?
    /// `EnrolmentDiscountPerc`.
    public var enrolmentDiscountPercent: Int?
    /// `MaxNoConsultation`.
    public var maxConsultations: Int?
    /// `MaxNoSurgery`.
    public var maxSurgeries: Int?
    /// `MaxNoDelivery`.
    public var maxDeliveries: Int?
    /// `MaxNoHospitalizaion` (openIMIS's spelling).
    public var maxHospitalizations: Int?
    /// `MaxNoVisits`.
    public var maxVisits: Int?
    /// `MaxNoAntenatal`.
    public var maxAntenatal: Int?
    /// `MaxAmountConsultation` (decimal text).
    public var maxAmountConsultation: String?
    /// `MaxAmountSurgery` (decimal text).
    public var maxAmountSurgery: String?
    /// `MaxAmountDelivery` (decimal text).
    public var maxAmountDelivery: String?
    /// `MaxAmountHospitalization` (decimal text).
    public var maxAmountHospitalization: String?
    /// `MaxAmountAntenatal` (decimal text).
    public var maxAmountAntenatal: String?
    /// `CeilingInterpretation`: `I` per insuree, `H` per hospital visit.
    public var ceilingInterpretation: String?
    /// `StartCycle1` … `StartCycle4`: the days (`DD-MM`) on which a policy cycle starts, in column order; an empty
    /// or NULL column is left out.
    public var startCycles: [String]
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A product; `id` and validity are set by the store on insert. Amounts are decimal text.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, name: String,
                locationID: Int64? = nil, insurancePeriod: Int = 12, dateFrom: LocalDate, dateTo: LocalDate,
                conversionProductID: Int64? = nil, lumpSum: String = "0.00", memberCount: Int,
                premiumAdult: String? = nil, premiumChild: String? = nil, registrationLumpSum: String? = nil,
                registrationFee: String? = nil, generalAssemblyLumpSum: String? = nil,
                generalAssemblyFee: String? = nil, gracePeriod: Int = 0, gracePeriodRenewal: Int? = nil,
                maxInstallments: Int? = nil, waitingPeriod: Int? = nil, threshold: Int? = nil,
                renewalDiscountPercent: Int? = nil, enrolmentDiscountPercent: Int? = nil,
                maxConsultations: Int? = nil, maxSurgeries: Int? = nil, maxDeliveries: Int? = nil,
                maxHospitalizations: Int? = nil, maxVisits: Int? = nil, maxAntenatal: Int? = nil,
                maxAmountConsultation: String? = nil, maxAmountSurgery: String? = nil,
                maxAmountDelivery: String? = nil, maxAmountHospitalization: String? = nil,
                maxAmountAntenatal: String? = nil, ceilingInterpretation: String? = nil, startCycles: [String] = [],
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.name = name; self.locationID = locationID
        self.insurancePeriod = insurancePeriod; self.dateFrom = dateFrom; self.dateTo = dateTo
        self.conversionProductID = conversionProductID; self.lumpSum = lumpSum; self.memberCount = memberCount
        self.premiumAdult = premiumAdult; self.premiumChild = premiumChild
        self.registrationLumpSum = registrationLumpSum; self.registrationFee = registrationFee
        self.generalAssemblyLumpSum = generalAssemblyLumpSum; self.generalAssemblyFee = generalAssemblyFee
        self.gracePeriod = gracePeriod; self.gracePeriodRenewal = gracePeriodRenewal
        self.maxInstallments = maxInstallments; self.waitingPeriod = waitingPeriod; self.threshold = threshold
        self.renewalDiscountPercent = renewalDiscountPercent; self.enrolmentDiscountPercent = enrolmentDiscountPercent
        self.maxConsultations = maxConsultations; self.maxSurgeries = maxSurgeries; self.maxDeliveries = maxDeliveries
        self.maxHospitalizations = maxHospitalizations; self.maxVisits = maxVisits; self.maxAntenatal = maxAntenatal
        self.maxAmountConsultation = maxAmountConsultation; self.maxAmountSurgery = maxAmountSurgery
        self.maxAmountDelivery = maxAmountDelivery; self.maxAmountHospitalization = maxAmountHospitalization
        self.maxAmountAntenatal = maxAmountAntenatal; self.ceilingInterpretation = ceilingInterpretation
        self.startCycles = startCycles
        self.validityFrom = validityFrom; self.validityTo = validityTo; self.legacyID = legacyID
        self.auditUserID = auditUserID
    }
}
