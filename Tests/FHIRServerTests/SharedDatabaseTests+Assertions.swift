import FHIRModels
import Foundation
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Membership
import Testing

@testable import FHIRServer

/// Signed client assertions on two instances sharing one PostgreSQL database: the assertion ids live in the
/// database, so an assertion accepted by one instance is a replay on the other.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct SharedAssertionTests {
    @Test func anAssertionAcceptedByOneInstanceIsAReplayOnTheOther() async throws {
        let key = AssertionKey.es384()
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        try DemoDataset.load(into: sqlite, clock: .fixed(demoInstant))
        let lease = try await demoPostgres(copying: sqlite)
        let second = IMISPostgres(settings: lease.database.settings, logger: TestPostgres.logger)
        let running = Task.detached { await second.run() }
        defer { running.cancel() }
        func app(_ database: IMISPostgres) -> some ApplicationProtocol {
            let storage = Storage.postgres(database)
            let auth = AuthServices.over(
                storage, signer: JWTSigner(key: .hs256(secret: testSecret)), settings: testTokenSettings,
                passwords: .forTesting(), otpSecret: testSecret)
            var environment = ApplicationEnvironment(
                configuration: ServerConfiguration(siteURL: "https://imis.example.org"),
                storage: storage, auth: auth, logger: quietLogger)
            environment.services = [lease]
            return buildApplication(environment)
        }
        try await SQLAccountStore(sql: PostgresAccountSQL(database: lease.database)).createClient(
            SystemClient(
                clientID: "dashboard", secretHash: OpaqueSecret.hash(OpaqueSecret.make()), name: "dashboard",
                scope: "system/Patient.rs", createdAt: Date()),
            keys: ClientKeyRegistration(clientID: "dashboard", jwks: AssertionKey.jwks([key]), createdAt: Date()))
        let one = app(lease.database)
        let other = app(second)
        let assertion = try key.sign(
            AssertionKey.claims(client: "dashboard", aud: "https://imis.example.org/auth/token"))
        try await one.test(.router) { a in
            try await other.test(.router) { b in
                let (first, _, body) = try await a.token(assertionRequest(assertion))
                #expect(first == .ok, "\(body)")
                let (replay, _, replayBody) = try await b.token(assertionRequest(assertion))
                #expect(replay == .unauthorized)
                #expect(replayBody["error"]?.string == "invalid_client")
            }
        }
    }
}
