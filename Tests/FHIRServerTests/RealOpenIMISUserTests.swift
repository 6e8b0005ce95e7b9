import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import PostgresNIO
import Testing

@testable import FHIRServer

/// Users created by the server on the real openIMIS 24.10 database (`RealOpenIMIS`): the rows are the ones openIMIS
/// itself would write (`active`, `version`, a language, a uuid key, `core_User` with its version), the password is
/// in openIMIS's form too, and the user signs in.
@Suite(.enabled(if: TestPostgres.url != nil, RealOpenIMIS.skipReason))
struct RealOpenIMISUserTests {
    typealias SQL = RealOpenIMISSignInTests

    @Test(arguments: [false, true])
    func aUserCreatedOnTheRealLayoutSignsInHereAndByOpenIMISsRule(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let district = try #require(try await SQL.rows(database, """
                SELECT "LocationId" FROM "tblLocations" WHERE "LocationType" = 'D' AND "ValidityTo" IS NULL
                ORDER BY "LocationId" LIMIT 1
                """).first?.decode(Int32.self))
            let credentials = PasswordHasher.forTesting().credentials(for: "Officer-pass-1")
            let created = try await Storage.postgres(database).accounts.createUser(NewUser(
                loginName: "officer9", lastName: "Nine", otherNames: "Officer", email: "officer9@example.org",
                storedPassword: credentials.storedPassword, privateKey: credentials.privateKey,
                ownPassword: credentials.ownPassword, roles: ["Clerk"], districts: [Int64(district)]), now: Date())
            #expect(created.roles == ["Clerk"])
            #expect(created.districts == [Int64(district)])
            let row = try #require(try await SQL.rows(database, """
                SELECT "active", "version", "LanguageID", "UUID"::text, "StoredPassword", "PrivateKey"
                FROM "tblUsers" WHERE "LoginName" = 'officer9' AND "ValidityTo" IS NULL
                """).first)
            let (active, version, language, uuid, stored, salt) = try row.decode((Bool, Int32, String, String, String?, String?).self)
            #expect(active)
            #expect(version == 1)
            #expect(language == "en")
            #expect(uuid == created.uuid)
            #expect(SQL.openIMISAccepts("Officer-pass-1", stored: stored, salt: salt))
            let core = try await SQL.rows(database, """
                SELECT "version" FROM "core_User" WHERE username = 'officer9' AND i_user_id = \(created.id)
                """).map { try $0.decode(Int32.self) }
            #expect(core == [1])
            if migrated {
                let own = try await SQL.rows(database, "SELECT password_hash FROM imisfhir_password WHERE user_id = \(created.id)")
                    .map { try $0.decode(String.self) }
                #expect(own == [credentials.ownPassword?.hash])
            }
            let (status, body) = try await SQL.signIn(client, "officer9", "Officer-pass-1")
            #expect(status == .ok, "\(body)")
            let token = try #require(body["access_token"]?.string)
            #expect(try await client.status("/fhir/Patient?_count=1", token: token) != .unauthorized)
            #expect(try await SQL.signIn(client, "officer9", "Officer-pass-2").0 == .badRequest)
        }
    }
}
