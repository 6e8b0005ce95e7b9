import Foundation
import GRDB
import Testing

@testable import IMISData

/// `SyntheticData` on PostgreSQL: the rows the SQLite load makes for the same seed, written with `COPY`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
struct PostgresSyntheticDataTests {
    /// Insurees and families, one line each, keys and location codes in place of location keys.
    static let insureeRows = """
        SELECT i.InsureeID || '|' || lower(i.InsureeUUID) || '|' || i.CHFID || '|' || i.LastName || '|' || i.OtherNames
          || '|' || i.DOB || '|' || i.Gender || '|' || i.IsHead || '|' || i.FamilyID || '|' || COALESCE(i.Phone, '-')
        FROM tblInsuree i ORDER BY i.InsureeID
        """
    static let familyRows = """
        SELECT f.FamilyID || '|' || lower(f.FamilyUUID) || '|' || f.InsureeID || '|' || l.LocationCode || '|'
          || f.FamilyAddress || '|' || f.Poverty
        FROM tblFamilies f JOIN tblLocations l ON l.LocationId = f.LocationId ORDER BY f.FamilyID
        """

    /// The same queries in PostgreSQL's terms: quoted names, flags and dates as SQLite holds them.
    static func postgres(_ sql: String) -> String {
        var text = sql
        for name in ["tblInsuree", "tblFamilies", "tblLocations", "InsureeID", "InsureeUUID", "CHFID", "LastName",
                     "OtherNames", "Gender", "FamilyID", "Phone", "FamilyUUID", "LocationCode", "LocationId",
                     "FamilyAddress"] {
            text = text.replacingOccurrences(of: "\\b\(name)\\b", with: "\"\(name)\"", options: .regularExpression)
        }
        text = text.replacingOccurrences(of: "i.DOB", with: "to_char(i.\"DOB\", 'YYYY-MM-DD')")
        text = text.replacingOccurrences(of: "i.IsHead", with: "(CASE WHEN i.\"IsHead\" THEN 1 ELSE 0 END)")
        text = text.replacingOccurrences(of: "f.Poverty", with: "(CASE WHEN f.\"Poverty\" THEN 1 ELSE 0 END)")
        return text
    }

    static func lines(_ database: IMISPostgres, _ sql: String) async throws -> [String] {
        try await database.rows(PGStatement(postgres(sql))).map { row in
            String.fromDatabaseValue(try IMISPostgres.values(row)[0]) ?? "NULL"
        }
    }

    @Test func theSameSeedGivesTheRowsOfTheSQLiteLoadAndTheKeysMoveOn() async throws {
        let sqlite = try makeDatabase()
        let expected = try SyntheticData.generate(families: 300, seed: 42, into: sqlite, clock: .fixed(referenceDate),
                                                  batchSize: 100)
        let sqliteRows = try sqlite.read { db in
            (try String.fetchAll(db, sql: Self.insureeRows), try String.fetchAll(db, sql: Self.familyRows))
        }
        try await withPostgresDatabase { database in
            try await database.migrate()
            var reports: [Int] = []
            let summary = try await SyntheticData.generate(
                families: 300, seed: 42, into: database, clock: .fixed(referenceDate), batchSize: 128
            ) { done, _ in reports.append(done) }
            #expect(reports == [128, 256, 300])
            #expect(summary.families == 300 && summary.insurees == expected.insurees)
            #expect(try await Self.lines(database, Self.insureeRows) == sqliteRows.0)
            #expect(try await Self.lines(database, Self.familyRows) == sqliteRows.1)

            // A second load goes on after the first (same villages, next keys), and the key sequences moved past
            // the copied keys: a write through the store gets the next key.
            try await SyntheticData.generate(families: 10, seed: 1, into: database, clock: .fixed(referenceDate))
            let villages = try await database.scalar(PGStatement(
                #"SELECT count(*) FROM "tblLocations" WHERE "LocationType" = 'V'"#))
            #expect(Int.fromDatabaseValue(villages) == 48)
            let store = PostgresRegistryStore(database: database, clock: .fixed(referenceDate))
            let last = try await database.scalar(PGStatement(#"SELECT max("InsureeID") FROM "tblInsuree""#))
            let lastFamily = try await database.scalar(PGStatement(#"SELECT max("FamilyID") FROM "tblFamilies""#))
            let created = try await store.createFamily(
                Family(poverty: false, familyType: "H", familyAddress: "1 Test Street", validityFrom: referenceDate),
                head: Insuree(chfid: "111222333", lastName: "Test",
                              otherNames: "Key", dob: LocalDate("1990-01-01")!, isHead: true, validityFrom: referenceDate))
            #expect(created.head.record.id == (Int64.fromDatabaseValue(last) ?? 0) + 1)
            #expect(created.family.record.id == (Int64.fromDatabaseValue(lastFamily) ?? 0) + 1)
        }
    }

    @Test func insuranceGivesTheRowsOfTheSQLiteLoad() async throws {
        let sqlite = try makeDatabase()
        try DemoDataset.load(into: sqlite, clock: .fixed(referenceDate))
        let source = try IMISDatabase.inMemory()
        try source.migrate()
        try DemoDataset.load(into: source, clock: .fixed(referenceDate))
        let expected = try SyntheticData.generate(families: 60, seed: 5, into: sqlite, clock: .fixed(referenceDate),
                                                  insurance: true)
        let sqliteRows = try sqlite.read { db in try SyntheticDataTests.insuranceRows.map { try String.fetchAll(db, sql: $0) } }
        try await withPostgresDatabase { database in
            try await database.migrate()
            try await database.copyRows(from: source)
            let summary = try await SyntheticData.generate(
                families: 60, seed: 5, into: database, clock: .fixed(referenceDate), batchSize: 25, insurance: true)
            #expect(summary.policies == 60 && summary.claims == expected.claims && expected.claims == 20)
            for (index, sql) in SyntheticDataTests.insuranceRows.enumerated() {
                let rows = try await database.rows(PGStatement(Self.postgresInsurance(sql))).map { row in
                    String.fromDatabaseValue(try IMISPostgres.values(row)[0]) ?? "NULL"
                }
                #expect(rows == sqliteRows[index], "\(sql)")
            }
        }
    }

    /// An insurance query in PostgreSQL's terms: quoted names.
    static func postgresInsurance(_ sql: String) -> String {
        var text = sql
        for name in ["tblPolicy", "tblPremium", "tblInsureePolicy", "tblClaim", "tblClaimServices", "PolicyID", "PolicyUUID",
                     "FamilyID", "PolicyStatus", "ProdID", "PremiumId", "Receipt", "InsureePolicyId", "InsureeId",
                     "PolicyId", "ClaimID", "ClaimCode", "InsureeID", "ClaimStatus", "ClaimServiceID", "ServiceID"] {
            text = text.replacingOccurrences(of: "\\b\(name)\\b", with: "\"\(name)\"", options: .regularExpression)
        }
        return text
    }
}
