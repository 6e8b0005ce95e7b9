import Foundation
import GRDB

/// Claims, coverage and benefit usage (reference §3.6–3.8).
extension StoreTransaction {
    /// A claim with its current items and services.
    func details(_ claim: Versioned<Claim>) async throws -> ClaimDetails {
        func lines(_ kind: MedicalKind) async throws -> [ClaimLine] {
            let table = ClaimLine.table(kind)
            let rows = try await values(ColumnSelection(table, where: [.equals("ClaimID", claim.record.id ?? 0)],
                                                        order: [.ascending(table.columns[0])]))
            return try DatabaseMismatch.naming(table: table.table, columns: table.columns) {
                try rows.map { try ClaimLine(kind: kind, row: $0) }
            }
        }
        return ClaimDetails(claim: claim, items: try await lines(.item), services: try await lines(.service))
    }

    /// Inserts a claim with its items and services (see ``InsuranceRules/claimSubmission(_:items:services:)``).
    func submitClaim(_ claim: Claim, items: [ClaimLine], services: [ClaimLine], now: Date) async throws -> ClaimDetails {
        let (row, all) = try InsuranceRules.claimSubmission(claim, items: items, services: services)
        let inserted = try await insert(row, now: now)
        guard let claimID = inserted.record.id else { throw RegistryError.invalidValue("ClaimID") }
        for (line, kind) in all {
            var child = line
            child.kind = kind
            child.id = nil
            child.claimID = claimID
            child.validityFrom = now
            child.validityTo = nil
            child.legacyID = nil
            try await insertChild(ClaimLine.table(kind), child.databaseValues)
        }
        return try await details(inserted)
    }

