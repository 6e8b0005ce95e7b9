import FHIRModels
import Foundation
import IMISData

/// One policy as the eligibility answer sees it.
public struct EligibilityPolicy: Sendable, Hashable {
    public var policy: Policy
    public var product: Product
    public var usage: BenefitUsage
    /// The requested items and services with the product's coverage of them (nil: not covered).
    public var requested: [(kind: MedicalKind, code: String, medicalID: Int64?, coverage: ProductCoverage?)]

    public static func == (a: Self, b: Self) -> Bool { a.policy == b.policy && a.product == b.product && a.usage == b.usage }
    public func hash(into hasher: inout Hasher) { hasher.combine(policy) }
}

/// CoverageEligibilityResponse for an enquiry (reference §3.8; IG profile
/// `openimis-coverage-eligibility-response`): per active policy, the benefit package with what is
/// left of the product's limits after what the insuree used, and whether each requested item or
/// service is covered.
public enum EligibilityMapping {
    /// `ServCategory` counts and the benefit types that show what is left of them.
    static func countLimits(_ product: Product) -> [(category: String, type: String, limit: Int?)] {
        [
            ("H", "admissions_left", product.maxHospitalizations), ("V", "visits_left", product.maxVisits),
            ("C", "consultations_left", product.maxConsultations), ("S", "surgeries_left", product.maxSurgeries),
            ("D", "deliveries_left", product.maxDeliveries), ("A", "antenatal_left", product.maxAntenatal),
        ]
    }

    static func amountLimits(_ product: Product) -> [(type: String, limit: String?)] {
        [
            ("hospitalization_amount", product.maxAmountHospitalization), ("consultation_amount", product.maxAmountConsultation),
            ("surgery_amount", product.maxAmountSurgery), ("delivery_amount", product.maxAmountDelivery),
            ("antenatal_amount", product.maxAmountAntenatal),
        ]
    }

    public static func response(
        insuree: Insuree, policies: [EligibilityPolicy], created: LocalDate, context: MappingContext
    ) -> CoverageEligibilityResponse {
        var response = CoverageEligibilityResponse(
            status: FHIRPrimitive(.active), purpose: [FHIRPrimitive(.benefits)],
            patient: Build.reference("Patient", uuid: insuree.uuid, display: insuree.chfid),
            created: Build.dateTime(created), request: Reference(display: "CoverageEligibilityRequest"),
            outcome: FHIRPrimitive(.complete), insurer: context.insurerReference)
        response.insurance = Build.nonEmpty(policies.map { insurance($0, context) })
        if policies.isEmpty {
            response.disposition = FHIRPrimitive(FHIRString("No active policy on \(created)"))
        }
        return response
    }

    static func insurance(_ p: EligibilityPolicy, _ context: MappingContext) -> CoverageEligibilityResponseInsurance {
        var benefits: [CoverageEligibilityResponseInsuranceItemBenefit] = []
        for (category, type, limit) in countLimits(p.product) {
            guard let max = limit, max > 0 else { continue }
            let left = Swift.max(0, max - (p.usage.claimsByCategory[category] ?? 0))
            benefits.append(benefit(type, .unsignedInt(FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: left))))))
        }
        for (type, limit) in amountLimits(p.product) {
            guard let text = limit, let money = Build.money(text, context), Decimal(string: text) ?? 0 > 0
            else { continue }
            benefits.append(benefit(type, .money(money)))
        }
        var package = CoverageEligibilityResponseInsuranceItem(
            category: Build.igConcept("coverage-item-category", "benefit", "Benefit Package"),
            name: Build.string(p.product.name), description: Build.string(p.product.code))
        package.benefit = Build.nonEmpty(benefits)
        var items = [package]
        for requested in p.requested {
            var item = CoverageEligibilityResponseInsuranceItem(
                category: Build.igConcept("coverage-item-category", requested.kind.rawValue, requested.kind == .item ? "Item" : "Service"),
                productOrService: CodeableConcept(text: FHIRPrimitive(FHIRString(requested.code))))
            item.excluded = FHIRPrimitive(requested.coverage == nil)
            if let coverage = requested.coverage, let limit = coverage.limitNoAdult, let id = requested.medicalID {
                let used = (requested.kind == .item ? p.usage.items[id] : p.usage.services[id])?.quantity ?? 0
                let left = Swift.max(0, Decimal(limit) - used)
                let type = requested.kind == .item ? "item_left" : "service_left"
                item.benefit = [benefit(type, .unsignedInt(FHIRPrimitive(FHIRUnsignedInt(UInt32(truncating: left as NSDecimalNumber)))))]
            }
            items.append(item)
        }
        return CoverageEligibilityResponseInsurance(
            coverage: Build.reference("Coverage", uuid: p.policy.uuid), inforce: true,
            benefitPeriod: Period(start: Build.dateTime(p.policy.startDate), end: Build.dateTime(p.policy.expiryDate)),
            item: items)
    }

    static func benefit(_ type: String, _ allowed: CoverageEligibilityResponseInsuranceItemBenefitAllowed)
        -> CoverageEligibilityResponseInsuranceItemBenefit
    {
        var benefit = CoverageEligibilityResponseInsuranceItemBenefit(
            type: Build.igConcept("coverage-item-benefit-type", type))
        benefit.allowed = allowed
        return benefit
    }
}
