import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Membership
import Testing

@testable import FHIRServer

/// Several stateless server instances on one PostgreSQL database: every piece of token state lives in the
/// database, so what one instance did, the other sees.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct SharedDatabaseTests {
    /// Two applications, each with its own connection pool, over one fresh database with the demo rows and the
    /// user `carla`. Both deliver to one development outbox (the stand-in for the SMS gateway they would share).
    func withTwoInstances(
        _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol, DevelopmentOutbox) async throws -> Void
    ) async throws {
        let outbox = try #require(DevelopmentOutbox.forMode("DEV"))
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        try DemoDataset.load(into: sqlite, clock: .fixed(demoInstant))
        let lease = try await demoPostgres(copying: sqlite)
        let second = IMISPostgres(settings: lease.database.settings, logger: TestPostgres.logger)
        let running = Task.detached { await second.run() }
        defer { running.cancel() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        func app(_ database: IMISPostgres) -> some ApplicationProtocol {
            let storage = Storage.postgres(database)
            let auth = AuthServices.over(storage, signer: JWTSigner(key: .hs256(secret: testSecret)), settings: testTokenSettings,
                                         passwords: .forTesting(), otpSecret: testSecret, outbox: outbox)
            var environment = ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: storage, auth: auth, logger: logger)
            environment.services = [lease]
            return buildApplication(environment)
        }
        _ = try await SQLAccountStore(sql: PostgresAccountSQL(database: lease.database)).createUser(NewUser(
            loginName: "carla", lastName: "carla", otherNames: "carla", storedPassword: PasswordHasher.forTesting().hash("Secret-pass-1"),
            roles: ["Clerk"]), now: Date())
        let one = app(lease.database)
        let other = app(second)
        try await one.test(.router) { a in
            try await other.test(.router) { b in try await body(a, b, outbox) }
        }
    }

    @Test func aRefreshTokenRotatedOnOneInstanceIsRejectedAsReusedOnTheOther() async throws {
        try await withTwoInstances { a, b, _ in
            let (signIn, _, first) = try await a.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            #expect(signIn == .ok)
            let refresh1 = try #require(first["refresh_token"]?.string)
            let (rotated, _, second) = try await a.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(rotated == .ok)
            let refresh2 = try #require(second["refresh_token"]?.string)
            // The other instance sees the first token used: a reuse, which revokes the whole family.
            let (reuse, _, reuseBody) = try await b.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(reuse == .badRequest)
            #expect(reuseBody["error"]?.string == "invalid_grant")
            let (afterReuse, _, _) = try await a.token([("grant_type", "refresh_token"), ("refresh_token", refresh2)])
            #expect(afterReuse == .badRequest)
        }
    }

    @Test func twoInstancesRefreshingTheSameTokenAtOnceRotateItOnce() async throws {
        try await withTwoInstances { a, b, _ in
            let (_, _, first) = try await a.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            let refresh = try #require(first["refresh_token"]?.string)
            async let onA = a.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            async let onB = b.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            let statuses = [try await onA.0, try await onB.0]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
        }
    }

    @Test func signInFailuresCountAcrossInstances() async throws {
        try await withTwoInstances { a, b, _ in
            for client in [a, b, a, b, a] {
                let (status, _, _) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "wrong")])
                #expect(status == .badRequest || status == .tooManyRequests)
            }
            let (status, _, _) = try await b.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            #expect(status != .ok, "five failures on two instances lock the account on both")
        }
    }

    @Test func anOTPChallengeStartedOnOneInstanceIsCompletedOnTheOther() async throws {
        try await withTwoInstances { a, b, outbox in
            let lukas = OTPRouteTests.lukas
            func start(_ client: any TestClientProtocol, phone: String) async throws -> String {
                let (status, body) = try await OTPRouteTests().post(client, "/auth/otp", [
                    ("purpose", "register"), ("chfid", lukas.chfid), ("head_chfid", lukas.head), ("dob", lukas.dob),
                    ("phone", phone)])
                #expect(status == .accepted)
                return try #require(body["otp_id"]?.string)
            }
            func code(to phone: String) async throws -> String {
                for _ in 0..<100 {
                    if let code = OTPRouteTests.code(in: outbox.recent().filter { $0.destination == phone }) { return code }
                    try await Task.sleep(for: .milliseconds(20))
                }
                Issue.record("no code reached \(phone)")
                return ""
            }
            func complete(_ client: any TestClientProtocol, _ otpID: String, _ code: String, user: String)
                async throws -> (HTTPResponse.Status, JSON) {
                try await OTPRouteTests().post(client, "/auth/token", [
                    ("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", code), ("username", user),
                    ("password", "Lukas-pass-1")])
            }
            // Attempts count on both: three wrong codes on one and two on the other use the five attempts up, and
            // then the right code is refused on either.
            let spent = try await start(a, phone: "+255700000201")
            let spentCode = try await code(to: "+255700000201")
            let wrong = spentCode == "000000" ? "111111" : "000000"
            for client in [a, b, a, b, a] {
                #expect(try await complete(client, spent, wrong, user: "lukas").0 == .badRequest)
            }
            #expect(try await complete(b, spent, spentCode, user: "lukas").0 == .badRequest)

            // Started on one instance, completed on the other, and then used up for both.
            let otpID = try await start(a, phone: "+255700000202")
            let right = try await code(to: "+255700000202")
            let (granted, tokens) = try await complete(b, otpID, right, user: "lukas")
            #expect(granted == .ok)
            #expect(tokens["insuree_info"]?["chfid"]?.string == lukas.chfid)
            #expect(try await complete(a, otpID, right, user: "lukas2").0 == .badRequest)
            let (signIn, _, _) = try await a.token([("grant_type", "password"), ("username", "lukas"), ("password", "Lukas-pass-1")])
            #expect(signIn == .ok)
        }
    }
}
