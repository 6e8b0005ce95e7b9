import Foundation
import GRDB
import Logging
import Testing
@testable import IMISData

/// The backends a store test runs on: SQLite always, PostgreSQL when the test server is set (`IMIS_TEST_POSTGRES`).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    static var available: [StoreBackend] {
        ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] == nil ? [.sqlite] : allCases
    }

    var testDescription: String { rawValue }
}

/// The demo world on `backend` with a stepping clock, for as long as `body` runs.
func withDemoStorage(_ backend: StoreBackend, _ body: (Storage) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let store = try makeDemoStore()
        try await body(.sqlite(store.database, clock: store.clock))
    case .postgresql:
        try await withPostgresDatabase { database in
            try await loadDemo(into: database)
            try await body(.postgres(database, clock: SteppingClock().clock))
        }
    }
}

@Suite("OTP challenges and push tokens")
struct OTPStoreTests {
    struct World {
        let registry: any IMISStore
        let accounts: any AccountStore
        let otp: any OTPChallengeStore
        let jane: Insuree
    }

    func withWorld(_ backend: StoreBackend, _ body: (World) async throws -> Void) async throws {
        try await withDemoStorage(backend) { storage in
            let jane = try #require(try await storage.store.insuree(chfid: DemoDataset.janeDoeCHFID)).record
            try await body(World(registry: storage.store, accounts: storage.accounts, otp: storage.otpChallenges, jane: jane))
        }
    }

    func challenge(_ id: String = RowUUID.make(), purpose: OTPPurpose = .register, insureeID: Int64?,
                   userID: Int64? = nil, mac: String = "mac-1", newPhone: String? = nil, decoy: Bool = false,
                   at created: Date = referenceDate, destinationHash: String = "dest", clientIPHash: String = "ip")
        -> OTPChallenge {
        OTPChallenge(id: id, purpose: purpose, insureeID: insureeID, userID: userID, destination: "+25500000001",
                     channel: .sms, newPhone: newPhone, codeMAC: mac, createdAt: created,
                     expiresAt: created.addingTimeInterval(300), maxAttempts: 5, lastSentAt: created,
                     clientIPHash: clientIPHash, destinationHash: destinationHash, subjectHash: "subject", decoy: decoy)
    }

    func newUser(_ login: String) -> (Insuree) -> NewUser {
        { insuree in
            NewUser(loginName: login, lastName: insuree.lastName, otherNames: insuree.otherNames,
                    storedPassword: "hash", roles: [])
        }
    }

