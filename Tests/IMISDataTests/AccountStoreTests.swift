import Foundation
import Testing
@testable import IMISData

@Suite("Accounts: users, roles, clients, refresh tokens, sign-in throttling")
struct AccountStoreTests {
    /// A migrated database on `backend` with two roles, for as long as `body` runs.
    func withStore(_ backend: StoreBackend, _ body: (any AccountStore) async throws -> Void) async throws {
        func run(_ store: any AccountStore) async throws {
            try await store.defineRole(RoleDefinition(name: "IMIS Administrator", systemFlags: 64, rights: []), now: referenceDate)
            try await store.defineRole(RoleDefinition(name: "Clerk", systemFlags: 8, rights: [101101, 101001]), now: referenceDate)
            try await body(store)
        }
        switch backend {
        case .sqlite:
            try await run(SQLAccountStore(sql: SQLiteAccountSQL(database: try makeDatabase())))
        case .postgresql:
            try await withPostgresDatabase { database in
                try await database.migrate()
                try await run(SQLAccountStore(sql: PostgresAccountSQL(database: database)))
            }
        }
    }

    @Test(arguments: StoreBackend.available) func aUserCarriesTheRightsOfItsRolesAndItsDistricts(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let created = try await store.createUser(NewUser(loginName: "clerk", lastName: "Clerk", otherNames: "Carla",
                                                       storedPassword: "x", roles: ["Clerk"]), now: referenceDate)
            #expect(created.rights == [101101, 101001])
            #expect(created.administrator == false)
            #expect(created.roles == ["Clerk"])
            let admin = try await store.createUser(NewUser(loginName: "Admin", lastName: "Admin", otherNames: "Ada",
                                                     storedPassword: "x", roles: ["IMIS Administrator"]), now: referenceDate)
            #expect(admin.administrator)
            #expect(try await store.user(loginName: "clerk")?.id == created.id)
            #expect(try await store.user(loginName: "CLERK") == nil)
        }
    }

    @Test(arguments: StoreBackend.available) func aSecondUserWithTheSameLoginOrInsureeIsRefused(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.createUser(NewUser(loginName: "jdoe", lastName: "Doe", otherNames: "John", storedPassword: "x",
                                             roles: [], insureeID: 7), now: referenceDate)
            await #expect(throws: RegistryError.self) {
                try await store.createUser(NewUser(loginName: "jdoe", lastName: "Doe", otherNames: "J", storedPassword: "x", roles: []),
                                     now: referenceDate)
            }
            await #expect(throws: RegistryError.self) {
                try await store.createUser(NewUser(loginName: "other", lastName: "Doe", otherNames: "J", storedPassword: "x",
                                             roles: [], insureeID: 7), now: referenceDate)
            }
            #expect(try await store.user(insureeID: 7)?.loginName == "jdoe")
        }
    }

    @Test(arguments: StoreBackend.available) func fiveFailuresLockTheNameForFiveMinutesThenTheCountStartsAgain(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            var throttle = LoginThrottle(failures: 0, lockedUntil: nil)
            for _ in 1...5 {
                throttle = try await store.recordLoginFailure(username: "x", now: referenceDate, limit: 5, lockFor: 300)
            }
            #expect(throttle.failures == 5)
            #expect(throttle.lockedUntil == referenceDate.addingTimeInterval(300))
            let later = try await store.recordLoginFailure(username: "x", now: referenceDate.addingTimeInterval(301), limit: 5, lockFor: 300)
            #expect(later.failures == 1)
            #expect(later.lockedUntil == nil)
            try await store.clearLoginFailures(username: "x")
            #expect(try await store.loginThrottle(username: "x") == nil)
        }
    }

    @Test(arguments: StoreBackend.available) func aRefreshTokenRotatesOnceAndItsReuseRevokesTheFamily(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let first = RefreshTokenRecord(tokenHash: "h1", familyID: "f", userID: 1, scope: "openid", issuedAt: referenceDate,
                                           expiresAt: referenceDate.addingTimeInterval(3600))
            try await store.storeRefreshToken(first)
            let rotation = try await store.rotateRefreshToken(hash: "h1", now: referenceDate) { previous in
                RefreshTokenRecord(tokenHash: "h2", familyID: previous.familyID, userID: 1, scope: previous.scope,
                                   issuedAt: referenceDate, expiresAt: previous.expiresAt)
            }
            #expect(rotation == .rotated(previous: first))
            let reuse = try await store.rotateRefreshToken(hash: "h1", now: referenceDate) { $0 }
            #expect(reuse == .reused(familyID: "f"))
            #expect(try await store.refreshToken(hash: "h2")?.revokedAt != nil)
            #expect(try await store.rotateRefreshToken(hash: "unknown", now: referenceDate) { $0 } == .invalid)
        }
    }

    @Test(arguments: StoreBackend.available) func anExpiredRefreshTokenIsInvalid(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            try await store.storeRefreshToken(RefreshTokenRecord(tokenHash: "old", familyID: "f", userID: 1, scope: "",
                                                           issuedAt: referenceDate, expiresAt: referenceDate))
            #expect(try await store.rotateRefreshToken(hash: "old", now: referenceDate.addingTimeInterval(1)) { $0 } == .invalid)
        }
    }

    @Test(arguments: StoreBackend.available) func clientsAreStoredOnceWithTheirSecretHash(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let client = SystemClient(clientID: "payments", secretHash: "hash", name: "Payment layer",
                                      scope: "system/Invoice.cru", createdAt: referenceDate)
            try await store.createClient(client)
            #expect(try await store.client(id: "payments") == client)
            await #expect(throws: RegistryError.self) { try await store.createClient(client) }
        }
    }
}
