import Foundation
import GRDB
import Testing
@testable import IMISData

/// How the table SQL adapts to an openIMIS database's own layout, without a database: the catalog's column
/// alternatives, name-based UUIDs, dates kept as instants, self-referencing legacy ids, `uuid` columns.
@Suite struct SchemaAdaptationTests {
    /// A catalog of one table.
    static func catalog(_ table: String, _ columns: [(String, String)]) -> PostgresCatalog {
        PostgresCatalog(tables: [table: Dictionary(uniqueKeysWithValues: columns.map { ($0.0, PGColumn(name: $0.0, type: $0.1)) })])
    }

    @Test func aMappedColumnIsFoundUnderTheNameOpenIMISGivesIt() throws {
        let catalog = Self.catalog("tblServices", [("ServiceID", "integer"), ("ServiceUUID", "character varying"),
                                                   ("ServCode", "character varying"), ("ServName", "character varying")])
        #expect(catalog.column("tblServices", "ServiceCode")?.name == "ServCode")
        #expect(catalog.column("tblServices", "ServiceName")?.name == "ServName")
        #expect(catalog.column("tblItems", "ServiceCode") == nil)
        let table = try PGTable(MedicalService.sql, catalog: catalog)
        #expect(table.select.contains(#"t."ServCode""#))
    }

    @Test func aTableWithoutAUUIDColumnServesTheNameBasedUUIDOfItsKey() throws {
        let catalog = Self.catalog("tblICDCodes", [("ICDID", "integer"), ("ICDCode", "character varying"),
                                                   ("ICDName", "character varying"), ("LegacyID", "integer")])
        let table = try PGTable(Diagnosis.sql, catalog: catalog)
        #expect(table.uuid == nil)
        #expect(table.uuidText("t") == NameBasedUUID.sql(table: "tblICDCodes", key: #"t."ICDID""#))
        // A table that must have its UUID column still says it is missing.
        #expect(throws: DatabaseMismatch(table: "tblServices", column: "ServiceUUID", problem: "is missing")) {
            try PGTable(MedicalService.sql, catalog: Self.catalog("tblServices", [("ServiceID", "integer")]))
        }
    }

    @Test func aUUIDColumnIsComparedAsTextTheWayItsIndexIsBuilt() throws {
        let catalog = Self.catalog("tblInvoice", [("UUID", "uuid"), ("Code", "character varying"), ("isDeleted", "boolean"),
                                                  ("version", "integer")])
        let table = try PGTable(Invoice.sql, catalog: catalog)
        #expect(table.uuidText("t") == #"lower(t."UUID"::text)"#)
        #expect(PostgresSchema.indexes(catalog).contains(#"CREATE INDEX IF NOT EXISTS imisfhir_tblinvoice_uuid_ci ON "tblInvoice" (lower(("UUID"::text)))"#))
        let dialect = try PostgresTransaction.dialect("tblInvoice", catalog: catalog)
        let write = try RowWriteSQL.updateHistory(dialect, Invoice.sql, values: Invoice.sql.columns.map { _ in nil },
                                                  uuid: "AB2C7F1E-0000-4000-8000-000000000001")
        #expect(!write.sql.contains(#"lower("UUID")"#), "\(write.sql)")
        #expect(write.sql.hasSuffix(#"WHERE "UUID" = CAST($\#(write.values.count) AS uuid)"#), "\(write.sql)")
    }

    @Test func aSelfReferencingLegacyIDIsNotHistory() throws {
        let catalog = Self.catalog("tblHF", [("HfID", "integer"), ("HfUUID", "character varying"), ("LegacyID", "integer"),
                                             ("ValidityTo", "timestamp with time zone")])
        let table = try PGTable(HealthFacility.sql, catalog: catalog)
        #expect(table.select.contains(#"NULLIF(t."LegacyID", t."HfID")"#))
        #expect(table.select.contains(#"h_."LegacyID" = t."HfID" AND h_."HfID" <> t."HfID""#))
        #expect(table.notHistory("t") == #"(t."LegacyID" IS NULL OR t."LegacyID" = t."HfID")"#)
    }

    @Test func aDateKeptAsAnInstantReadsAsItsCalendarDate() throws {
        var reader = ColumnReader(values: ["2018-01-01 00:00:00.000".databaseValue, "2030-12-31".databaseValue,
                                           "not a date".databaseValue])
        #expect(try reader.optionalDate() == LocalDate("2018-01-01"))
        #expect(try reader.optionalDate() == LocalDate("2030-12-31"))
        #expect(throws: UnreadableColumn.self) { try reader.optionalDate() }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil))
    func theNameBasedUUIDIsVersion3OfTheTableAndKey() async throws {
        try await withPostgresDatabase { database in
            let value = try await database.scalar(PGStatement("SELECT \(NameBasedUUID.sql(table: "tblICDCodes", key: "1"))"))
            // Python's uuid.uuid3(uuid.NAMESPACE_URL, "tblICDCodes/1").
            #expect(String.fromDatabaseValue(value) == "316c23ef-3d9b-3685-96f2-21aeac0d5ba5")
        }
    }

    @Test func theRequiredColumnsFollowTheDecoders() throws {
        let insuree = try #require(MappedTables.table("tblInsuree"))
        #expect(insuree.required.isSuperset(of: ["InsureeID", "InsureeUUID", "LastName", "ValidityFrom"]))
        #expect(!insuree.required.contains("Phone"))
        #expect(insuree.expected["FamilyID"] == .integer)
        #expect(insuree.expected["LastName"] == .text)
    }
}