    @Test(arguments: StoreBackend.available) func registrationConsumesOnceCreatesTheInsureeUserAndWritesTheContactInOneGo(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let c = challenge(insureeID: w.jane.id, newPhone: "+255712345678")
            #expect(try await w.otp.createChallenge(c, limits: []) == .created)
            #expect(try await w.registry.insuree(chfid: DemoDataset.janeDoeCHFID)?.record.phone == nil)
            let now = referenceDate.addingTimeInterval(10)
            #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: now)?.attempts == 1)
            let user = try #require(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: now, role: "insuree",
                                                                  makeUser: newUser("jane")))
            #expect(user.loginName == "jane" && user.lastName == "Doe")
            #expect(user.insureeID == w.jane.id)
            #expect(user.roles == ["insuree"])
            let after = try #require(try await w.registry.insuree(chfid: DemoDataset.janeDoeCHFID))
            #expect(after.record.phone == "+255712345678")
            #expect(after.versionId == 2)
            #expect(try await w.otp.challenge(id: c.id)?.consumedAt == now)
            #expect(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: now, role: "insuree",
                                                  makeUser: newUser("jane2")) == nil)
            #expect(try await w.accounts.user(loginName: "jane2") == nil)
        }
    }

    @Test(arguments: StoreBackend.available) func aTakenLoginNameRollsTheConsumptionBack(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            _ = try await w.accounts.createUser(NewUser(loginName: "taken", lastName: "X", otherNames: "Y", storedPassword: "x",
                                                  roles: []), now: referenceDate)
            let c = challenge(insureeID: w.jane.id, newPhone: "+255712345678")
            _ = try await w.otp.createChallenge(c, limits: [])
            await #expect(throws: RegistryError.self) {
                try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                              makeUser: newUser("taken"))
            }
            #expect(try await w.otp.challenge(id: c.id)?.consumedAt == nil)
            #expect(try await w.registry.insuree(chfid: DemoDataset.janeDoeCHFID)?.record.phone == nil)
            #expect(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                                  makeUser: newUser("free"))?.loginName == "free")
        }
    }

    @Test(arguments: StoreBackend.available) func aWrongMACADecoyOrAnExpiredChallengeIsNotConsumed(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let real = challenge(insureeID: w.jane.id)
            let decoy = challenge(insureeID: w.jane.id, decoy: true)
            _ = try await w.otp.createChallenge(real, limits: [])
            _ = try await w.otp.createChallenge(decoy, limits: [])
            #expect(try await w.otp.consumeRegistration(id: real.id, codeMAC: "other", now: referenceDate, role: "insuree",
                                                  makeUser: newUser("a")) == nil)
            #expect(try await w.otp.consumeRegistration(id: decoy.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                                  makeUser: newUser("b")) == nil)
            let late = referenceDate.addingTimeInterval(300)
            #expect(try await w.otp.recordAttempt(id: real.id, purpose: .register, now: late) == nil)
            #expect(try await w.otp.consumeRegistration(id: real.id, codeMAC: "mac-1", now: late, role: "insuree",
                                                  makeUser: newUser("c")) == nil)
            #expect(try await w.otp.recordAttempt(id: real.id, purpose: .login, now: referenceDate) == nil)
            #expect(try await w.otp.consumeLogin(id: real.id, codeMAC: "mac-1", now: referenceDate) { _ in
                RefreshTokenRecord(tokenHash: "t", familyID: "f", userID: 0, scope: "", issuedAt: referenceDate,
                                   expiresAt: referenceDate)
            } == nil)
        }
    }

    @Test(arguments: StoreBackend.available) func theAttemptAfterTheLastAllowedOneIsNotCounted(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let c = challenge(insureeID: w.jane.id)
            _ = try await w.otp.createChallenge(c, limits: [])
            for attempt in 1...5 {
                #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: referenceDate)?.attempts == attempt)
            }
            #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: referenceDate) == nil)
            #expect(try await w.otp.challenge(id: c.id)?.attempts == 5)
            #expect(try await w.otp.replaceCode(id: c.id, codeMAC: "mac-2", now: referenceDate.addingTimeInterval(60),
                                          expiresAt: referenceDate.addingTimeInterval(360), maxResends: 3,
                                          minimumInterval: 60, createdAfter: .distantPast) == .unavailable)
        }
    }

    @Test(arguments: StoreBackend.available) func aResendReplacesTheCodeAndTheExpiryWithinItsLimits(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let c = challenge(insureeID: w.jane.id)
            _ = try await w.otp.createChallenge(c, limits: [])
            func resend(_ after: TimeInterval) async throws -> OTPResend {
                let now = referenceDate.addingTimeInterval(after)
                return try await w.otp.replaceCode(id: c.id, codeMAC: "mac-\(Int(after))", now: now,
                                             expiresAt: now.addingTimeInterval(300), maxResends: 3, minimumInterval: 60,
                                             createdAfter: now.addingTimeInterval(-3600))
            }
            #expect(try await resend(59) == .tooSoon(retryAfter: referenceDate.addingTimeInterval(60)))
            guard case .replaced(let replaced) = try await resend(400) else { Issue.record("not replaced"); return }
            #expect(replaced.codeMAC == "mac-400")
            #expect(replaced.expiresAt == referenceDate.addingTimeInterval(700))
            #expect(replaced.resendCount == 1)
            #expect(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate.addingTimeInterval(401),
                                                  role: "insuree", makeUser: newUser("old")) == nil)
            guard case .replaced = try await resend(460), case .replaced = try await resend(520) else {
                Issue.record("not replaced"); return
            }
            #expect(try await resend(600) == .limitReached)
            #expect(try await resend(3599) == .limitReached)
            #expect(try await resend(3600) == .unavailable)
            #expect(try await w.otp.replaceCode(id: "unknown", codeMAC: "m", now: referenceDate, expiresAt: referenceDate,
                                          maxResends: 3, minimumInterval: 60, createdAfter: .distantPast) == .unavailable)
        }
    }

    @Test(arguments: StoreBackend.available) func limitsCountRecentChallengesAndTellWhenAPlaceFreesUp(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let window: TimeInterval = 3600
            func limits(_ now: Date) -> [OTPRateLimit] {
                [OTPRateLimit(key: .destination(["dest", "other"]), limit: 2, since: now.addingTimeInterval(-window), window: window),
                 OTPRateLimit(key: .clientIP("ip-x"), limit: 3, since: now.addingTimeInterval(-window), window: window)]
            }
            let t0 = referenceDate, t1 = referenceDate.addingTimeInterval(100)
            #expect(try await w.otp.createChallenge(challenge(insureeID: nil, at: t0, clientIPHash: "ip-x"), limits: limits(t0)) == .created)
            #expect(try await w.otp.createChallenge(challenge(insureeID: nil, at: t1, destinationHash: "other"), limits: limits(t1)) == .created)
            let t2 = referenceDate.addingTimeInterval(200)
            #expect(try await w.otp.createChallenge(challenge(insureeID: nil, at: t2, destinationHash: "dest"), limits: limits(t2))
                    == .limited(retryAfter: t0.addingTimeInterval(window)))
            let before = t0.addingTimeInterval(-1)
            #expect(try await w.otp.recentChallenges(.destination(["dest"]), since: before) == [t0])
            #expect(try await w.otp.recentChallenges(.destination(["dest", "other"]), since: before) == [t0, t1])
            #expect(try await w.otp.recentChallenges(.clientIP("ip-x"), since: before) == [t0])
            #expect(try await w.otp.recentChallenges(.subject("subject"), since: t0) == [t1])
            let later = t0.addingTimeInterval(window)
            #expect(try await w.otp.createChallenge(challenge(insureeID: nil, at: later, destinationHash: "dest"),
                                              limits: limits(later)) == .created)
            try await w.otp.purgeChallenges(createdBefore: later)
            #expect(try await w.otp.recentChallenges(.destination(["dest", "other"]), since: before) == [later])
        }
    }

    @Test(arguments: StoreBackend.available) func loginConsumptionStoresTheRefreshTokenOnce(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let user = try await w.accounts.createUser(NewUser(loginName: "jane", lastName: "Doe", otherNames: "Jane",
                                                         storedPassword: "x", roles: [], insureeID: w.jane.id),
                                                 now: referenceDate)
            let c = challenge(purpose: .login, insureeID: w.jane.id, userID: user.id)
            _ = try await w.otp.createChallenge(c, limits: [])
            _ = try await w.otp.recordAttempt(id: c.id, purpose: .login, now: referenceDate)
            func token(_ account: UserAccount) -> RefreshTokenRecord {
                RefreshTokenRecord(tokenHash: "rt-\(account.id)", familyID: "fam", userID: account.id, scope: "openid",
                                   issuedAt: referenceDate, expiresAt: referenceDate.addingTimeInterval(86_400))
            }
            #expect(try await w.otp.consumeLogin(id: c.id, codeMAC: "mac-1", now: referenceDate, makeToken: token)?.id == user.id)
            #expect(try await w.accounts.refreshToken(hash: "rt-\(user.id)")?.userID == user.id)
            #expect(try await w.otp.consumeLogin(id: c.id, codeMAC: "mac-1", now: referenceDate, makeToken: token) == nil)
        }
    }

    @Test(arguments: StoreBackend.available) func aPushTokenStaysWithTheUserWhoRegisteredItAndIsDeletedPerUser(_ backend: StoreBackend) async throws {
        try await withDemoStorage(backend) { storage in
            let store = storage.pushTokens
            #expect(try await store.savePushToken("device-a", userID: 1, now: referenceDate))
            #expect(try await store.savePushToken("device-b", userID: 1, now: referenceDate.addingTimeInterval(1)))
            // Another user cannot take device-a over: refused, and the row is left as it was.
            #expect(try await store.savePushToken("device-a", userID: 2, now: referenceDate.addingTimeInterval(2)) == false)
            #expect(try await store.pushTokens(userID: 1)
                    == [PushToken(token: "device-a", userID: 1, createdAt: referenceDate),
                        PushToken(token: "device-b", userID: 1, createdAt: referenceDate.addingTimeInterval(1))])
            #expect(try await store.pushTokens(userID: 2).isEmpty)
            // Its own user registering it again renews it.
            #expect(try await store.savePushToken("device-a", userID: 1, now: referenceDate.addingTimeInterval(3)))
            #expect(try await store.pushTokens(userID: 1).map(\.token) == ["device-b", "device-a"])
            #expect(try await store.deletePushToken("device-b", userID: 2) == false)
            #expect(try await store.deletePushToken("device-b", userID: 1))
            // Once dropped by its user (or by FCM), the token is free for the device's next user.
            try await store.deletePushToken("device-a")
            #expect(try await store.pushTokens(userID: 1).isEmpty)
            #expect(try await store.savePushToken("device-a", userID: 2, now: referenceDate.addingTimeInterval(4)))
            #expect(try await store.pushTokens(userID: 2).map(\.token) == ["device-a"])
        }
    }

    @Test(arguments: StoreBackend.available) func theRefactoredUserInsertStillRefusesASecondUserForTheInsuree(_ backend: StoreBackend) async throws {
        try await withWorld(backend) { w in
            let c = challenge(insureeID: w.jane.id)
            _ = try await w.accounts.createUser(NewUser(loginName: "first", lastName: "Doe", otherNames: "Jane", storedPassword: "x",
                                                  roles: [], insureeID: w.jane.id), now: referenceDate)
            _ = try await w.otp.createChallenge(c, limits: [])
            await #expect(throws: RegistryError.conflict(AccountConflict.insuree)) {
                try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                              makeUser: newUser("second"))
            }
            #expect(try await w.otp.challenge(id: c.id)?.consumedAt == nil)
        }
    }
}

