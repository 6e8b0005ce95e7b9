import Foundation
import GRDB

extension SQLiteRegistryStore: InsuranceStore {
    /// See `InsuranceStore.policies(familyID:)`.
    public func policies(familyID: Int64) throws -> [Versioned<Policy>] {
        try database.read { db in try Self.policies(db, familyID: familyID) }
    }

    /// See `InsuranceStore.activePolicies(insureeID:on:)`.
    public func activePolicies(insureeID: Int64, on date: LocalDate) throws -> [Versioned<Policy>] {
        try database.read { db in
            try RegistrySQL.all(db, Policy.self, where: """
                t.ValidityTo IS NULL AND t.PolicyStatus = 2 AND t.PolicyID IN (SELECT ip.PolicyId FROM tblInsureePolicy ip
                WHERE ip.InsureeId = ? AND ip.ValidityTo IS NULL)
                AND COALESCE(t.EffectiveDate, t.StartDate) <= ? AND t.ExpiryDate >= ?
                """, [insureeID, date.databaseText, date.databaseText],
                suffix: " ORDER BY t.EffectiveDate DESC, t.PolicyID DESC")
        }
    }

    /// See `InsuranceStore.policyMembers(policyID:)`.
    public func policyMembers(policyID: Int64) throws -> [InsureePolicy] {
        try database.read { db in try Self.policyMembers(db, policyID: policyID) }
    }

    /// See `InsuranceStore.contributions(policyID:)`.
    public func contributions(policyID: Int64) throws -> [Versioned<Premium>] {
        try database.read { db in try Self.contributions(db, policyID: policyID) }
    }

    /// See `InsuranceStore.contributionTotal(policyID:)`.
    public func contributionTotal(policyID: Int64) throws -> Decimal {
        try database.read { db in
            try DecimalText.sum(Self.contributions(db, policyID: policyID).filter { !$0.isPhotoFee }.map(\.amount))
        }
    }

    /// See `InsuranceStore.enrolFamily(policy:members:contributions:)`.
    public func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium]) async throws -> PolicyEnrolment {
        let now = clock.now()
        return try await database.write { db in
            try Self.enrolFamily(db, policy: policy, members: members, contributions: contributions, now: now)
        }
    }

    // MARK: Inside a transaction

    static func policies(_ db: Database, familyID: Int64) throws -> [Versioned<Policy>] {
        try RegistrySQL.all(db, Policy.self, where: "t.FamilyID = ? AND t.ValidityTo IS NULL", [familyID],
                            suffix: " ORDER BY t.StartDate DESC, t.PolicyID DESC")
    }

    static func policyMembers(_ db: Database, policyID: Int64) throws -> [InsureePolicy] {
        try InsureePolicy.table.all(db, where: "t.PolicyId = ? AND t.ValidityTo IS NULL", [policyID],
                                    suffix: " ORDER BY t.InsureeId", InsureePolicy.init(row:))
    }

    static func contributions(_ db: Database, policyID: Int64) throws -> [Versioned<Premium>] {
        try RegistrySQL.all(db, Premium.self, where: "t.PolicyID = ? AND t.ValidityTo IS NULL", [policyID],
                            suffix: " ORDER BY t.PayDate, t.PremiumId")
    }

    static func enrolFamily(_ db: Database, policy: Policy, members: [Int64], contributions: [Premium],
                            now: Date) throws -> PolicyEnrolment {
        guard policy.startDate <= policy.expiryDate else {
            throw RegistryError.invalidValue("the policy's start date is after its expiry date")
        }
        guard let product = try RegistrySQL.byID(db, Product.self, policy.productID)?.record else {
            throw RegistryError.invalidReference("product \(policy.productID) is not current")
        }
        let family = try RegistrySQL.all(db, Insuree.self, where: "t.FamilyID = ? AND t.ValidityTo IS NULL",
                                         [policy.familyID], suffix: " ORDER BY t.IsHead DESC, t.InsureeID")
        let overlapping = try RegistrySQL.one(db, Policy.self, where: """
            t.FamilyID = ? AND t.ProdID = ? AND t.ValidityTo IS NULL AND t.StartDate <= ? AND t.ExpiryDate >= ?
            """, [policy.familyID, policy.productID, policy.expiryDate.databaseText, policy.startDate.databaseText])
        let (row, chosen) = try InsuranceRules.enrolment(policy: policy, product: product, family: family.map(\.record),
                                                         members: members, overlapping: overlapping?.record)
        let inserted = try RegistrySQL.insert(db, row, now: now)
        guard let policyID = inserted.record.id else { throw RegistryError.invalidValue("PolicyID") }
        for member in chosen {
            var link = InsureePolicy(insureeID: member.id ?? 0, policyID: policyID, enrollmentDate: row.enrollDate,
                                     startDate: row.startDate, expiryDate: row.expiryDate, auditUserID: row.auditUserID)
            link.validityFrom = now
            _ = try InsureePolicy.table.insert(db, link.databaseValues)
        }
        var premiums: [Versioned<Premium>] = []
        for contribution in contributions {
            premiums.append(try insertContribution(db, contribution, policyID: policyID, now: now))
        }
        let settled = try applyActivationRule(db, policyID: policyID, now: now)
        return PolicyEnrolment(policy: settled, members: try policyMembers(db, policyID: policyID),
                               contributions: premiums)
    }

    static func insertContribution(_ db: Database, _ contribution: Premium, policyID: Int64,
                                   now: Date) throws -> Versioned<Premium> {
        var premium = contribution
        premium.policyID = policyID
        _ = try DecimalText.require(premium.amount, "Amount")
        premium.createdDate = premium.createdDate ?? now
        return try RegistrySQL.insert(db, premium, now: now)
    }

    /// Activates an idle or ready policy its contributions cover, or returns an active one they no longer cover
    /// to idle (see ``InsuranceRules``); writes a versioned update only when the status changes.
    static func applyActivationRule(_ db: Database, policyID: Int64, now: Date) throws -> Versioned<Policy> {
        guard let current = try RegistrySQL.byID(db, Policy.self, policyID) else {
            throw RegistryError.notFound(table: "tblPolicy", key: String(policyID))
        }
        guard let policy = try InsuranceRules.afterContributions(current.record, contributions: contributions(db, policyID: policyID).map(\.record)) else {
            return current
        }
        let updated = try RegistrySQL.update(db, policy, now: now, ifVersion: nil)
        try db.cachedStatement(sql: "UPDATE tblInsureePolicy SET EffectiveDate = ? WHERE PolicyId = ? AND ValidityTo IS NULL")
            .execute(arguments: [policy.effectiveDate.databaseText, policyID])
        return updated
    }
}
