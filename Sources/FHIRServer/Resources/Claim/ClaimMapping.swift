import FHIRModels
import Foundation
import IMISData

/// The rows a Claim or ClaimResponse shows besides the claim itself; the caller loads them.
public struct ClaimRelations: Sendable, Hashable {
    public var insuree: Insuree?
    public var healthFacility: HealthFacility?
    public var claimAdministrator: ClaimAdministrator?
    /// `ICDID`, `ICDID1`…`ICDID4`, in that order.
    public var diagnoses: [Diagnosis]
    /// The medical items and services the lines name, by their ids.
    public var items: [Int64: MedicalItem]
    public var services: [Int64: MedicalService]
    /// The insuree's policy with the latest effective date, when there is one.
    public var policy: Policy?

    public init(
        insuree: Insuree? = nil, healthFacility: HealthFacility? = nil, claimAdministrator: ClaimAdministrator? = nil,
        diagnoses: [Diagnosis] = [], items: [Int64: MedicalItem] = [:], services: [Int64: MedicalService] = [:],
        policy: Policy? = nil
    ) {
        self.insuree = insuree
        self.healthFacility = healthFacility
        self.claimAdministrator = claimAdministrator
        self.diagnoses = diagnoses
        self.items = items
        self.services = services
        self.policy = policy
    }
}

/// Claim ← tblClaim + tblClaimItems + tblClaimServices (reference §3.6; IG profile
/// `openimis-claim`, example `Claim001`).
public enum ClaimMapping {
    static let visitTypes = ["E": "Emergency", "R": "Referrals", "O": "Other"]

    /// The lines in the order the Claim lists them: services first, then items, as the IG example.
    static func lines(_ details: ClaimDetails) -> [ClaimLine] { details.services + details.items }

    public static func claim(_ details: ClaimDetails, _ r: ClaimRelations, context: MappingContext) -> FHIRModels.Claim {
        let row = details.claim.record
        let patient = r.insuree.map { Build.reference("Patient", uuid: $0.uuid, display: $0.chfid) }
            ?? Reference(display: "unknown insuree")
        let provider = r.healthFacility.map { Build.reference("Organization", uuid: $0.uuid, display: $0.code) }
            ?? Reference(display: "unknown health facility")
        let coverage = r.policy.map { Build.reference("Coverage", uuid: $0.uuid) } ?? Reference(display: "no policy")
        var claim = FHIRModels.Claim(
            id: row.uuid.lowercased(), meta: Build.meta(details.claim), status: FHIRPrimitive(.active),
            type: visitType(row.visitType), use: FHIRPrimitive(.claim), patient: patient,
            created: Build.dateTime(row.dateClaimed), provider: provider,
            priority: Build.concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"),
            insurance: [ClaimInsurance(sequence: 1, focal: true, coverage: coverage)])
        claim.identifier = Build.identifiers(uuid: row.uuid, code: row.code, kind: .claimCode, context)
        claim.billablePeriod = Period(start: Build.dateTime(row.dateFrom), end: row.dateTo.map { Build.dateTime($0) })
        claim.enterer = r.claimAdministrator.map { Build.reference("Practitioner", uuid: $0.uuid, display: $0.code) }
        var info: [ClaimSupportingInfo] = []
        if let explanation = row.explanation, !explanation.isEmpty {
            info.append(supportingInfo(info.count + 1, "explanation", "Explanation", explanation))
        }
        if let guarantee = row.guaranteeID, !guarantee.isEmpty {
            info.append(supportingInfo(info.count + 1, "guarantee", "Guarantee Id", guarantee))
        }
        claim.supportingInfo = Build.nonEmpty(info)
        claim.diagnosis = Build.nonEmpty(r.diagnoses.enumerated().map { index, icd in
            ClaimDiagnosis(
                sequence: FHIRPrimitive(FHIRPositiveInt(UInt32(clamping: index + 1))),
                diagnosis: .codeableConcept(Build.igConcept("diagnosis-ICD10-level1", icd.code, icd.name)))
        })
        claim.item = Build.nonEmpty(lines(details).enumerated().map { index, line in item(index + 1, line, r, context) })
        claim.total = Build.money(row.claimed, context)
        return claim
    }

    static func visitType(_ code: String?) -> CodeableConcept {
        let code = code ?? "O"
        return Build.igConcept("claim-visit-type", code, visitTypes[code])
    }

    static func supportingInfo(_ sequence: Int, _ code: String, _ display: String, _ text: String) -> ClaimSupportingInfo {
        ClaimSupportingInfo(
            sequence: FHIRPrimitive(FHIRPositiveInt(UInt32(clamping: sequence))),
            category: Build.igConcept("claim-supporting-info-category", code, display),
            value: .string(FHIRPrimitive(FHIRString(text))))
    }

    /// The medical reference of a line: `Medication/<uuid>` or `ActivityDefinition/<uuid>` and its code.
    static func medical(_ line: ClaimLine, _ r: ClaimRelations) -> (reference: Reference?, code: String) {
        switch line.kind {
        case .item:
            let item = r.items[line.medicalID]
            return (item.map { Build.reference("Medication", uuid: $0.uuid, display: $0.code) }, item?.code ?? "\(line.medicalID)")
        case .service:
            let service = r.services[line.medicalID]
            return (
                service.map { Build.reference("ActivityDefinition", uuid: $0.uuid, display: $0.code) },
                service?.code ?? "\(line.medicalID)"
            )
        }
    }

    /// One line: sequence, item reference extension, category, code, quantity and unit price. No
    /// `serviced[x]`: the IG profile has it `0..0` (the claim's dates are in `billablePeriod`).
    static func item(_ sequence: Int, _ line: ClaimLine, _ r: ClaimRelations, _ context: MappingContext) -> ClaimItem {
        let (reference, code) = medical(line, r)
        var item = ClaimItem(
            sequence: FHIRPrimitive(FHIRPositiveInt(UInt32(clamping: sequence))),
            productOrService: CodeableConcept(text: FHIRPrimitive(FHIRString(code))))
        item.extension = reference.map { [Build.ext("claim-item-reference", .reference($0))] }
        item.category = Build.igConcept("claim-item-category", line.kind.rawValue, line.kind == .item ? "Item" : "Service")
        item.quantity = Quantity(value: Build.decimal(line.quantityProvided))
        item.unitPrice = Build.money(line.priceAsked, context)
        return item
    }
}
