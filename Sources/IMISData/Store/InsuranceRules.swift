import Foundation

/// The openIMIS business rules the insurance store applies.
///
/// **Overlap** (enrolment): a family may not hold two current policies on the same product whose periods
/// (`StartDate`...`ExpiryDate`, inclusive) overlap, whatever their status; the enrolment is refused with
/// `RegistryError.invalidValue`. The start date must also fall within the product's sale period
/// (`DateFrom`...`DateTo`), and every member must be a current member of the family.
///
/// **Policy value** (when the enrolment leaves `PolicyValue` empty), after openIMIS's `uspPolicyValue` without
/// its discounts: with a lump sum, `LumpSum` covers `Threshold` members and each member above it pays
/// `PremiumAdult` (adults first) or `PremiumChild`; without one, every member pays `PremiumAdult` or
/// `PremiumChild`. A new policy (stage `N`) adds `RegistrationLumpSum`, else `RegistrationFee` per member; every
/// policy adds `GeneralAssemblyLumpSum`, else `GeneralAssemblyFee` per member. Adults are 18 or older on
/// the start date. Enrolment and renewal discounts are not applied.
///
/// **Activation**: a policy whose current contributions (photo fees excluded) add up to at least its
/// `PolicyValue` is active (`PolicyStatus` 2). Its `EffectiveDate` (and that of its `tblInsureePolicy` rows) is
/// the later of `StartDate` and the `PayDate` of the contribution that completed the value. Only idle (1) and
/// ready (16) policies are activated; suspended and expired ones are left alone. The status change is a
/// versioned update (a history row), so Coverage history shows it.
///
/// **Payment** (`recordPayment`): one transaction inserts `tblPaymentInvoice`, one `tblDetailPaymentInvoice`
/// (status accepted) and the notice identifier. When the invoice has `policy` lines it is a contribution invoice:
/// the amount is credited to those policies as `tblPremium` rows (each line up to its total, the rest to the
/// last line), then the activation rule runs. When the accepted payments of the invoice reach `AmountTotal`, the
/// invoice becomes paid (2) with `DatePayed`. Payments of draft, cancelled or deleted invoices, or in another
/// currency, are refused. A second request with the same identifier writes nothing and returns the first
/// payment; if it names another invoice or amount it is refused with `RegistryError.conflict`.
///
/// **Cancellation** (`cancelPayment`): the payment becomes `ReconciliationStatus` 3 and its details `Status` 3;
/// the contributions it wrote are closed (versioned delete); a paid invoice no longer covered returns to
/// validated (1); an active policy no longer covered returns to idle (1) with no `EffectiveDate`. The identifier
/// stays recorded, so a replayed notice does not pay again.
public enum InsuranceRules {
    /// The age from which a member pays the adult premium.
    public static let adultAge = 18

    /// The policy value of `product` for members born on `birthDates`, starting on `startDate`.
    public static func policyValue(product: Product, birthDates: [LocalDate], startDate: LocalDate,
                                   stage: String?) throws -> Decimal {
        func amount(_ text: String?) throws -> Decimal { try text.map { try DecimalText.require($0, "product amount") } ?? 0 }
        let adults = birthDates.filter { age($0, on: startDate) >= adultAge }.count
        let children = birthDates.count - adults
        let (adult, child) = (try amount(product.premiumAdult), try amount(product.premiumChild))
        let lumpSum = try amount(product.lumpSum)
        var value: Decimal
        if lumpSum > 0 {
            let threshold = max(0, product.threshold ?? 0)
            let adultsOver = max(0, adults - threshold)
            let childrenOver = max(0, children - max(0, threshold - adults))
            value = lumpSum + Decimal(adultsOver) * adult + Decimal(childrenOver) * child
        } else {
            value = Decimal(adults) * adult + Decimal(children) * child
        }
        let members = Decimal(birthDates.count)
        if stage == nil || stage == "N" {
            let registration = try amount(product.registrationLumpSum)
            value += registration > 0 ? registration : members * (try amount(product.registrationFee))
        }
        let assembly = try amount(product.generalAssemblyLumpSum)
        value += assembly > 0 ? assembly : members * (try amount(product.generalAssemblyFee))
        return value
    }

