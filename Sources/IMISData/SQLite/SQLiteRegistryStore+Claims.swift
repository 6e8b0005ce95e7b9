import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// See `InsuranceStore.claim(uuid:)`.
    public func claim(uuid: String) throws -> ClaimDetails? {
        try database.read { db in try RegistrySQL.byUUID(db, Claim.self, uuid).map { try Self.details(db, $0) } }
    }

    /// See `InsuranceStore.claim(code:)`.
    public func claim(code: String) throws -> ClaimDetails? {
        try database.read { db in try RegistrySQL.byCode(db, Claim.self, code).map { try Self.details(db, $0) } }
    }

    /// See `InsuranceStore.submitClaim(claim:items:services:)`.
    public func submitClaim(claim: Claim, items: [ClaimLine], services: [ClaimLine]) async throws -> ClaimDetails {
        let now = clock.now()
        return try await database.write { db in try Self.submitClaim(db, claim, items: items, services: services, now: now) }
    }

    /// See `InsuranceStore.coverage(_:medicalID:productID:healthFacilityID:)`.
    public func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                         healthFacilityID: Int64?) throws -> MedicalCoverage? {
        try database.read { db in
            let table = ProductCoverage.table(kind)
            guard let row = try table.all(db, where: "t.ProdID = ? AND t.\(kind.medicalColumn) = ? AND t.ValidityTo IS NULL",
                                          [productID, medicalID], suffix: " LIMIT 1",
                                          { try ProductCoverage(kind: kind, row: $0) }).first
            else { return nil }
            var price: String?
            if let healthFacilityID {
                let word = kind.tableWord, catalogue = kind == .item ? "tblItems" : "tblServices"
                let catalogPrice = kind == .item ? "ItemPrice" : "ServPrice"
                price = try String.fetchOne(db.cachedStatement(sql: """
                    SELECT COALESCE(d.PriceOverule, m.\(catalogPrice)) FROM tblHF h
                    JOIN tblPL\(word)s pl ON pl.PL\(word)ID = h.PL\(word)ID AND pl.ValidityTo IS NULL
                    JOIN tblPL\(word)sDetail d ON d.PL\(word)ID = pl.PL\(word)ID AND d.ValidityTo IS NULL
                    JOIN \(catalogue) m ON m.\(kind.medicalColumn) = d.\(kind.medicalColumn) AND m.ValidityTo IS NULL
                    WHERE h.HfID = ? AND h.ValidityTo IS NULL AND d.\(kind.medicalColumn) = ? LIMIT 1
                    """), arguments: [healthFacilityID, medicalID])
            }
            return MedicalCoverage(coverage: row, price: price)
        }
    }

    /// See `InsuranceStore.usage(insureeID:policyID:)`.
    public func usage(insureeID: Int64, policyID: Int64) throws -> BenefitUsage {
        try database.read { db in
            guard let policy = try RegistrySQL.byID(db, Policy.self, policyID)?.record else {
                throw RegistryError.notFound(table: "tblPolicy", key: String(policyID))
            }
            let from = (policy.effectiveDate ?? policy.startDate).databaseText, to = policy.expiryDate.databaseText
            var usage = BenefitUsage(items: [:], services: [:], claimsByCategory: [:])
            for kind in MedicalKind.allCases {
                let table = ClaimLine.table(kind).table, column = kind.medicalColumn
                let category = kind == .service ? "(SELECT s.ServCategory FROM tblServices s WHERE s.ServiceID = l.ServiceID)" : "NULL"
                let rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT l.\(column), COALESCE(l.QtyApproved, l.QtyProvided), c.DateFrom, c.ClaimID, \(category)
                    FROM \(table) l JOIN tblClaim c ON c.ClaimID = l.ClaimID AND c.ValidityTo IS NULL
                    WHERE l.ValidityTo IS NULL AND c.InsureeID = ? AND c.ClaimStatus <> 1 AND COALESCE(l.RejectionReason, 0) = 0
                    AND (l.PolicyID = ? OR (l.PolicyID IS NULL AND c.DateFrom BETWEEN ? AND ?))
                    """), arguments: [insureeID, policyID, from, to])
                var claimsByCategory: [String: Set<Int64>] = [:]
                try DatabaseMismatch.naming(table: table, columns: BenefitUsage.columns(kind)) {
                    for row in rows { try usage.add(row, kind: kind, claimsByCategory: &claimsByCategory) }
                }
                for (category, claims) in claimsByCategory { usage.claimsByCategory[category] = claims.count }
            }
            return usage
        }
    }

    // MARK: Inside a transaction

    static func details(_ db: Database, _ claim: Versioned<Claim>) throws -> ClaimDetails {
        func lines(_ kind: MedicalKind) throws -> [ClaimLine] {
            let table = ClaimLine.table(kind)
            return try table.all(db, where: "t.ClaimID = ? AND t.ValidityTo IS NULL", [claim.record.id],
                                 suffix: " ORDER BY t.\(table.columns[0])") { try ClaimLine(kind: kind, row: $0) }
        }
        return ClaimDetails(claim: claim, items: try lines(.item), services: try lines(.service))
    }

    static func submitClaim(_ db: Database, _ claim: Claim, items: [ClaimLine], services: [ClaimLine],
                            now: Date) throws -> ClaimDetails {
        let (row, all) = try InsuranceRules.claimSubmission(claim, items: items, services: services)
        let inserted = try RegistrySQL.insert(db, row, now: now)
        guard let claimID = inserted.record.id else { throw RegistryError.invalidValue("ClaimID") }
        for (line, kind) in all {
            var child = line
            child.kind = kind
            child.id = nil
            child.claimID = claimID
            child.validityFrom = now
            child.validityTo = nil
            child.legacyID = nil
            _ = try ClaimLine.table(kind).insert(db, child.databaseValues)
        }
        return try details(db, inserted)
    }
}

extension BenefitUsage {
    /// The columns of a row of the claimed-lines read (see `benefitUsage`), for naming one that does not decode.
    static func columns(_ kind: MedicalKind) -> [String] {
        [kind.medicalColumn, "QtyApproved", "DateFrom", "ClaimID", "ServCategory"]
    }

    /// Adds one claimed line (medical id, quantity, claim date, claim id, service category) to the usage.
    mutating func add(_ row: some PositionalRow, kind: MedicalKind,
                      claimsByCategory: inout [String: Set<Int64>]) throws {
        let id: Int64 = try row.value(0), date = try row.localDate(2)
        let quantity = try DecimalText.require(try row.value(1), "quantity")
        var entry = (kind == .item ? items[id] : services[id]) ?? MedicalUsage(quantity: 0, lastDate: nil)
        entry.quantity += quantity
        entry.lastDate = max(entry.lastDate ?? date, date)
        if kind == .item { items[id] = entry } else { services[id] = entry }
        if let category: String = try row.value(4) { claimsByCategory[category, default: []].insert(try row.value(3)) }
    }
}
