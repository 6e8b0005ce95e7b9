import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite("OTP challenges and push tokens")
struct OTPStoreTests {
    struct World {
        let database: IMISDatabase
        let registry: SQLiteRegistryStore
        let accounts: SQLiteAccountStore
        let otp: SQLiteOTPChallengeStore
        let jane: Insuree
    }

    func world() throws -> World {
        let registry = try makeDemoStore()
        let jane = try #require(try registry.insuree(chfid: DemoDataset.janeDoeCHFID)).record
        return World(database: registry.database, registry: registry,
                     accounts: SQLiteAccountStore(database: registry.database),
                     otp: SQLiteOTPChallengeStore(database: registry.database), jane: jane)
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

    @Test func registrationConsumesOnceCreatesTheInsureeUserAndWritesTheContactInOneGo() async throws {
        let w = try world()
        let c = challenge(insureeID: w.jane.id, newPhone: "+255712345678")
        #expect(try await w.otp.createChallenge(c, limits: []) == .created)
        #expect(try w.registry.insuree(chfid: DemoDataset.janeDoeCHFID)?.record.phone == nil)
        let now = referenceDate.addingTimeInterval(10)
        #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: now)?.attempts == 1)
        let user = try #require(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: now, role: "insuree",
                                                              makeUser: newUser("jane")))
        #expect(user.loginName == "jane" && user.lastName == "Doe")
        #expect(user.insureeID == w.jane.id)
        #expect(user.roles == ["insuree"])
        let after = try #require(try w.registry.insuree(chfid: DemoDataset.janeDoeCHFID))
        #expect(after.record.phone == "+255712345678")
        #expect(after.versionId == 2)
        #expect(try w.otp.challenge(id: c.id)?.consumedAt == now)
        #expect(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: now, role: "insuree",
                                              makeUser: newUser("jane2")) == nil)
        #expect(try w.accounts.user(loginName: "jane2") == nil)
    }

    @Test func aTakenLoginNameRollsTheConsumptionBack() async throws {
        let w = try world()
        _ = try await w.accounts.createUser(NewUser(loginName: "taken", lastName: "X", otherNames: "Y", storedPassword: "x",
                                              roles: []), now: referenceDate)
        let c = challenge(insureeID: w.jane.id, newPhone: "+255712345678")
        _ = try await w.otp.createChallenge(c, limits: [])
        await #expect(throws: RegistryError.self) {
            try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                          makeUser: newUser("taken"))
        }
        #expect(try w.otp.challenge(id: c.id)?.consumedAt == nil)
        #expect(try w.registry.insuree(chfid: DemoDataset.janeDoeCHFID)?.record.phone == nil)
        #expect(try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                              makeUser: newUser("free"))?.loginName == "free")
    }

    @Test func aWrongMACADecoyOrAnExpiredChallengeIsNotConsumed() async throws {
        let w = try world()
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

    @Test func theAttemptAfterTheLastAllowedOneIsNotCounted() async throws {
        let w = try world()
        let c = challenge(insureeID: w.jane.id)
        _ = try await w.otp.createChallenge(c, limits: [])
        for attempt in 1...5 {
            #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: referenceDate)?.attempts == attempt)
        }
        #expect(try await w.otp.recordAttempt(id: c.id, purpose: .register, now: referenceDate) == nil)
        #expect(try w.otp.challenge(id: c.id)?.attempts == 5)
        #expect(try await w.otp.replaceCode(id: c.id, codeMAC: "mac-2", now: referenceDate.addingTimeInterval(60),
                                      expiresAt: referenceDate.addingTimeInterval(360), maxResends: 3,
                                      minimumInterval: 60, createdAfter: .distantPast) == .unavailable)
    }

    @Test func aResendReplacesTheCodeAndTheExpiryWithinItsLimits() async throws {
        let w = try world()
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

    @Test func limitsCountRecentChallengesAndTellWhenAPlaceFreesUp() async throws {
        let w = try world()
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
        #expect(try w.otp.recentChallenges(.destination(["dest"]), since: before) == [t0])
        #expect(try w.otp.recentChallenges(.destination(["dest", "other"]), since: before) == [t0, t1])
        #expect(try w.otp.recentChallenges(.clientIP("ip-x"), since: before) == [t0])
        #expect(try w.otp.recentChallenges(.subject("subject"), since: t0) == [t1])
        let later = t0.addingTimeInterval(window)
        #expect(try await w.otp.createChallenge(challenge(insureeID: nil, at: later, destinationHash: "dest"),
                                          limits: limits(later)) == .created)
        try await w.otp.purgeChallenges(createdBefore: later)
        #expect(try w.otp.recentChallenges(.destination(["dest", "other"]), since: before) == [later])
    }

    @Test func loginConsumptionStoresTheRefreshTokenOnce() async throws {
        let w = try world()
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
        #expect(try w.accounts.refreshToken(hash: "rt-\(user.id)")?.userID == user.id)
        #expect(try await w.otp.consumeLogin(id: c.id, codeMAC: "mac-1", now: referenceDate, makeToken: token) == nil)
    }

    @Test func pushTokensUpsertOnTheTokenAndAreDeletedPerUser() async throws {
        let store = SQLitePushTokenStore(database: try makeDatabase())
        try await store.savePushToken("device-a", userID: 1, now: referenceDate)
        try await store.savePushToken("device-b", userID: 1, now: referenceDate.addingTimeInterval(1))
        try await store.savePushToken("device-a", userID: 2, now: referenceDate.addingTimeInterval(2))
        #expect(try store.pushTokens(userID: 1).map(\.token) == ["device-b"])
        #expect(try store.pushTokens(userID: 2)
                == [PushToken(token: "device-a", userID: 2, createdAt: referenceDate.addingTimeInterval(2))])
        #expect(try await store.deletePushToken("device-b", userID: 2) == false)
        #expect(try await store.deletePushToken("device-b", userID: 1))
        try await store.deletePushToken("device-a")
        #expect(try store.pushTokens(userID: 1).isEmpty && store.pushTokens(userID: 2).isEmpty)
    }

    @Test func theRefactoredUserInsertStillRefusesASecondUserForTheInsuree() async throws {
        let w = try world()
        let c = challenge(insureeID: w.jane.id)
        _ = try await w.accounts.createUser(NewUser(loginName: "first", lastName: "Doe", otherNames: "Jane", storedPassword: "x",
                                              roles: [], insureeID: w.jane.id), now: referenceDate)
        _ = try await w.otp.createChallenge(c, limits: [])
        await #expect(throws: RegistryError.conflict(AccountConflict.insuree)) {
            try await w.otp.consumeRegistration(id: c.id, codeMAC: "mac-1", now: referenceDate, role: "insuree",
                                          makeUser: newUser("second"))
        }
        #expect(try w.otp.challenge(id: c.id)?.consumedAt == nil)
    }
}
