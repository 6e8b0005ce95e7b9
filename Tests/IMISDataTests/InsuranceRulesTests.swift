import Foundation
import Testing
@testable import IMISData

/// The enrolment, policy value, activation and claim rules of ``InsuranceRules``, called directly at their boundaries.
@Suite struct InsuranceRulesTests {
    static let start = LocalDate("2024-03-15")!

    /// A product sold through 2024: adults 100, children 40, registration 5 and assembly 2 a member.
    func product(lumpSum: String = "0.00", threshold: Int? = nil, registrationLumpSum: String? = nil,
                 generalAssemblyLumpSum: String? = nil) -> Product {
        Product(code: "P1", name: "P1", dateFrom: LocalDate("2024-01-01")!, dateTo: LocalDate("2024-12-31")!,
                lumpSum: lumpSum, memberCount: 10, premiumAdult: "100", premiumChild: "40",
                registrationLumpSum: registrationLumpSum, registrationFee: "5", generalAssemblyLumpSum: generalAssemblyLumpSum,
                generalAssemblyFee: "2", threshold: threshold)
    }

    func policy(start: LocalDate = start, status: PolicyStatus = .idle, value: String? = nil, stage: String? = "N") -> Policy {
        Policy(familyID: 1, enrollDate: start, startDate: start, expiryDate: LocalDate("2025-03-14")!, status: status.rawValue,
               value: value, productID: 1, stage: stage)
    }

    func member(_ id: Int64, born: String) -> Insuree {
        Insuree(id: id, familyID: 1, chfid: "10000000\(id)", lastName: "M", otherNames: "M", dob: LocalDate(born)!)
    }

    func premium(_ amount: String, on day: String, photoFee: Bool = false) -> Premium {
        Premium(amount: amount, receipt: "R", payDate: LocalDate(day)!, isPhotoFee: photoFee)
    }

    // MARK: Age

    @Test func aMemberTurnsAYearOlderOnTheBirthdayNotTheDayBefore() {
        let birth = LocalDate("2006-03-15")!
        #expect(InsuranceRules.age(birth, on: LocalDate("2024-03-14")!) == 17)
        #expect(InsuranceRules.age(birth, on: LocalDate("2024-03-15")!) == 18)
    }

    // MARK: Policy value

    @Test func withoutALumpSumEveryAdultAndChildPaysItsPremiumPlusRegistrationAndAssemblyFees() throws {
        // One adult who turns 18 on the start date, one child who turns 18 the day after.
        let value = try InsuranceRules.policyValue(product: product(), birthDates: [LocalDate("2006-03-15")!, LocalDate("2006-03-16")!],
                                                   startDate: Self.start, stage: "N")
        #expect(DecimalText.string(value) == "154.00") // 100 + 40 + 2 × 5 + 2 × 2
    }

    @Test func aRenewalPaysNoRegistrationFee() throws {
        let value = try InsuranceRules.policyValue(product: product(), birthDates: [LocalDate("1980-01-01")!],
                                                   startDate: Self.start, stage: "R")
        #expect(DecimalText.string(value) == "102.00") // 100 + 2
    }

    @Test func theLumpSumCoversThresholdMembersAdultsFirstAndEachMemberAbovePaysItsPremium() throws {
        let births = [LocalDate("1980-01-01")!, LocalDate("1982-01-01")!, LocalDate("2015-01-01")!, LocalDate("2016-01-01")!]
        let value = try InsuranceRules.policyValue(product: product(lumpSum: "300", threshold: 3), birthDates: births,
                                                   startDate: Self.start, stage: "R")
        // Two adults and one child within the threshold; the second child pays.
        #expect(DecimalText.string(value) == "348.00") // 300 + 40 + 4 × 2
        let withinThreshold = try InsuranceRules.policyValue(product: product(lumpSum: "300", threshold: 4), birthDates: births,
                                                             startDate: Self.start, stage: "R")
        #expect(DecimalText.string(withinThreshold) == "308.00") // 300 + 4 × 2
    }

