import Foundation
import GRDB

/// The demo dataset's rows the synthetic insurance refers to: product RX01, officer Jeb Roberts, Rapta District
/// Hospital, its claim administrator, diagnosis G44 and the general consultation service.
struct SyntheticInsuranceKeys: Sendable {
    var product: Int64
    var officer: Int64
    var hospital: Int64
    var claimAdmin: Int64
    var diagnosis: Int64
    var service: Int64

    /// The keys in the order product, officer, hospital, claim administrator, diagnosis, service; a clear error
    /// when one is missing (the demo dataset is not loaded).
    init(_ found: [Int64?]) throws {
        let keys = found.compactMap { $0 }
        guard keys.count == 6, found.count == 6 else {
            throw RegistryError.invalidValue("synthetic policies and claims need the demo dataset (--demo-dataset)")
        }
        (product, officer, hospital, claimAdmin, diagnosis, service) = (keys[0], keys[1], keys[2], keys[3], keys[4], keys[5])
    }
}

/// The insurance of synthetic families, for the export benchmark: one active policy per family on product RX01
/// (every member on it) paid by one contribution of its value, and one checked claim of one consultation line by
/// the family's head for every ``claimEvery`` families. Keys are explicit and follow the tables' largest; UUIDs
/// come from a generator of their own, so the families are those of the same seed without insurance.
struct SyntheticInsurance: Sendable {
    /// The rows made for one family.
    struct Rows {
        var policy: Policy
        var members: [InsureePolicy]
        var premium: Premium
        var claim: Claim?
        var line: ClaimLine?
    }

    /// Families per claim.
    static let claimEvery = 3

    let keys: SyntheticInsuranceKeys
    let now: Date
    var random: SplitMix64
    /// The next keys: policy, membership, contribution, claim, claim service line.
    var next: (policy: Int64, member: Int64, premium: Int64, claim: Int64, line: Int64) = (1, 1, 1, 1, 1)
    var families = 0

    init(keys: SyntheticInsuranceKeys, seed: UInt64, now: Date) {
        self.keys = keys
        self.now = now
        self.random = SplitMix64(seed: seed ^ 0x1A5C_0F7E_5EED)
    }

    /// The tables and key columns whose largest key the next keys follow, in the order of ``next``.
    static let keyColumns = [("tblPolicy", "PolicyID"), ("tblInsureePolicy", "InsureePolicyId"), ("tblPremium", "PremiumId"),
                             ("tblClaim", "ClaimID"), ("tblClaimServices", "ClaimServiceID")]

    /// Sets the next keys from the tables' largest (as `keys[i]` + 1).
    mutating func start(after largest: [Int64]) {
        let key = { (index: Int) -> Int64 in (largest.count > index ? largest[index] : 0) + 1 }
        next = (key(0), key(1), key(2), key(3), key(4))
    }

    /// `INSERT` of every column of a child table.
    static func insertSQL(_ table: ChildTable) -> String {
        "INSERT INTO \(table.table) (\(table.columns.joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    /// The policy, memberships, contribution and perhaps claim of `family`.
    mutating func rows(family: Family, members: [Insuree]) -> Rows {
        let start = LocalDate("2026-01-01")!, expiry = LocalDate("2026-12-31")!
        let policyID = next.policy
        next.policy += 1
        let policy = Policy(
            id: policyID, uuid: random.uuid(), familyID: family.id ?? 0, enrollDate: start, startDate: start,
            effectiveDate: start, expiryDate: expiry, status: PolicyStatus.active.rawValue, value: "1000.00",
            productID: keys.product, officerID: keys.officer, validityFrom: now)
        var memberships: [InsureePolicy] = []
        for member in members {
            memberships.append(InsureePolicy(
                id: next.member, insureeID: member.id ?? 0, policyID: policyID, enrollmentDate: start, startDate: start,
                effectiveDate: start, expiryDate: expiry, validityFrom: now))
            next.member += 1
        }
        let premium = Premium(
            id: next.premium, uuid: random.uuid(), policyID: policyID, amount: "1000.00", receipt: "SR\(next.premium)",
            payDate: start, createdDate: now, validityFrom: now)
        next.premium += 1
        var rows = Rows(policy: policy, members: memberships, premium: premium)
        families += 1
        if families % Self.claimEvery == 0, let head = members.first?.id {
            let claimID = next.claim
            next.claim += 1
            rows.claim = Claim(
                id: claimID, uuid: random.uuid(), insureeID: head, code: "SC\(claimID)", dateFrom: LocalDate("2026-03-02")!,
                icdID: keys.diagnosis, status: ClaimStatus.checked.rawValue, claimed: "40.00", approved: "40.00",
                dateClaimed: LocalDate("2026-03-03")!, rejectionReason: 0, hfID: keys.hospital,
                claimAdminID: keys.claimAdmin, visitType: "O", validityFrom: now)
            rows.line = ClaimLine(
                kind: .service, id: next.line, claimID: claimID, medicalID: keys.service, productID: keys.product,
                quantityProvided: "1.00", quantityApproved: "1.00", priceAsked: "40.00", priceApproved: "40.00",
                policyID: policyID, priceOrigin: "P", validityFrom: now)
            next.line += 1
        }
        return rows
    }
}