    /// Whole years from `birth` to `date`.
    /// The enrolment rules every store applies once it has read the product, the family's current members and any
    /// policy of the family on the product that overlaps the new one: the product is sold on the start date, the
    /// chosen members (all when `members` is empty) belong to the family, nothing overlaps; the answer is the row to
    /// insert (idle, with its value computed unless given) and the members it covers.
    public static func enrolment(policy: Policy, product: Product, family: [Insuree], members: [Int64],
                                 overlapping: Policy?) throws -> (row: Policy, members: [Insuree]) {
        guard product.dateFrom <= policy.startDate, policy.startDate <= product.dateTo else {
            throw RegistryError.invalidValue("product \(product.code) is not sold on \(policy.startDate)")
        }
        guard !family.isEmpty else { throw RegistryError.invalidReference("family \(policy.familyID) has no current members") }
        let chosen = members.isEmpty ? family : try members.map { id in
            guard let member = family.first(where: { $0.id == id }) else {
                throw RegistryError.invalidValue("insuree \(id) is not a current member of the family")
            }
            return member
        }
        if let overlapping {
            throw RegistryError.invalidValue("""
                the family already has a policy on product \(product.code) from \(overlapping.startDate) to \
                \(overlapping.expiryDate) that overlaps the new one
                """)
        }
        var row = policy
        row.status = PolicyStatus.idle.rawValue
        row.effectiveDate = nil
        if let value = row.value {
            _ = try DecimalText.require(value, "PolicyValue")
        } else {
            row.value = DecimalText.string(try policyValue(
                product: product, birthDates: chosen.map(\.dob), startDate: row.startDate, stage: row.stage))
        }
        return (row, chosen)
    }

    /// The activation rule: an idle or ready policy its contributions cover (photo fees aside) becomes active from
    /// the day the cover was reached; an active one they no longer cover returns to idle. Nil when the status stays.
    public static func afterContributions(_ policy: Policy, contributions: [Premium]) throws -> Policy? {
        var policy = policy
        let value = try DecimalText.require(policy.value ?? "0", "PolicyValue")
        var paid = Decimal(0)
        var completedOn: LocalDate?
        for premium in contributions where !premium.isPhotoFee {
            paid += try DecimalText.require(premium.amount, "Amount")
            if completedOn == nil && paid >= value { completedOn = premium.payDate }
        }
        if value <= 0 { completedOn = policy.startDate }
        let status = policy.policyStatus
        if let completedOn, status == .idle || status == .ready {
            policy.status = PolicyStatus.active.rawValue
            policy.effectiveDate = max(completedOn, policy.startDate)
        } else if completedOn == nil, status == .active {
            policy.status = PolicyStatus.idle.rawValue
            policy.effectiveDate = nil
        } else {
            return nil
        }
        return policy
    }

    /// The claim row to store and its lines: a code, an end not before the start, at least one line, and the claimed
    /// total computed from the lines unless given.
    public static func claimSubmission(_ claim: Claim, items: [ClaimLine], services: [ClaimLine]) throws
        -> (row: Claim, lines: [(ClaimLine, MedicalKind)]) {
        guard !claim.code.isEmpty else { throw RegistryError.invalidValue("ClaimCode is empty") }
        guard claim.dateTo.map({ $0 >= claim.dateFrom }) ?? true else {
            throw RegistryError.invalidValue("the claim ends before it starts")
        }
        let all = items.map { ($0, MedicalKind.item) } + services.map { ($0, MedicalKind.service) }
        guard !all.isEmpty else { throw RegistryError.invalidValue("a claim needs at least one item or service") }
        var total = Decimal(0)
        for (line, _) in all {
            total += try DecimalText.require(line.quantityProvided, "QtyProvided") * DecimalText.require(line.priceAsked, "PriceAsked")
        }
        var row = claim
        if let claimed = row.claimed { _ = try DecimalText.require(claimed, "Claimed") } else { row.claimed = DecimalText.string(total) }
        return (row, all)
    }

    public static func age(_ birth: LocalDate, on date: LocalDate) -> Int {
        let years = date.year - birth.year
        return (date.month, date.day) < (birth.month, birth.day) ? years - 1 : years
    }
}
