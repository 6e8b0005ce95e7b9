import FHIRModels
import Foundation
import IMISData

/// Coverage ← Policy (reference §3.3; mapping.md resource map; IG profile `openimis-coverage`,
/// example `JoeDoeCoverage`).
public enum CoverageMapping {
    /// `PolicyStatus` → `Coverage.status` (mapping.md): Idle and Ready are drafts, Active and
    /// Expired are active (an expired policy shows its ended period), Suspended is cancelled.
    public static func status(_ policy: Policy) -> FinancialResourceStatusCodes {
        switch PolicyStatus(rawValue: policy.status) {
        case .active, .expired: return .active
        case .suspended: return .cancelled
        case .idle, .ready, nil: return .draft
        }
    }

    /// Renders a policy: identifier `UUID`, status, policy holder / payor / beneficiary = the
    /// family's head (the IG has one beneficiary per Coverage; members are listed by Contract),
    /// period = StartDate…ExpiryDate, class `plan` = product code and name, and two `coverage-date`
    /// extensions: EnrollDate then EffectiveDate (the IG's slices, in that order).
    public static func coverage(
        _ versioned: Versioned<Policy>, head: Insuree?, product: Product?, context: MappingContext
    ) -> Coverage {
        let policy = versioned.record
        let holder = head.map { Build.reference("Patient", uuid: $0.uuid, display: $0.chfid) }
        let fallback = Reference(display: "family without a current head")
        var coverage = Coverage(
            id: policy.uuid.lowercased(), meta: Build.meta(versioned),
            status: FHIRPrimitive(status(policy)), beneficiary: holder ?? fallback,
            payor: [holder ?? fallback])
        coverage.identifier = [Build.identifier("UUID", policy.uuid.lowercased(), system: context.identifierSystem(.uuid))]
        coverage.policyHolder = holder
        coverage.period = Period(start: Build.dateTime(policy.startDate), end: Build.dateTime(policy.expiryDate))
        var dates = [Build.ext("coverage-date", .date(Build.date(policy.enrollDate)))]
        if let effective = policy.effectiveDate {
            dates.append(Build.ext("coverage-date", .date(Build.date(effective))))
        }
        coverage.extension = dates
        if let product {
            coverage.class = [
                CoverageClass(
                    type: Build.concept("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", "Plan"),
                    value: FHIRPrimitive(FHIRString(product.code)), name: Build.string(product.name))
            ]
        }
        return coverage
    }
}
