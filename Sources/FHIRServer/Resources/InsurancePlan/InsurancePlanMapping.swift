import FHIRModels
import Foundation
import IMISData

/// InsurancePlan ← `tblProduct` (reference §3.13; IG profile `openimis-insurance-plan`,
/// example `RX01`).
public enum InsurancePlanMapping {
    /// Renders a product: identifiers `UUID` + `Code` (`ProductCode`), `status` (draft before
    /// `DateFrom`, active until `DateTo`, retired after it or when the row is closed), `type`
    /// medical, `name`, `period` (`DateFrom`…`DateTo`), `coverageArea` (the product's region or
    /// district; absent for national products), the benefit limits `period` (`InsurancePeriod`
    /// months) and `memberCount`, the general costs (`LumpSum` with `Threshold` as group size,
    /// premiums, registration and general-assembly amounts, as exact decimals in the configured
    /// currency), and extensions `insurance-plan-conversion`, `insurance-plan-max-installments`,
    /// `insurance-plan-start-cycle` (one `valueString` per non-empty `StartCycle1..4`),
    /// `insurance-plan-period` (grace periods) and `insurance-plan-discount` (percentages).
    ///
    /// The IG slices `insurance-plan-period` and `insurance-plan-discount` several times under one
    /// URL; each instance carries the slice name as `Extension.id` (`gracePeriodPayment`,
    /// `gracePeriodRenewal`, `gracePeriodEnrolment`, `renewalDiscount`, `enrolmentDiscount`) so
    /// that readers can tell them apart.
    ///
    /// - Parameter asOf: the day the status is computed for (today).
    public static func insurancePlan(
        _ versioned: Versioned<Product>, coverageArea: IMISData.Location?, conversionProduct: Product?,
        asOf: LocalDate, context: MappingContext
    ) -> InsurancePlan {
        let product = versioned.record
        var plan = InsurancePlan(id: product.uuid.lowercased(), meta: Build.meta(versioned))
        plan.extension = Build.nonEmpty(extensions(product, conversionProduct))
        plan.identifier = Build.identifiers(uuid: product.uuid, code: product.code, kind: .productCode, context)
        plan.status = FHIRPrimitive(status(product, asOf: asOf))
        let medical = Build.concept(HL7System.insurancePlanType, "medical", "Medical")
        plan.type = [medical]
        plan.name = Build.string(product.name)
        plan.period = Period(start: Build.dateTime(product.dateFrom), end: Build.dateTime(product.dateTo))
        if let area = coverageArea {
            plan.coverageArea = [Build.reference("Location", uuid: area.uuid, display: area.code)]
        }
        let limitSystem = "insurance-plan-coverage-benefit-limit"
        plan.coverage = [
            InsurancePlanCoverage(type: medical, benefit: [
                InsurancePlanCoverageBenefit(type: medical, limit: [
                    InsurancePlanCoverageBenefitLimit(
                        value: Quantity(value: Build.decimal(product.insurancePeriod), unit: Build.string("month")),
                        code: Build.igConcept(limitSystem, "period", "Period")),
                    InsurancePlanCoverageBenefitLimit(
                        value: Quantity(value: Build.decimal(product.memberCount), unit: Build.string("member")),
                        code: Build.igConcept(limitSystem, "memberCount", "Member Count")),
                ])
            ])
        ]
        plan.plan = [InsurancePlanPlan(generalCost: Build.nonEmpty(generalCosts(product, context)))]
        return plan
    }

    /// draft / active / retired by the sale period (as the backend computes it).
    public static func status(_ product: Product, asOf: LocalDate) -> PublicationStatus {
        if !product.isCurrent || asOf > product.dateTo { return .retired }
        return asOf < product.dateFrom ? .draft : .active
    }

    static func generalCosts(_ product: Product, _ context: MappingContext) -> [InsurancePlanPlanGeneralCost] {
        let system = "insurance-plan-general-cost-type"
        let amounts: [(String, String, String?)] = [
            ("lumpsum", "Lumpsum", product.lumpSum),
            ("premiumAdult", "Premium Adult", product.premiumAdult),
            ("premiumChild", "Premium Child", product.premiumChild),
            ("registrationLumpsum", "Registration Lumpsum", product.registrationLumpSum),
            ("registrationFee", "Registration Fee", product.registrationFee),
            ("generalAssemblyLumpSum", "General Assembly Lump Sum", product.generalAssemblyLumpSum),
            ("generalAssemblyFee", "General Assembly Fee", product.generalAssemblyFee),
        ]
        return amounts.compactMap { code, display, amount in
            guard let money = Build.money(amount, context) else { return nil }
            var cost = InsurancePlanPlanGeneralCost(type: Build.igConcept(system, code, display), cost: money)
            if code == "lumpsum", let threshold = product.threshold, threshold > 0 {
                cost.groupSize = FHIRPrimitive(FHIRPositiveInt(UInt32(clamping: threshold)))
            }
            return cost
        }
    }

    static func extensions(_ product: Product, _ conversion: Product?) -> [Extension] {
        typealias X = OpenIMISIG.Ext
        var result: [Extension] = []
        if let conversion {
            result.append(Build.ext(X.insurancePlanConversion, .reference(
                Build.reference("InsurancePlan", uuid: conversion.uuid, display: conversion.code))))
        }
        if let installments = product.maxInstallments, installments >= 0 {
            result.append(Build.ext(X.insurancePlanMaxInstallments, .unsignedInt(
                FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: installments))))))
        }
        for cycle in product.startCycles {
            guard let text = Build.string(cycle) else { continue }
            result.append(Build.ext(X.insurancePlanStartCycle, .string(text)))
        }
        let periods: [(String, Int?)] = [
            ("gracePeriodPayment", product.waitingPeriod), ("gracePeriodRenewal", product.gracePeriodRenewal),
            ("gracePeriodEnrolment", product.gracePeriod),
        ]
        for (slice, count) in periods {
            guard let count else { continue }
            var ext = Build.ext(X.insurancePlanPeriod, .quantity(months(count)))
            ext.id = slice
            result.append(ext)
        }
        let discounts: [(String, Int?)] = [
            ("renewalDiscount", product.renewalDiscountPercent), ("enrolmentDiscount", product.enrolmentDiscountPercent),
        ]
        for (slice, percent) in discounts {
            guard let percent else { continue }
            var ext = Build.ext(X.insurancePlanDiscount, parts: [
                Extension(url: "Percentage", value: .decimal(Build.decimal(percent)))
            ])
            ext.id = slice
            result.append(ext)
        }
        return result
    }

    static func months(_ value: Int) -> Quantity {
        Quantity(value: Build.decimal(value), unit: Build.string("months"))
    }
}