    @Test func registrationAndAssemblyLumpSumsReplaceThePerMemberFees() throws {
        let value = try InsuranceRules.policyValue(
            product: product(registrationLumpSum: "7", generalAssemblyLumpSum: "3"),
            birthDates: [LocalDate("1980-01-01")!, LocalDate("1981-01-01")!], startDate: Self.start, stage: nil)
        #expect(DecimalText.string(value) == "210.00") // 2 × 100 + 7 + 3
    }

    // MARK: Enrolment

    @Test func enrolmentIsRefusedOutsideTheProductsSalePeriodAndAcceptedOnItsLastDay() throws {
        let family = [member(1, born: "1980-01-01")]
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(start: LocalDate("2023-12-31")!), product: product(), family: family,
                                         members: [], overlapping: nil)
        }
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(start: LocalDate("2025-01-01")!), product: product(), family: family,
                                         members: [], overlapping: nil)
        }
        let lastDay = try InsuranceRules.enrolment(policy: policy(start: LocalDate("2024-12-31")!), product: product(),
                                                   family: family, members: [], overlapping: nil)
        #expect(lastDay.row.startDate == LocalDate("2024-12-31")!)
    }

    @Test func enrolmentIsRefusedForAnOverlappingPolicyAFamilyWithoutMembersOrAStranger() {
        let family = [member(1, born: "1980-01-01")]
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(), product: product(), family: family, members: [], overlapping: policy())
        }
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(), product: product(), family: [], members: [], overlapping: nil)
        }
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(), product: product(), family: family, members: [2], overlapping: nil)
        }
    }

    @Test func enrolmentCoversTheChosenMembersOrAllAndComputesTheValueOfThoseItCovers() throws {
        let family = [member(1, born: "1980-01-01"), member(2, born: "2015-01-01")]
        let all = try InsuranceRules.enrolment(policy: policy(status: .active), product: product(), family: family,
                                               members: [], overlapping: nil)
        #expect(all.members.map(\.id) == [1, 2])
        #expect(all.row.status == PolicyStatus.idle.rawValue)
        #expect(all.row.effectiveDate == nil)
        #expect(all.row.value == "154.00")
        let child = try InsuranceRules.enrolment(policy: policy(), product: product(), family: family, members: [2], overlapping: nil)
        #expect(child.members.map(\.id) == [2])
        #expect(child.row.value == "47.00")
    }

    @Test func aGivenPolicyValueIsKeptAndMustBeADecimal() throws {
        let family = [member(1, born: "1980-01-01")]
        let given = try InsuranceRules.enrolment(policy: policy(value: "12.50"), product: product(), family: family,
                                                 members: [], overlapping: nil)
        #expect(given.row.value == "12.50")
        #expect(throws: RegistryError.self) {
            try InsuranceRules.enrolment(policy: policy(value: "twelve"), product: product(), family: family, members: [], overlapping: nil)
        }
    }

    // MARK: Activation

    @Test func anIdlePolicyBecomesActiveOnTheDayItsContributionsReachTheValue() throws {
        let contributions = [premium("60", on: "2024-03-20"), premium("40", on: "2024-04-02"), premium("10", on: "2024-05-01")]
        let active = try #require(try InsuranceRules.afterContributions(policy(value: "100"), contributions: contributions))
        #expect(active.status == PolicyStatus.active.rawValue)
        #expect(active.effectiveDate == LocalDate("2024-04-02")!)
    }

    @Test func oneUnitShortLeavesThePolicyIdle() throws {
        let contributions = [premium("60", on: "2024-03-20"), premium("39.99", on: "2024-04-02")]
        #expect(try InsuranceRules.afterContributions(policy(value: "100"), contributions: contributions) == nil)
    }

    @Test func photoFeesDoNotCountTowardsTheValue() throws {
        let contributions = [premium("60", on: "2024-03-20"), premium("40", on: "2024-04-02", photoFee: true)]
        #expect(try InsuranceRules.afterContributions(policy(value: "100"), contributions: contributions) == nil)
    }

    @Test func aPolicyPaidBeforeItStartsIsEffectiveFromItsStart() throws {
        let active = try #require(try InsuranceRules.afterContributions(policy(value: "100"),
                                                                        contributions: [premium("100", on: "2024-03-01")]))
        #expect(active.effectiveDate == Self.start)
    }

    @Test func aReadyPolicyIsActivatedButSuspendedAndExpiredOnesAreLeftAlone() throws {
        let paid = [premium("100", on: "2024-03-20")]
        #expect(try InsuranceRules.afterContributions(policy(status: .ready, value: "100"), contributions: paid)?.status
                    == PolicyStatus.active.rawValue)
        #expect(try InsuranceRules.afterContributions(policy(status: .suspended, value: "100"), contributions: paid) == nil)
        #expect(try InsuranceRules.afterContributions(policy(status: .expired, value: "100"), contributions: paid) == nil)
    }

    @Test func anActivePolicyNoLongerCoveredReturnsToIdleWithoutAnEffectiveDate() throws {
        var active = policy(status: .active, value: "100")
        active.effectiveDate = Self.start
        let idle = try #require(try InsuranceRules.afterContributions(active, contributions: [premium("50", on: "2024-03-20")]))
        #expect(idle.status == PolicyStatus.idle.rawValue)
        #expect(idle.effectiveDate == nil)
        #expect(try InsuranceRules.afterContributions(active, contributions: [premium("100", on: "2024-03-20")]) == nil)
    }

    @Test func aPolicyOfNoValueIsActiveFromItsStartWithoutContributions() throws {
        let active = try #require(try InsuranceRules.afterContributions(policy(value: "0"), contributions: []))
        #expect(active.status == PolicyStatus.active.rawValue)
        #expect(active.effectiveDate == Self.start)
    }

    // MARK: Claim submission

    func claim(code: String = "C1", from: String = "2024-03-15", to: String? = nil, claimed: String? = nil) -> Claim {
        Claim(insureeID: 1, code: code, dateFrom: LocalDate(from)!, dateTo: to.map { LocalDate($0)! }, icdID: 1,
              claimed: claimed, dateClaimed: LocalDate(from)!, hfID: 1)
    }

    func line(_ kind: MedicalKind, _ quantity: String, _ price: String) -> ClaimLine {
        ClaimLine(kind: kind, medicalID: 1, quantityProvided: quantity, priceAsked: price)
    }

    @Test func theClaimedTotalIsTheSumOfQuantityTimesPriceOverItemsAndServices() throws {
        let (row, lines) = try InsuranceRules.claimSubmission(claim(), items: [line(.item, "2", "10.50")],
                                                              services: [line(.service, "1", "30")])
        #expect(row.claimed == "51.00")
        #expect(lines.map(\.1) == [.item, .service])
        let given = try InsuranceRules.claimSubmission(claim(claimed: "5.00"), items: [line(.item, "2", "10.50")], services: [])
        #expect(given.row.claimed == "5.00")
    }

    @Test func aClaimMayEndOnItsStartDayButNotBefore() throws {
        _ = try InsuranceRules.claimSubmission(claim(to: "2024-03-15"), items: [line(.item, "1", "1")], services: [])
        #expect(throws: RegistryError.self) {
            try InsuranceRules.claimSubmission(claim(to: "2024-03-14"), items: [line(.item, "1", "1")], services: [])
        }
    }

    @Test func aClaimWithoutCodeLinesOrWithANonDecimalAmountIsRefused() {
        #expect(throws: RegistryError.self) {
            try InsuranceRules.claimSubmission(claim(code: ""), items: [line(.item, "1", "1")], services: [])
        }
        #expect(throws: RegistryError.self) { try InsuranceRules.claimSubmission(claim(), items: [], services: []) }
        #expect(throws: RegistryError.self) {
            try InsuranceRules.claimSubmission(claim(), items: [line(.item, "one", "1")], services: [])
        }
        #expect(throws: RegistryError.self) {
            try InsuranceRules.claimSubmission(claim(claimed: "lots"), items: [line(.item, "1", "1")], services: [])
        }
    }
}
