import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct MigrationTests {
    @Test func migrationsCreateTheOpenIMISTables() throws {
        let database = try makeDatabase()
        let tables = try database.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in ["tblInsuree", "tblFamilies", "tblPhotos", "tblLocations", "tblHF", "tblOfficer",
                      "tblClaimAdmin", "tblProduct", "tblItems", "tblServices", "tblPolicyHolder", "tblGender",
                      "tblRelations", "tblEducations", "tblProfessions", "tblIdentificationTypes", "tblFamilyTypes",
                      "tblConfirmationTypes", "tblLegalForms"] {
            #expect(tables.contains(table), "missing \(table)")
        }
        let columns = try database.read { db in try db.columns(in: "tblInsuree").map(\.name) }
        #expect(columns.count == Insuree.sql.columns.count)
        #expect(Set(columns) == Set(Insuree.sql.columns))
        #expect(columns.contains("passport") && columns.contains("CHFID") && columns.contains("JsonExt"))
    }

    @Test func everyMappedColumnExistsInItsTable() throws {
        let database = try makeDatabase()
        let mappings: [TableSQL] = [Insuree.sql, Family.sql, InsureePhoto.sql, Location.sql, HealthFacility.sql,
                                    EnrolmentOfficer.sql, ClaimAdministrator.sql, Product.sql, MedicalItem.sql,
                                    MedicalService.sql, PolicyHolder.sql]
        try database.read { db in
            for mapping in mappings {
                let columns = try db.columns(in: mapping.table).map(\.name)
                #expect(columns == mapping.columns || Set(columns) == Set(mapping.columns), "\(mapping.table)")
            }
        }
    }

    @Test func referenceTablesHoldTheOpenIMISSeedValues() async throws {
        let store = SQLiteRegistryStore(database: try makeDatabase())
        #expect(try await store.referenceCodes(.gender).map(\.code) == ["M", "F", "O"])
        let relations = try await store.referenceCodes(.relation)
        #expect(relations.count == 8)
        #expect(relations.last == ReferenceCode(code: "8", display: "Spouse", sortOrder: 8))
        #expect(try await store.referenceCodes(.education).first { $0.code == "4" }?.display == "University")
        #expect(try await store.referenceCodes(.profession).map(\.display)
                == ["Housewife", "Employee", "Self Employee", "Others"])
        #expect(try await store.referenceCodes(.identificationType).map(\.code) == ["D", "N", "P", "V"])
        #expect(try await store.referenceCodes(.familyType).map(\.code) == ["C", "G", "H", "O", "P", "S", "T"])
        #expect(try await store.referenceCodes(.confirmationType).first { $0.code == "B" }?.display == "Municipality")
        #expect(try await store.referenceCodes(.legalForm).first { $0.code == "D" }?.display == "District organization")
    }

    @Test func migrateIsIdempotentAndRestoresDroppedIndexes() throws {
        let database = try makeDatabase()
        try database.writeBlocking { db in try db.execute(sql: "DROP INDEX tblInsuree_CHFID_current") }
        try database.migrate()
        let indexes = try database.read { db in try db.indexes(on: "tblInsuree").map(\.name) }
        #expect(indexes.contains("tblInsuree_CHFID_current"))
    }

    @Test func fileDatabaseUsesWALWithFullSynchronous() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try IMISDatabase.open(path: directory.appendingPathComponent("imis.sqlite3").path)
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        let (journal, synchronous) = try database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)  // FULL
        let store = SQLiteRegistryStore(database: database)
        #expect(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)?.lastName == "Doe")
        #expect(try DemoDataset.isLoaded(in: database))
    }
}
