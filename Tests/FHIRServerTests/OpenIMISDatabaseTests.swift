import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import PostgresNIO
import Testing

@testable import FHIRServer

/// The server in front of an existing openIMIS PostgreSQL database, served as it is (`--migrate=false`): tables
/// declared the way openIMIS declares them (quoted CamelCase names, `varchar(36)` UUIDs, `boolean` and `bit`
/// flags, `timestamp` validity, `numeric(18,2)` money, no index on CHFID) and rows written the way openIMIS writes
/// them (an upper-case UUID, a history row with `ValidityTo`/`LegacyID`).
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct OpenIMISDatabaseTests {
    static let headUUID = "5E8B5A02-4C4B-4F3A-9B10-3C0F4A0E7A11"
    static let memberUUID = "0a8c1f0e-2b7d-4a55-8e0b-6a8f1b2c3d44"
    static let familyUUID = "C7D3E1B0-9A4E-4D8B-8F21-1B2C3D4E5F60"

    /// openIMIS's DDL for the tables a Patient and a Group read use (openimis/database_postgresql).
    static let schema = [
        """
        CREATE TABLE "tblLocations" ("LocationId" serial PRIMARY KEY, "LocationUUID" varchar(36) NOT NULL,
          "LocationCode" varchar(8), "LocationName" varchar(50), "ParentLocationId" integer, "LocationType" char(1) NOT NULL,
          "ValidityFrom" timestamp NOT NULL DEFAULT now(), "ValidityTo" timestamp, "LegacyId" integer,
          "AuditUserId" integer NOT NULL, "MalePopulation" integer, "FemalePopulation" integer, "OtherPopulation" integer,
          "Families" integer)
        """,
        """
        CREATE TABLE "tblHF" ("HfID" serial PRIMARY KEY, "HfUUID" varchar(36) NOT NULL, "HFCode" varchar(8) NOT NULL,
          "HFName" varchar(100) NOT NULL, "LegalForm" char(1) NOT NULL, "HFLevel" char(1) NOT NULL, "HFSublevel" char(1),
          "HFAddress" varchar(100), "LocationId" integer NOT NULL, "Phone" varchar(50), "Fax" varchar(50), "eMail" varchar(50),
          "HFCareType" char(1) NOT NULL, "PLServiceID" integer, "PLItemID" integer, "AccCode" varchar(25), "OffLine" bit(1),
          "ValidityFrom" timestamp NOT NULL DEFAULT now(), "ValidityTo" timestamp, "LegacyID" integer, "AuditUserID" integer NOT NULL)
        """,
        """
        CREATE TABLE "tblFamilies" ("FamilyID" serial PRIMARY KEY, "FamilyUUID" varchar(36) NOT NULL, "InsureeID" integer NOT NULL,
          "LocationId" integer, "Poverty" boolean, "ValidityFrom" timestamp with time zone NOT NULL DEFAULT now(),
          "ValidityTo" timestamp with time zone, "LegacyID" integer, "AuditUserID" integer NOT NULL, "FamilyType" varchar(2),
          "FamilyAddress" varchar(200), "isOffline" boolean, "Ethnicity" varchar(1), "ConfirmationNo" varchar(12),
          "ConfirmationType" varchar(3), "JsonExt" text)
        """,
        """
        CREATE TABLE "tblInsuree" ("InsureeID" serial PRIMARY KEY, "InsureeUUID" varchar(36) NOT NULL, "FamilyID" integer,
          "CHFID" varchar(12), "LastName" varchar(100) NOT NULL, "OtherNames" varchar(100) NOT NULL, "DOB" date NOT NULL,
          "Gender" char(1), "Marital" char(1), "IsHead" boolean NOT NULL, "passport" varchar(25), "Phone" varchar(50),
          "PhotoID" integer, "PhotoDate" date, "CardIssued" boolean NOT NULL, "ValidityFrom" timestamp NOT NULL DEFAULT now(),
          "ValidityTo" timestamp, "LegacyID" integer, "AuditUserID" integer NOT NULL, "Relationship" smallint,
          "Profession" smallint, "Education" smallint, "Email" varchar(100), "isOffline" boolean, "TypeOfId" varchar(1),
          "HFID" integer, "CurrentAddress" varchar(200), "GeoLocation" varchar(250), "CurrentVillage" integer,
          "Vulnerability" boolean, "JsonExt" text)
        """,
        #"CREATE TABLE "tblGender" ("Code" char(1) PRIMARY KEY, "Gender" varchar(50), "AltLanguage" varchar(50), "SortOrder" integer)"#,
        """
        CREATE TABLE "tblUsers" ("UserID" serial PRIMARY KEY, "UserUUID" varchar(36) NOT NULL, "LanguageID" varchar(5) NOT NULL,
          "LastName" varchar(100) NOT NULL, "OtherNames" varchar(100) NOT NULL, "Phone" varchar(50), "LoginName" varchar(25) NOT NULL,
          "RoleID" integer NOT NULL, "HFID" integer, "ValidityFrom" timestamp NOT NULL DEFAULT now(), "ValidityTo" timestamp,
          "LegacyID" integer, "AuditUserID" integer NOT NULL, "password" bytea, "DummyPwd" varchar(25), "EmailId" varchar(200),
          "PrivateKey" varchar(256), "StoredPassword" varchar(256), "PasswordValidity" timestamp, "IsAssociated" boolean,
          "LastLogin" timestamp with time zone)
        """,
        """
        CREATE TABLE "tblRole" ("RoleID" serial PRIMARY KEY, "RoleUUID" varchar(36) NOT NULL, "RoleName" varchar(50) NOT NULL,
          "AltLanguage" varchar(50), "IsSystem" integer NOT NULL, "IsBlocked" boolean NOT NULL,
          "ValidityFrom" timestamp NOT NULL, "ValidityTo" timestamp, "AuditUserID" integer, "LegacyID" integer)
        """,
        """
        CREATE TABLE "tblUserRole" ("UserRoleID" serial PRIMARY KEY, "UserID" integer NOT NULL, "RoleID" integer NOT NULL,
          "ValidityFrom" timestamp NOT NULL, "ValidityTo" timestamp, "AudituserID" integer, "LegacyID" integer, "Assign" integer)
        """,
        """
        CREATE TABLE "tblRoleRight" ("RoleRightID" serial PRIMARY KEY, "RoleID" integer NOT NULL, "RightID" integer NOT NULL,
          "ValidityFrom" timestamp NOT NULL, "ValidityTo" timestamp, "AuditUserId" integer, "LegacyID" integer)
        """,
        """
        CREATE TABLE "tblUsersDistricts" ("UserDistrictID" serial PRIMARY KEY, "UserID" integer NOT NULL, "LocationId" integer NOT NULL,
          "ValidityFrom" timestamp NOT NULL DEFAULT now(), "ValidityTo" timestamp, "LegacyID" integer, "AuditUserID" integer NOT NULL)
        """,
    ]

    /// Rows as openIMIS writes them: an update leaves a history copy (new id and UUID, `ValidityTo`, `LegacyID`)
    /// and keeps the current row's id and UUID.
    static let rows = [
        """
        INSERT INTO "tblLocations" ("LocationUUID", "LocationCode", "LocationName", "ParentLocationId", "LocationType", "ValidityFrom", "AuditUserId")
        VALUES ('8D5D6F0E-1A2B-4C3D-8E4F-000000000001', 'R1', 'Region One', NULL, 'R', '2019-01-01', 1),
               ('8d5d6f0e-1a2b-4c3d-8e4f-000000000002', 'R1D1', 'District One', 1, 'D', '2019-01-01', 1),
               ('8d5d6f0e-1a2b-4c3d-8e4f-000000000003', 'R1D1M1', 'Ward One', 2, 'W', '2019-01-01', 1),
               ('8d5d6f0e-1a2b-4c3d-8e4f-000000000004', 'R1D1M1V1', 'Village One', 3, 'V', '2019-01-01', 1)
        """,
        """
        INSERT INTO "tblHF" ("HfUUID", "HFCode", "HFName", "LegalForm", "HFLevel", "LocationId", "HFCareType", "OffLine", "ValidityFrom", "AuditUserID")
        VALUES ('9E6E7F1A-2B3C-4D5E-9F60-000000000001', 'HF001', 'Central Dispensary', 'G', 'D', 2, 'B', B'0', '2019-01-01', 1)
        """,
        """
        INSERT INTO "tblFamilies" ("FamilyUUID", "InsureeID", "LocationId", "Poverty", "ValidityFrom", "AuditUserID", "FamilyAddress")
        VALUES ('\(familyUUID)', 1, 4, false, '2020-02-01 08:00:00+00', 1, 'Plot 7')
        """,
        // 1: the head (current row, updated once: its history copy is row 2); 3: a member.
        """
        INSERT INTO "tblInsuree" ("InsureeUUID", "FamilyID", "CHFID", "LastName", "OtherNames", "DOB", "Gender", "IsHead",
          "CardIssued", "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID", "HFID", "Phone")
        VALUES ('\(headUUID)', 1, '070707070', 'Mensah', 'Ama', '1985-03-04', 'F', true, false, '2021-05-06 07:08:09.123', NULL, NULL, 1, 1, '+233 20 000 0001'),
               ('E0F1A2B3-C4D5-4E6F-8A9B-0C1D2E3F4A5B', 1, '070707070', 'Mensa', 'Ama', '1985-03-04', 'F', true, false, '2020-02-01 08:00:00', '2021-05-06 07:08:09.123', 1, 1, 1, NULL),
               ('\(memberUUID)', 1, '070707071', 'Mensah', 'Kofi', '2012-10-11', 'M', false, false, '2020-02-01 08:00:00', NULL, NULL, 1, NULL, NULL)
        """,
        #"INSERT INTO "tblGender" ("Code", "Gender", "SortOrder") VALUES ('M', 'Male', 1), ('F', 'Female', 2)"#,
        """
        INSERT INTO "tblUsers" ("UserUUID", "LanguageID", "LastName", "OtherNames", "LoginName", "RoleID", "ValidityFrom", "AuditUserID", "StoredPassword", "PrivateKey")
        VALUES ('F1E2D3C4-B5A6-4978-8695-A4B3C2D1E0F9', 'en', 'Admin', 'Admin', 'Admin', 0, '2019-01-01', -1, 'ABCDEF', 'salt')
        """,
        #"INSERT INTO "tblRole" ("RoleUUID", "RoleName", "IsSystem", "IsBlocked", "ValidityFrom") VALUES ('A0B1C2D3-E4F5-4A6B-8C7D-8E9F0A1B2C3D', 'IMIS Administrator', 64, false, '2019-01-01')"#,
        #"INSERT INTO "tblUserRole" ("UserID", "RoleID", "ValidityFrom") VALUES (1, 1, '2019-01-01')"#,
    ]

    /// The openIMIS database, and the server on it without migrations.
    func withOpenIMISServer(_ body: @escaping @Sendable (any TestClientProtocol, IMISPostgres) async throws -> Void) async throws {
        let lease = try await TestPostgres.freshDatabase()
        for statement in Self.schema + Self.rows {
            _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: statement), logger: TestPostgres.logger).collect()
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let storage = Storage.postgres(lease.database)
        var environment = ApplicationEnvironment(
            configuration: ServerConfiguration(), storage: storage, auth: testAuth(storage), logger: logger)
        environment.services = [lease]
        try await buildApplication(environment).test(.router) { client in try await body(client, lease.database) }
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.fhir(uri: uri, method: .get) { ($0.status, fhirBody($0)) }
    }

    @Test func patientReadsByUpperOrLowerCaseUUIDAndByInsuranceNumberShowTheCurrentRow() async throws {
        try await withOpenIMISServer { client, _ in
            let id = Self.headUUID.lowercased()
            for key in [Self.headUUID, id, "070707070"] {
                let (status, patient) = try await get(client, "/fhir/Patient/\(key)")
                #expect(status == .ok, "Patient/\(key)")
                #expect(patient["id"]?.string == id)
                #expect(patient["name"]?.array?.first?["family"]?.string == "Mensah")
                #expect(patient["gender"]?.string == "female")
                #expect(patient["birthDate"]?.string == "1985-03-04")
                // One history row before the current one.
                #expect(patient["meta"]?["versionId"]?.string == "2")
                #expect(patient["meta"]?["lastUpdated"]?.string?.hasPrefix("2021-05-06T07:08:09.123") == true)
            }
            let (missing, _) = try await get(client, "/fhir/Patient/E0F1A2B3-C4D5-4E6F-8A9B-0C1D2E3F4A5B")
            #expect(missing == .notFound, "a history row is not a resource of its own")
        }
    }

    @Test func historyListsTheOpenIMISHistoryRowAsVersionOne() async throws {
        try await withOpenIMISServer { client, _ in
            let (status, bundle) = try await get(client, "/fhir/Patient/\(Self.headUUID)/_history")
            #expect(status == .ok)
            let entries = bundle["entry"]?.array ?? []
            #expect(entries.compactMap { $0["resource"]?["meta"]?["versionId"]?.string } == ["2", "1"])
            #expect(entries.compactMap { $0["resource"]?["name"]?.array?.first?["family"]?.string } == ["Mensah", "Mensa"])
            #expect(Set(entries.compactMap { $0["resource"]?["id"]?.string }) == [Self.headUUID.lowercased()])
        }
    }

    @Test func identifierSearchFindsTheInsureeByInsuranceNumberOrUUID() async throws {
        try await withOpenIMISServer { client, _ in
            for value in ["070707070", Self.headUUID] {
                let (status, bundle) = try await get(client, "/fhir/Patient?identifier=\(value)&_total=accurate")
                #expect(status == .ok)
                #expect(entryIDs(bundle) == [Self.headUUID.lowercased()], "identifier=\(value)")
                #expect(bundle["total"]?.number == "1")
            }
            let (_, nobody) = try await get(client, "/fhir/Patient?identifier=999999999")
            #expect(entryIDs(nobody) == [])
        }
    }

    @Test func groupReadShowsTheFamilyAndItsCurrentMembers() async throws {
        try await withOpenIMISServer { client, _ in
            for key in [Self.familyUUID, Self.familyUUID.lowercased(), "070707070"] {
                let (status, group) = try await get(client, "/fhir/Group/\(key)")
                #expect(status == .ok, "Group/\(key)")
                #expect(group["id"]?.string == Self.familyUUID.lowercased())
                let members = (group["member"]?.array ?? []).compactMap { $0["entity"]?["reference"]?.string }
                #expect(members == ["Patient/\(Self.headUUID.lowercased())", "Patient/\(Self.memberUUID)"])
            }
        }
    }

    @Test func servingWithoutMigrationsCreatesNothing() async throws {
        try await withOpenIMISServer { client, database in
            _ = try await get(client, "/fhir/Patient/070707070")
            let rows = try await database.client.query(
                "SELECT count(*)::int8 FROM information_schema.tables WHERE table_schema = 'public'", logger: TestPostgres.logger
            ).collect()
            #expect(try rows.first?.decode(Int64.self) == Int64(Self.schema.count))
            let indexes = try await database.client.query(
                "SELECT count(*)::int8 FROM pg_indexes WHERE indexname LIKE 'imisfhir%'", logger: TestPostgres.logger
            ).collect()
            #expect(try indexes.first?.decode(Int64.self) == 0)
        }
    }
}
