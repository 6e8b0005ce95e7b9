import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct SyntheticDataTests {
    func snapshot(_ database: IMISDatabase) throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT InsureeID || '|' || InsureeUUID || '|' || CHFID || '|' || LastName || '|' || OtherNames || '|'
                  || DOB || '|' || Gender || '|' || IsHead || '|' || FamilyID FROM tblInsuree ORDER BY InsureeID
                """) + String.fetchAll(db, sql: """
                SELECT FamilyID || '|' || FamilyUUID || '|' || InsureeID || '|' || LocationId || '|' || FamilyAddress
                FROM tblFamilies ORDER BY FamilyID
                """)
        }
    }

    @Test func sameSeedGivesTheSameRows() throws {
        let first = try makeDatabase(), second = try makeDatabase(), third = try makeDatabase()
        let summary = try SyntheticData.generate(families: 300, seed: 42, into: first, clock: .fixed(referenceDate),
                                                 batchSize: 100)
        try SyntheticData.generate(families: 300, seed: 42, into: second, clock: .fixed(referenceDate))
        try SyntheticData.generate(families: 300, seed: 43, into: third, clock: .fixed(referenceDate))
        #expect(summary.families == 300 && summary.insurees >= 300 && summary.insurees <= 1800)
        let rows = try snapshot(first)
        #expect(rows.count == summary.insurees + 300)
        #expect(rows == (try snapshot(second)))
        #expect(rows != (try snapshot(third)))
    }

    /// Synthetic policies, contributions, memberships, claims and claim lines, one line each.
    static let insuranceRows = [
        "SELECT PolicyID || '|' || lower(PolicyUUID) || '|' || FamilyID || '|' || PolicyStatus || '|' || ProdID FROM tblPolicy ORDER BY PolicyID",
        "SELECT PremiumId || '|' || PolicyID || '|' || Receipt FROM tblPremium ORDER BY PremiumId",
        "SELECT InsureePolicyId || '|' || InsureeId || '|' || PolicyId FROM tblInsureePolicy ORDER BY InsureePolicyId",
        "SELECT ClaimID || '|' || ClaimCode || '|' || InsureeID || '|' || ClaimStatus FROM tblClaim ORDER BY ClaimID",
        "SELECT ClaimServiceID || '|' || ClaimID || '|' || ServiceID || '|' || PolicyID FROM tblClaimServices ORDER BY ClaimServiceID",
    ]

    @Test func insuranceGivesEveryFamilyAPolicyAndEveryThirdFamilyAClaimWithoutChangingTheFamilies() throws {
        let insured = try makeDatabase(), plain = try makeDatabase()
        for database in [insured, plain] { try DemoDataset.load(into: database, clock: .fixed(referenceDate)) }
        let before = try insured.read { db in try Self.insuranceRows.map { try String.fetchAll(db, sql: $0).count } }
        let summary = try SyntheticData.generate(families: 300, seed: 7, into: insured, clock: .fixed(referenceDate),
                                                 batchSize: 100, insurance: true)
        let without = try SyntheticData.generate(families: 300, seed: 7, into: plain, clock: .fixed(referenceDate))
        #expect(summary.policies == 300 && summary.claims == 100)
        #expect(without.policies == 0 && without.claims == 0)
        #expect(try snapshot(insured) == (try snapshot(plain)))
        try insured.read { db in
            #expect(try db.foreignKeyViolations().next() == nil)
            let after: [Int] = try Self.insuranceRows.map { sql in try String.fetchAll(db, sql: sql).count }
            #expect(after[0] - before[0] == 300 && after[1] - before[1] == 300)
            #expect(after[2] - before[2] == summary.insurees)
            #expect(after[3] - before[3] == 100 && after[4] - before[4] == 100)
            // Every synthetic family has one active policy, every member is on it, every claim's line is on it.
            let uninsured = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM tblInsuree i WHERE i.InsureeID > ? AND NOT EXISTS (
                  SELECT 1 FROM tblInsureePolicy ip JOIN tblPolicy p ON p.PolicyID = ip.PolicyId
                  WHERE ip.InsureeId = i.InsureeID AND p.FamilyID = i.FamilyID AND p.PolicyStatus = 2)
                """, arguments: [8])
            #expect(uninsured == 0)
            let strayLines = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM tblClaimServices s JOIN tblClaim c ON c.ClaimID = s.ClaimID
                JOIN tblInsuree i ON i.InsureeID = c.InsureeID JOIN tblPolicy p ON p.PolicyID = s.PolicyID
                WHERE c.ClaimCode LIKE 'SC%' AND (p.FamilyID <> i.FamilyID OR i.IsHead <> 1)
                """)
            #expect(strayLines == 0)
        }
        let plainCounts = try plain.read { db in try Self.insuranceRows.map { try String.fetchAll(db, sql: $0).count } }
        #expect(plainCounts == before)
    }

    @Test func insuranceWithoutTheDemoDatasetIsRefused() throws {
        #expect(throws: RegistryError.self) {
            try SyntheticData.generate(families: 3, seed: 1, into: try makeDatabase(), insurance: true)
        }
    }

    @Test func syntheticFamiliesAreConsistent() async throws {
        let database = try makeDatabase()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        var reports: [Int] = []
        let summary = try SyntheticData.generate(families: 1_200, seed: 7, into: database, clock: .system,
                                                 batchSize: 500, bulkThreshold: 1_000) { done, _ in reports.append(done) }
        #expect(reports == [500, 1_000, 1_200])
        try database.read { db in
            #expect(try db.foreignKeyViolations().next() == nil)
            let stats = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, COUNT(DISTINCT CHFID) AS chf, COUNT(DISTINCT InsureeUUID) AS uuids,
                       MIN(length(CHFID)) AS minLength, MAX(length(CHFID)) AS maxLength FROM tblInsuree
                """)!
            #expect(stats["n"] as Int == summary.insurees + 8)
            #expect(stats["chf"] as Int == stats["n"] as Int && stats["uuids"] as Int == stats["n"] as Int)
            #expect(stats["maxLength"] as Int == 9)
            let heads = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM tblFamilies f JOIN tblInsuree i ON i.InsureeID = f.InsureeID
                WHERE i.IsHead = 1 AND i.FamilyID = f.FamilyID
                """)
            #expect(heads == 1_204)
            // The bulk load rebuilt every index it dropped.
            let indexes = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'")
            #expect(RegistryIndexes.bulkLoad.allSatisfy { indexes.contains($0.name) })
        }
        let store = SQLiteRegistryStore(database: database)
        let someone = try #require(try await store.page(Insuree.self, PageQuery(descending: true, count: 1)).items.first)
        #expect(try await store.insuree(chfid: someone.chfid)?.uuid == someone.uuid)
        #expect(try await store.locationAncestors(id: try #require(try await store.record(Family.self, id: someone.familyID!)?
            .locationID)).count == 4)
    }
}
