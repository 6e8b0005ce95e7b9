import Foundation

/// Policies, their members and contributions, and enrolment (reference §3.3–3.5; rules in ``InsuranceRules``).
extension StoreTransaction {
    /// The current policies of a family, newest start first.
    func policies(familyID: Int64) async throws -> [Versioned<Policy>] {
        try await rows(Policy.self, where: [.equals("FamilyID", familyID)],
                       order: [.descending("StartDate"), .descending("PolicyID")])
    }

    /// The current active policies an insuree is a member of whose cover includes `date`.
    func activePolicies(insureeID: Int64, on date: LocalDate) async throws -> [Versioned<Policy>] {
        let day = SQLValue.text(date.databaseText)
        return try await rows(Policy.self, where: [
            .compare("PolicyStatus", .equal, .integer(Int64(PolicyStatus.active.rawValue))),
            .related(table: "tblInsureePolicy", column: "PolicyId", outerColumn: "PolicyID",
                     where: [.equals("InsureeId", insureeID)]),
            .or([.compare("EffectiveDate", .lessOrEqual, day),
                 .and([.isNull("EffectiveDate"), .compare("StartDate", .lessOrEqual, day)])]),
            .compare("ExpiryDate", .greaterOrEqual, day),
        ], order: [.descending("EffectiveDate"), .descending("PolicyID")])
    }

    /// The current members of a policy, by insuree id.
    func policyMembers(policyID: Int64) async throws -> [InsureePolicy] {
        let rows = try await values(ColumnSelection(InsureePolicy.table, where: [.equals("PolicyId", policyID)],
                                                    order: [.ascending("InsureeId")]))
        return try DatabaseMismatch.naming(table: InsureePolicy.table.table, columns: InsureePolicy.table.columns) {
            try rows.map { try InsureePolicy(row: $0) }
        }
    }

    /// The current contributions of a policy, by pay date.
    func contributions(policyID: Int64) async throws -> [Versioned<Premium>] {
        try await rows(Premium.self, where: [.equals("PolicyID", policyID)],
                       order: [.ascending("PayDate"), .ascending("PremiumId")])
    }

    /// Enrols a family (see `InsuranceStore.enrolFamily(policy:members:contributions:)`), inside the transaction.
    func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium], now: Date) async throws -> PolicyEnrolment {
        guard policy.startDate <= policy.expiryDate else {
            throw RegistryError.invalidValue("the policy's start date is after its expiry date")
        }
        guard let product = try await one(Product.self, id: policy.productID)?.record else {
            throw RegistryError.invalidReference("product \(policy.productID) is not current")
        }
        // One enrolment of a family on a product at a time, whichever instance gets it.
        try await lock("enrol \(policy.familyID) \(policy.productID)")
        let family = try await rows(Insuree.self, where: [.equals("FamilyID", policy.familyID)],
                                    order: [.descending("IsHead"), .ascending("InsureeID")])
        let overlapping = try await first(Policy.self, where: [
            .equals("FamilyID", policy.familyID), .equals("ProdID", policy.productID),
            .compare("StartDate", .lessOrEqual, .text(policy.expiryDate.databaseText)),
            .compare("ExpiryDate", .greaterOrEqual, .text(policy.startDate.databaseText)),
        ])
        let (row, chosen) = try InsuranceRules.enrolment(policy: policy, product: product, family: family.map(\.record),
                                                         members: members, overlapping: overlapping?.record)
        let inserted = try await insert(row, now: now)
        guard let policyID = inserted.record.id else { throw RegistryError.invalidValue("PolicyID") }
        for member in chosen {
            var link = InsureePolicy(insureeID: member.id ?? 0, policyID: policyID, enrollmentDate: row.enrollDate,
                                     startDate: row.startDate, expiryDate: row.expiryDate, auditUserID: row.auditUserID)
            link.validityFrom = now
            try await insertChild(InsureePolicy.table, link.databaseValues)
        }
        var premiums: [Versioned<Premium>] = []
        for contribution in contributions {
            premiums.append(try await insertContribution(contribution, policyID: policyID, now: now))
        }
        let settled = try await applyActivationRule(policyID: policyID, now: now)
        return PolicyEnrolment(policy: settled, members: try await policyMembers(policyID: policyID), contributions: premiums)
    }

    /// Inserts a contribution of a policy (`CreatedDate` defaults to now).
    func insertContribution(_ contribution: Premium, policyID: Int64, now: Date) async throws -> Versioned<Premium> {
        var premium = contribution
        premium.policyID = policyID
        _ = try DecimalText.require(premium.amount, "Amount")
        premium.createdDate = premium.createdDate ?? now
        return try await insert(premium, now: now)
    }

    /// Activates an idle or ready policy its contributions cover, or returns an active one they no longer cover
    /// to idle (see ``InsuranceRules``); writes a versioned update (and the members' `EffectiveDate`) only when the
    /// status changes. The policy row stays locked until the transaction ends.
    func applyActivationRule(policyID: Int64, now: Date) async throws -> Versioned<Policy> {
        guard let current = try await one(Policy.self, id: policyID, forUpdate: true) else {
            throw RegistryError.notFound(table: "tblPolicy", key: String(policyID))
        }
        let paid = try await contributions(policyID: policyID).map(\.record)
        guard let policy = try InsuranceRules.afterContributions(current.record, contributions: paid) else { return current }
        let updated = try await update(policy, now: now, ifVersion: nil)
        try await updateChildren(InsureePolicy.table, set: "EffectiveDate",
                                 to: policy.effectiveDate.map { .text($0.databaseText) } ?? .null,
                                 where: [.equals("PolicyId", policyID)])
        return updated
    }
}

extension RowPredicate {
    /// `column` = an integer.
    static func equals(_ column: String, _ value: Int64) -> RowPredicate {
        .compare(column, .equal, .integer(value))
    }
}