/// Two server instances on one PostgreSQL database (two connection pools): one challenge's attempts and a
/// contact's limits are counted once however the requests are spread and raced.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
struct PostgresOTPSharingTests {
    func challenge(at created: Date, clientIPHash: String = "ip") -> OTPChallenge {
        OTPChallenge(id: RowUUID.make(), purpose: .register, insureeID: nil, destination: "+25500000001", channel: .sms,
                     codeMAC: "mac-1", createdAt: created, expiresAt: created.addingTimeInterval(300), maxAttempts: 5,
                     lastSentAt: created, clientIPHash: clientIPHash, destinationHash: "dest", subjectHash: "subject",
                     decoy: false)
    }

    @Test func racingAttemptsAndCreationsOnTwoInstancesAreCountedOnce() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            try await withAnotherPool(on: database) { second in
                let stores = [SQLOTPChallengeStore(sql: PostgresAccountSQL(database: database)), SQLOTPChallengeStore(sql: PostgresAccountSQL(database: second))]
                let c = challenge(at: referenceDate)
                #expect(try await stores[0].createChallenge(c, limits: []) == .created)
                let counted = try await withThrowingTaskGroup(of: Int?.self) { group in
                    for attempt in 0..<12 {
                        group.addTask { try await stores[attempt % 2].recordAttempt(id: c.id, purpose: .register, now: referenceDate)?.attempts }
                    }
                    return try await group.reduce(into: [Int]()) { if let n = $1 { $0.append(n) } }
                }
                #expect(counted.sorted() == [1, 2, 3, 4, 5])
                #expect(try await stores[1].challenge(id: c.id)?.attempts == 5)

                let window: TimeInterval = 3600
                let now = referenceDate.addingTimeInterval(10)
                let limits = [OTPRateLimit(key: .destination(["dest"]), limit: 3, since: now.addingTimeInterval(-window), window: window)]
                let created = try await withThrowingTaskGroup(of: OTPCreation.self) { group in
                    for index in 0..<8 {
                        group.addTask { try await stores[index % 2].createChallenge(challenge(at: now), limits: limits) }
                    }
                    return try await group.reduce(into: [OTPCreation]()) { $0.append($1) }
                }
                // The first challenge and two of the racing ones fill the three places.
                #expect(created.filter { $0 == .created }.count == 2)
                #expect(created.filter { $0 == .limited(retryAfter: referenceDate.addingTimeInterval(window)) }.count == 6)
            }
        }
    }
}
