import Crypto
import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import PostgresNIO
import Testing

@testable import FHIRServer

/// Signing in on the real openIMIS 24.10 database (`RealOpenIMIS`), served as it is and migrated: openIMIS's own
/// password hashes sign in, stay as openIMIS wrote them (so openIMIS keeps signing its users in), and the project's
/// stronger hash goes to its own table when the database has it.
@Suite(.enabled(if: TestPostgres.url != nil, RealOpenIMIS.skipReason))
struct RealOpenIMISSignInTests {
    /// Rows of `sql` on `database`.
    static func rows(_ database: IMISPostgres, _ sql: String) async throws -> [PostgresRow] {
        try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect()
    }

    /// `StoredPassword` and `PrivateKey` of the current user `login`.
    static func openIMISHash(_ database: IMISPostgres, _ login: String) async throws -> (stored: String?, salt: String?) {
        let row = try #require(try await rows(database, """
            SELECT "StoredPassword", "PrivateKey" FROM "tblUsers" WHERE "LoginName" = '\(login)' AND "ValidityTo" IS NULL
            """).first)
        return try row.decode((String?, String?).self)
    }

    /// openIMIS's check (openimis-be-core `InteractiveUser.check_password`), computed here on its own:
    /// lower-case hex SHA-256 of the password (trailing white space stripped) and the salt, against the stored hash.
    static func openIMISAccepts(_ password: String, stored: String?, salt: String?) -> Bool {
        guard let stored, let salt else { return false }
        var trimmed = Substring(password)
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        let digest = SHA256.hash(data: Data((trimmed + salt).utf8)).map { String(format: "%02x", $0) }.joined()
        return digest == stored.lowercased()
    }

    /// The password grant for `user`; status and answer.
    static func signIn(_ client: any TestClientProtocol, _ user: String, _ password: String) async throws -> (HTTPResponse.Status, JSON) {
        let (status, _, body) = try await client.token([("grant_type", "password"), ("username", user), ("password", password)])
        return (status, body)
    }

    @Test(arguments: [false, true])
    func adminSignsInAndOpenIMISsOwnHashStaysValid(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let before = try await Self.openIMISHash(database, RealOpenIMIS.adminLogin)
            #expect(Self.openIMISAccepts(RealOpenIMIS.adminPassword, stored: before.stored, salt: before.salt))
            let (status, body) = try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword)
            #expect(status == .ok, "\(body)")
            let token = try #require(body["access_token"]?.string)
            #expect(try await client.status("/fhir/Patient?_count=1", token: token) == .ok)
            // A second sign-in works the same (through the own hash when migrated).
            #expect(try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword).0 == .ok)
            let after = try await Self.openIMISHash(database, RealOpenIMIS.adminLogin)
            #expect(after.stored == before.stored)
            #expect(after.salt == before.salt)
            #expect(Self.openIMISAccepts(RealOpenIMIS.adminPassword, stored: after.stored, salt: after.salt))
            if migrated {
                let own = try await Self.rows(database, """
                    SELECT p.password_hash FROM imisfhir_password p JOIN "tblUsers" u ON u.id = p.user_id
                    WHERE u."LoginName" = 'Admin' AND u."ValidityTo" IS NULL
                    """).map { try $0.decode(String.self) }
                #expect(own.count == 1)
                #expect(own.first?.hasPrefix("pbkdf2_sha256$") == true)
            } else {
                // Served as it is: nothing of the project's was created.
                let found = try await Self.rows(database, "SELECT to_regclass('imisfhir_password') IS NULL")
                #expect(try found.first?.decode(Bool.self) == true)
            }
        }
    }

    @Test(arguments: [false, true])
    func refreshTokensNeedTheProjectsTablesAndTheAliasLoginWorks(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, _ in
            let (status, body) = try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword)
            #expect(status == .ok)
            if migrated {
                let refresh = try #require(body["refresh_token"]?.string)
                let (again, _, renewed) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
                #expect(again == .ok)
                #expect(renewed["refresh_token"]?.string != nil)
                #expect(renewed["refresh_token"]?.string != refresh)
            } else {
                // Nowhere to keep one: none is issued, and any presented is refused as RFC 6749 §5.2 says.
                #expect(body["refresh_token"] == nil)
                let (refused, _, error) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", "x")])
                #expect(refused == .badRequest)
                #expect(error["error"]?.string == "invalid_grant")
            }
            let (wrong, failure) = try await Self.signIn(client, RealOpenIMIS.adminLogin, "admin1234")
            #expect(wrong == .badRequest)
            #expect(failure["error"]?.string == "invalid_grant")
            let (aliasStatus, alias) = try await client.execute(
                uri: "/api/api_fhir_r4/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username": "Admin", "password": "admin123"}"#)
            ) { ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null) }
            #expect(aliasStatus == .ok)
            let token = try #require(alias["token"]?.string)
            #expect(try await client.status("/fhir/Patient?_count=1", token: token) == .ok)
        }
    }

    @Test func aPasswordChangedByOpenIMISReplacesTheOwnHash() async throws {
        try await RealOpenIMIS.withServer(migrated: true) { client, database in
            #expect(try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword).0 == .ok)
            // openIMIS's set_password: a new salt, the SHA-256 of the password and the salt, upper-case.
            let salt = String(repeating: "5a", count: 128)
            let stored = PasswordHasher.legacyHash("Changed-pass-1", salt: salt)
            _ = try await Self.rows(database, """
                UPDATE "tblUsers" SET "StoredPassword" = '\(stored)', "PrivateKey" = '\(salt)' WHERE "LoginName" = 'Admin'
                """)
            #expect(try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword).0 == .badRequest)
            #expect(try await Self.signIn(client, RealOpenIMIS.adminLogin, "Changed-pass-1").0 == .ok)
            let after = try await Self.openIMISHash(database, RealOpenIMIS.adminLogin)
            #expect(after.stored == stored)
            #expect(after.salt == salt)
        }
    }

    @Test(arguments: [#""active" = false"#, "date_deactivated = now()"])
    func aDeactivatedUserCannotSignInAndItsTokensStop(change: String) async throws {
        try await RealOpenIMIS.withServer(migrated: true) { client, database in
            let (status, body) = try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword)
            #expect(status == .ok)
            let token = try #require(body["access_token"]?.string)
            _ = try await Self.rows(database, #"UPDATE "tblUsers" SET \#(change) WHERE "LoginName" = 'Admin'"#)
            let (refused, failure) = try await Self.signIn(client, RealOpenIMIS.adminLogin, RealOpenIMIS.adminPassword)
            #expect(refused == .badRequest)
            #expect(failure["error"]?.string == "invalid_grant")
            #expect(try await client.status("/fhir/Patient?_count=1", token: token) == .unauthorized)
        }
    }

    @Test func theAdminHasItsOpenIMISRolesRightsAndDistricts() async throws {
        try await RealOpenIMIS.withServer(migrated: false) { _, database in
            let admin = try #require(try await Storage.postgres(database).accounts.user(loginName: RealOpenIMIS.adminLogin))
            #expect(admin.administrator)
            let rights = try await Self.rows(database, """
                SELECT DISTINCT rr."RightID" FROM "tblUserRole" ur JOIN "tblRole" r ON r."RoleID" = ur."RoleID"
                JOIN "tblRoleRight" rr ON rr."RoleID" = r."RoleID"
                WHERE ur."UserID" = \(admin.id) AND ur."ValidityTo" IS NULL AND r."ValidityTo" IS NULL AND NOT r."IsBlocked"
                  AND rr."ValidityTo" IS NULL
                """).map { Int(try $0.decode(Int32.self)) }
            #expect(!rights.isEmpty)
            #expect(admin.rights == Set(rights))
            let roles = try await Self.rows(database, """
                SELECT r."RoleName" FROM "tblUserRole" ur JOIN "tblRole" r ON r."RoleID" = ur."RoleID"
                WHERE ur."UserID" = \(admin.id) AND ur."ValidityTo" IS NULL AND r."ValidityTo" IS NULL AND NOT r."IsBlocked"
                """).map { try $0.decode(String.self) }
            #expect(Set(admin.roles) == Set(roles))
            let districts = try await Self.rows(database, """
                SELECT "LocationId" FROM "tblUsersDistricts" WHERE "UserID" = \(admin.id) AND "ValidityTo" IS NULL
                """).map { Int64(try $0.decode(Int32.self)) }
            #expect(admin.districts == Set(districts))
            #expect(admin.uuid == "281953c0-1c1a-4cf8-b93c-8e8b33c617c2")
        }
    }

    @Test(arguments: [false, true])
    func fiveFailedSignInsLockTheNameEvenWithoutTheProjectsTables(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, _ in
            for attempt in 1...5 {
                let (status, _) = try await Self.signIn(client, RealOpenIMIS.adminLogin, "wrong-\(attempt)")
                #expect(status == (attempt < 5 ? .badRequest : .tooManyRequests))
            }
            let (status, headers, body) = try await client.token([("grant_type", "password"), ("username", "Admin"),
                                                                   ("password", RealOpenIMIS.adminPassword)])
            #expect(status == .tooManyRequests)
            #expect(Int(headers[.retryAfter] ?? "") ?? 0 > 200)
            #expect(body["access_token"] == nil)
        }
    }
}
