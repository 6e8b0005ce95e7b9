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
    /// user `carla`.
    func withTwoInstances(
        _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
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
            var environment = ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: storage, auth: testAuth(storage), logger: logger)
            environment.services = [lease]
            return buildApplication(environment)
        }
        _ = try await PostgresAccountStore(database: lease.database).createUser(NewUser(
            loginName: "carla", lastName: "carla", otherNames: "carla", storedPassword: PasswordHasher.forTesting().hash("Secret-pass-1"),
            roles: ["Clerk"]), now: Date())
        let one = app(lease.database)
        let other = app(second)
        try await one.test(.router) { a in
            try await other.test(.router) { b in try await body(a, b) }
        }
    }

    @Test func aRefreshTokenRotatedOnOneInstanceIsRejectedAsReusedOnTheOther() async throws {
        try await withTwoInstances { a, b in
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
        try await withTwoInstances { a, b in
            let (_, _, first) = try await a.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            let refresh = try #require(first["refresh_token"]?.string)
            async let onA = a.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            async let onB = b.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            let statuses = [try await onA.0, try await onB.0]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
        }
    }

    @Test func signInFailuresCountAcrossInstances() async throws {
        try await withTwoInstances { a, b in
            for client in [a, b, a, b, a] {
                let (status, _, _) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "wrong")])
                #expect(status == .badRequest || status == .tooManyRequests)
            }
            let (status, _, _) = try await b.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            #expect(status != .ok, "five failures on two instances lock the account on both")
        }
    }
}
