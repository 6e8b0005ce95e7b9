import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Logging
import PostgresNIO
import Testing

@testable import FHIRServer

/// The server and a real openIMIS database that does not match it: a missing column is a 500 naming it, never a
/// client error; `check-database` (``DatabaseCheck``) names what is missing; migrating adds only the project's own
/// tables and indexes.
@Suite(.enabled(if: TestPostgres.url != nil, RealOpenIMIS.skipReason))
struct RealOpenIMISSchemaTests {
    static let dropLastName = #"ALTER TABLE "tblInsuree" DROP COLUMN "LastName""#

    /// The values of `sql`'s rows, as text.
    static func texts(_ database: IMISPostgres, _ sql: String) async throws -> [[String]] {
        var result: [[String]] = []
        for try await row in try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger) {
            result.append(try row.map { try $0.decode(String?.self) ?? "NULL" })
        }
        return result
    }

    @Test func aMissingColumnAnswers500WithTheTableAndColumnLogged() async throws {
        let log = LogLines()
        let logger = Logger(label: "test") { _ in log }
        try await RealOpenIMIS.withServer(migrated: false, logger: logger, prepare: [Self.dropLastName]) { client, database in
            let uuid = try #require(try await Self.texts(database, #"""
                SELECT "InsureeUUID"::text FROM "tblInsuree" WHERE "ValidityTo" IS NULL ORDER BY "InsureeID" LIMIT 1
                """#).first?.first)
            for uri in ["/fhir/Patient/\(uuid.lowercased())", "/fhir/Patient?_count=5"] {
                try await client.fhir(uri: uri, method: .get) { response in
                    #expect(response.status == .internalServerError, "\(uri)")
                    let outcome = fhirBody(response)
                    #expect(outcome["resourceType"]?.string == "OperationOutcome")
                    #expect(issueCode(outcome) == "exception")
                }
            }
            // What does not read the column is still served.
            try await client.fhir(uri: "/fhir/Location?_count=1", method: .get) { #expect($0.status == .ok) }
        }
        #expect(log.lines.contains { $0.contains("tblInsuree.LastName is missing") }, "\(log.lines)")
    }

    /// What differs from the project's own layout reads as openIMIS meant it: product dates kept as `timestamptz`
    /// are their calendar dates, a facility whose current row names itself as its legacy row is current (its
    /// version counts its one history row), services are found by their `ServCode`.
    @Test(arguments: [false, true])
    func theOpenIMISLayoutReadsAsOpenIMISMeantIt(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let product = try #require(try await Self.texts(database, #"""
                SELECT "ProdUUID"::text FROM "tblProduct" WHERE "ProdID" = 4 AND "ValidityTo" IS NULL
                """#).first?.first).lowercased()
            let plan = try await client.fhir(uri: "/fhir/InsurancePlan/\(product)", method: .get) { fhirBody($0) }
            #expect(plan["period"]?["start"]?.string == "2017-01-01", "\(plan)")
            #expect(plan["period"]?["end"]?.string == "2030-12-31", "\(plan)")
            // HfID 7: LegacyID 7 on the current row, one history row (HfID 29).
            let facility = try #require(try await Self.texts(database, #"""
                SELECT "HfUUID"::text FROM "tblHF" WHERE "HfID" = 7 AND "LegacyID" = 7 AND "ValidityTo" IS NULL
                """#).first?.first).lowercased()
            for type in ["Location", "Organization"] {
                let (status, body) = try await client.fhir(uri: "/fhir/\(type)/\(facility)", method: .get) { ($0.status, fhirBody($0)) }
                #expect(status == .ok, "\(type): \(body)")
                #expect(body["meta"]?["versionId"]?.string == "2", "\(type): \(body)")
            }
            let history = try await client.fhir(uri: "/fhir/Organization/\(facility)/_history", method: .get) { fhirBody($0) }
            #expect(history["entry"]?.array?.count == 2, "\(history)")
            let services = try await client.fhir(uri: "/fhir/ActivityDefinition?identifier=I7", method: .get) { fhirBody($0) }
            #expect(entryIDs(services).count == 1, "\(services)")
        }
    }

    /// An invoice as openIMIS's invoice module writes it: `uuid` keys, `SubjectType` a content-type key.
    static let openIMISInvoice = #"""
        INSERT INTO "tblInvoice" ("UUID", "isDeleted", version, "DateValidFrom", "DateCreated", "DateUpdated", "Code",
          "AmountNet", "AmountTotal", "Status", "CurrencyTpCode", "CurrencyCode", "SubjectType", "SubjectId",
          "DateInvoice", "UserCreatedUUID", "UserUpdatedUUID")
        SELECT 'A1B2C3D4-0000-4000-8000-000000000001', false, 1, now(), now(), now(), 'INV-0001', 100, 100, 0, 'USD',
          'USD', (SELECT id FROM django_content_type WHERE app_label = 'insuree' AND model = 'family'),
          (SELECT "FamilyUUID" FROM "tblFamilies" WHERE "ValidityTo" IS NULL ORDER BY "FamilyID" LIMIT 1),
          '2024-01-01', id, id FROM "core_User" LIMIT 1
        """#

    @Test(arguments: [false, true])
    func anInvoiceOpenIMISWroteIsSearchedAndRead(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated, prepare: [Self.openIMISInvoice]) { client, _ in
            let id = "a1b2c3d4-0000-4000-8000-000000000001"
            for uri in ["/fhir/Invoice?_count=5", "/fhir/Invoice?identifier=INV-0001", "/fhir/Invoice?_id=\(id.uppercased())"] {
                let (status, bundle) = try await client.fhir(uri: uri, method: .get) { ($0.status, fhirBody($0)) }
                #expect(status == .ok, "\(uri): \(bundle)")
                #expect(entryIDs(bundle) == [id], "\(uri): \(bundle)")
            }
            let (status, invoice) = try await client.fhir(uri: "/fhir/Invoice/\(id)", method: .get) { ($0.status, fhirBody($0)) }
            #expect(status == .ok, "\(invoice)")
            #expect(invoice["totalNet"]?["value"] != nil, "\(invoice)")
        }
    }

    @Test(arguments: [false, true])
    func theCheckFindsTheRealDatabaseClean(migrated: Bool) async throws {
        let lease = try await RealOpenIMIS.freshCopy(migrated: migrated)
        let areas = try await DatabaseCheck.run(.postgres(lease.database))
        #expect(areas.count >= 18)
        let blocking = areas.flatMap(\.findings).filter(\.blocks).map(\.description)
        #expect(blocking == [])
        // The differences the server handles are reported as such.
        #expect(areas.report.contains("note: tblServices.ServiceCode is read from ServCode"), "\(areas.report)")
        #expect(areas.report.contains("note: tblICDCodes.ICDUUID is missing: a name-based UUID"), "\(areas.report)")
    }

    @Test func theCheckNamesAMissingRequiredColumn() async throws {
        let lease = try await RealOpenIMIS.freshCopy(migrated: false)
        _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: Self.dropLastName), logger: TestPostgres.logger).collect()
        let areas = try await DatabaseCheck.run(.postgres(lease.database))
        #expect(!areas.canServeAll)
        let patient = try #require(areas.first { $0.name == "Patient" })
        #expect(!patient.canServe)
        #expect(patient.findings.contains(DatabaseFinding(table: "tblInsuree", column: "LastName", level: .missing,
                                                          detail: "is missing")), "\(areas.report)")
        #expect(areas.first { $0.name == "Medication" }?.canServe == true)
    }

    @Test func theCheckFindsAColumnOfATypeTheServerCannotRead() async throws {
        let lease = try await RealOpenIMIS.freshCopy(migrated: false)
        for sql in [#"ALTER TABLE "tblInsuree" RENAME COLUMN "FamilyID" TO "FamilyIDBefore""#,
                    #"ALTER TABLE "tblInsuree" ADD COLUMN "FamilyID" text"#] {
            _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect()
        }
        let areas = try await DatabaseCheck.run(.postgres(lease.database))
        #expect(areas.report.contains("incompatible: tblInsuree.FamilyID expected integer, found text"), "\(areas.report)")
        #expect(areas.first { $0.name == "Patient" }?.canServe == false)
    }

    @Test func theCheckFindsTheProjectsOwnSQLiteSchemaClean() async throws {
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        let areas = try await DatabaseCheck.run(.sqlite(sqlite))
        #expect(areas.canServeAll, "\(areas.report)")
        #expect(!areas.report.contains("note:"), "\(areas.report)")
    }

    @Test func checkDatabaseReportsAndExitsByWhatItFinds() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        for migrated in [false, true] {
            let lease = try await RealOpenIMIS.freshCopy(migrated: migrated)
            let clean = try AccountCommandTests.run(["check-database"], environment: ImportCommandTests.environment(lease.database.settings))
            #expect(clean.status == 0, "\(clean.output)")
            #expect(clean.output.contains("Patient: ok"), "\(clean.output)")
            #expect(!clean.output.contains("cannot be served"), "\(clean.output)")
        }
        let lease = try await RealOpenIMIS.freshCopy(migrated: false)
        _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: Self.dropLastName), logger: TestPostgres.logger).collect()
        let broken = try AccountCommandTests.run(["check-database"], environment: ImportCommandTests.environment(lease.database.settings))
        #expect(broken.status != 0, "\(broken.output)")
        #expect(broken.output.contains("Patient: cannot be served"), "\(broken.output)")
        #expect(broken.output.contains("missing: tblInsuree.LastName is missing"), "\(broken.output)")
    }

    /// Tables, columns, types and nullability of every table but the project's own; the index names.
    static func shape(_ database: IMISPostgres) async throws -> (columns: Set<[String]>, tables: Set<String>, indexes: Set<String>) {
        let columns = try await texts(database, """
            SELECT table_name::text, column_name::text, data_type::text, udt_name::text, is_nullable::text,
                   COALESCE(character_maximum_length::text, '') FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name NOT LIKE 'imisfhir\\_%'
              AND table_name <> 'fhir_payment_notice_identifier'
            """)
        let tables = try await texts(database, """
            SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()
            """)
        let indexes = try await texts(database, "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()")
        return (Set(columns), Set(tables.compactMap(\.first)), Set(indexes.compactMap(\.first)))
    }

    @Test func migratingAddsOnlyTheProjectsOwnTablesAndIndexes() async throws {
        let lease = try await RealOpenIMIS.freshCopy(migrated: false)
        let before = try await Self.shape(lease.database)
        try await lease.database.migrate()
        let after = try await Self.shape(lease.database)
        let changedColumns = after.columns.symmetricDifference(before.columns).map { $0.joined(separator: " ") }.sorted()
        #expect(changedColumns == [])
        let addedTables = after.tables.subtracting(before.tables)
        #expect(!addedTables.isEmpty)
        // The project's own tables: `imisfhir_*`, and the PaymentNotice identifiers of its first schema.
        let otherTables = addedTables.filter { !$0.hasPrefix("imisfhir_") }.sorted()
        #expect(otherTables == ["fhir_payment_notice_identifier"])
        #expect(before.tables.subtracting(after.tables).sorted() == [])
        let addedIndexes = after.indexes.subtracting(before.indexes)
        #expect(addedIndexes.contains("imisfhir_tblinsuree_uuid_ci"))
        let otherIndexes = addedIndexes.filter { !$0.hasPrefix("imisfhir_") }.sorted()
        #expect(otherIndexes == [])
        #expect(before.indexes.subtracting(after.indexes).sorted() == [])
    }
}

/// A stored row the mapping rejects is the server's fault: 500, never the 4xx the same rule gives a request.
@Suite struct RenderingErrorTests {
    @Test func aRuleOrValueTheMappingRejectsInAStoredRowIs500() {
        for error in [FHIRError(.unprocessable, "Claim.item: code is required") as any Error,
                      RegistryError.invalidValue("ServPrice is not a decimal amount"),
                      DatabaseMismatch(table: "tblProduct", column: "DateFrom", problem: "holds a value that is not a date")] {
            let mapped = FHIRError.rendering(error)
            #expect(mapped.status == .internalServerError, "\(error)")
            #expect(mapped.operationOutcome.issue.first?.code.value == .exception)
        }
    }

    @Test func notFoundAndUnavailableKeepTheirAnswers() {
        #expect(FHIRError.rendering(FHIRError(.notFound, "claim lines not found")).status == .notFound)
        #expect(FHIRError.rendering(DatabaseUnavailable("the database is busy")).status == .serviceUnavailable)
    }
}
