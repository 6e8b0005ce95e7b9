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