    /// Whether a product covers an item or service, with the facility's unit price (see
    /// `InsuranceStore.coverage(_:medicalID:productID:healthFacilityID:)`).
    func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                  healthFacilityID: Int64?) async throws -> MedicalCoverage? {
        let table = ProductCoverage.table(kind)
        let found = try await values(ColumnSelection(
            table, where: [.equals("ProdID", productID), .equals(kind.medicalColumn, medicalID)],
            order: [.ascending(table.columns[0])], limit: 1))
        guard let row = found.first else { return nil }
        let coverage = try DatabaseMismatch.naming(table: table.table, columns: table.columns) {
            try ProductCoverage(kind: kind, row: row)
        }
        var price: String?
        if let healthFacilityID { price = try await self.price(kind, medicalID: medicalID, healthFacilityID: healthFacilityID) }
        return MedicalCoverage(coverage: coverage, price: price)
    }

    /// The unit price of an item or service at a facility: its price list's `PriceOverule`, else the catalogue
    /// price; nil when the facility, its price list, the entry or the catalogue row is not current.
    func price(_ kind: MedicalKind, medicalID: Int64, healthFacilityID: Int64) async throws -> String? {
        let word = kind.tableWord, medical = kind.medicalColumn, list = "PL\(word)ID"
        let facility = try await values(ColumnSelection(
            table: "tblHF", columns: [list], conditions: [.equals("HfID", healthFacilityID)], limit: 1))
        guard let listID: Int64 = try facility.first?.value(0),
              !(try await values(ColumnSelection(table: "tblPL\(word)s", columns: [list],
                                                 conditions: [.equals(list, listID)], limit: 1))).isEmpty
        else { return nil }
        let entries = try await values(ColumnSelection(
            table: "tblPL\(word)sDetail", columns: ["PriceOverule"],
            conditions: [.equals(list, listID), .equals(medical, medicalID)], order: [.ascending("PL\(word)DetailID")], limit: 1))
        let catalogue = try await values(ColumnSelection(
            table: kind == .item ? "tblItems" : "tblServices", columns: [kind == .item ? "ItemPrice" : "ServPrice"],
            conditions: [.equals(medical, medicalID)], limit: 1))
        guard let entry = entries.first, let item = catalogue.first else { return nil }
        let overrule: String? = try entry.value(0)
        return try overrule ?? item.value(0)
    }

    /// What an insuree has used under a policy (see `InsuranceStore.usage(insureeID:policyID:)`).
    func usage(insureeID: Int64, policyID: Int64) async throws -> BenefitUsage {
        guard let policy = try await one(Policy.self, id: policyID)?.record else {
            throw RegistryError.notFound(table: "tblPolicy", key: String(policyID))
        }
        let (from, to) = (policy.effectiveDate ?? policy.startDate, policy.expiryDate)
        let claimRows = try await values(ColumnSelection(
            table: "tblClaim", columns: ["ClaimID", "DateFrom"],
            conditions: [.equals("InsureeID", insureeID), .compare("ClaimStatus", .notEqual, .integer(1))]))
        var claimDates: [Int64: LocalDate] = [:]
        try DatabaseMismatch.naming(table: "tblClaim", columns: ["ClaimID", "DateFrom"]) {
            for row in claimRows { claimDates[try row.value(0)] = try row.localDate(1) }
        }
        var usage = BenefitUsage(items: [:], services: [:], claimsByCategory: [:])
        guard !claimDates.isEmpty else { return usage }
        for kind in MedicalKind.allCases {
            let table = ClaimLine.table(kind).table, columns = [kind.medicalColumn, "QtyApproved", "QtyProvided", "ClaimID", "PolicyID"]
            let lines = try await values(ColumnSelection(table: table, columns: columns, conditions: [
                .oneOf("ClaimID", claimDates.keys.sorted().map { .integer($0) }),
                .or([.isNull("RejectionReason"), .equals("RejectionReason", 0)]),
            ]))
            var used: [(medicalID: Int64, quantity: Decimal, date: LocalDate, claimID: Int64)] = []
            try DatabaseMismatch.naming(table: table, columns: columns) {
                for line in lines {
                    let claimID: Int64 = try line.value(3), linePolicy: Int64? = try line.value(4)
                    guard let date = claimDates[claimID],
                          linePolicy == policyID || (linePolicy == nil && from <= date && date <= to) else { continue }
                    let approved: String? = try line.value(1)
                    let quantity = try DecimalText.require(try approved ?? line.value(2), "quantity")
                    used.append((try line.value(0), quantity, date, claimID))
                }
            }
            var categories: [Int64: String] = [:]
            if kind == .service, !used.isEmpty {
                let ids = Set(used.map(\.medicalID)).sorted().map { SQLValue.integer($0) }
                let rows = try await values(ColumnSelection(table: "tblServices", columns: ["ServiceID", "ServCategory"],
                                                            conditions: [.oneOf("ServiceID", ids)], live: false))
                try DatabaseMismatch.naming(table: "tblServices", columns: ["ServiceID", "ServCategory"]) {
                    for row in rows { if let category: String = try row.value(1) { categories[try row.value(0)] = category } }
                }
            }
            var claimsByCategory: [String: Set<Int64>] = [:]
            for line in used {
                usage.add(kind, medicalID: line.medicalID, quantity: line.quantity, date: line.date)
                if let category = categories[line.medicalID] { claimsByCategory[category, default: []].insert(line.claimID) }
            }
            for (category, claims) in claimsByCategory { usage.claimsByCategory[category] = claims.count }
        }
        return usage
    }
}

extension BenefitUsage {
    /// Adds one claimed line to the usage of its item or service.
    mutating func add(_ kind: MedicalKind, medicalID: Int64, quantity: Decimal, date: LocalDate) {
        var entry = (kind == .item ? items[medicalID] : services[medicalID]) ?? MedicalUsage(quantity: 0, lastDate: nil)
        entry.quantity += quantity
        entry.lastDate = max(entry.lastDate ?? date, date)
        if kind == .item { items[medicalID] = entry } else { services[medicalID] = entry }
    }
}
