import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// An application with its auth services, for the token endpoint tests.
struct AuthTestWorld {
    let app: any ApplicationProtocol
    let database: IMISDatabase
    let auth: AuthServices

    /// The demo world; tokens signed with `signer` (HS256 test secret by default); `adjust` changes the services.
    static func make(signer: JWTSigner = JWTSigner(key: .hs256(secret: testSecret)),
                     configuration: ServerConfiguration = ServerConfiguration(),
                     settings: TokenSettings = testTokenSettings,
                     clock: @escaping @Sendable () -> Date = { Date() },
                     adjust: (inout AuthServices) -> Void = { _ in }) async throws -> AuthTestWorld {
        let database = try demoDatabase()
        let logger = quietLogger
        var storage = Storage.sqlite(database)
        var lease: TestDatabaseLease?
        if TestPostgres.isBackend {
            let fresh = try await demoPostgres(copying: database)
            storage = .postgres(fresh.database)
            lease = fresh
        }
        var auth = AuthServices.over(storage, signer: signer, settings: settings, passwords: .forTesting(), otpSecret: testSecret,
                                       outbox: DevelopmentOutbox.forMode("DEV"), clock: clock)
        adjust(&auth)
        var environment = ApplicationEnvironment(configuration: configuration, storage: storage, auth: auth, logger: logger)
        environment.services = lease.map { [$0] } ?? []
        let app = buildApplication(environment)
        return AuthTestWorld(app: app, database: database, auth: auth)
    }

    /// The demo world with row security on: users see the rows of their districts only.
    static func withRowSecurity() async throws -> AuthTestWorld {
        var settings = testTokenSettings
        settings.rowSecurity = true
        return try await make(settings: settings)
    }

    /// The `LocationId` of the demo location with `code` (districts: R1D1 Rapta, R1D2 Tahida).
    func locationID(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        try #require(try await auth.registry.record(Location.self, code: code)?.record.id, "location \(code)",
                     sourceLocation: sourceLocation)
    }

    /// A user with a fast test hash of `password`.
    @discardableResult
    func user(_ name: String, password: String = "Secret-pass-1", roles: [String] = ["Clerk"], insureeCHFID: String? = nil,
              districts: [Int64] = []) async throws -> UserAccount {
        var insureeID: Int64?
        if let chfid = insureeCHFID { insureeID = try await auth.registry.insuree(chfid: chfid)?.record.id }
        let credentials = PasswordHasher.forTesting().credentials(for: password)
        return try await auth.accounts.createUser(NewUser(
            loginName: name, lastName: name, otherNames: name, email: "\(name)@example.org",
            storedPassword: credentials.storedPassword, privateKey: credentials.privateKey,
            ownPassword: credentials.ownPassword, roles: roles, districts: districts, insureeID: insureeID), now: Date())
    }

    /// A system client; its secret.
    func client(_ id: String, scope: String) async throws -> String {
        let secret = OpaqueSecret.make()
        try await auth.accounts.createClient(SystemClient(clientID: id, secretHash: OpaqueSecret.hash(secret), name: id,
                                                         scope: scope, createdAt: Date()))
        return secret
    }

    /// The messages the development outbox got for `destination`, waiting a little for the background delivery.
    func messages(to destination: String, atLeast count: Int = 1, attempts: Int = 100) async throws -> [OutgoingMessage] {
        for _ in 0..<attempts {
            let found = auth.outbox?.recent().filter { $0.destination == destination } ?? []
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return auth.outbox?.recent().filter { $0.destination == destination } ?? []
    }

    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await app.test(.router) { client in try await body(client) }
    }
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

/// `application/x-www-form-urlencoded` text of `pairs`.
func form(_ pairs: [(String, String)]) -> ByteBuffer {
    ByteBuffer(string: pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&"))
}

extension TestClientProtocol {
    /// POSTs a form to the token endpoint; status, headers and the JSON answer.
    func token(_ pairs: [(String, String)], headers: HTTPFields = formHeaders) async throws -> (HTTPResponse.Status, HTTPFields, JSON) {
        try await execute(uri: "/auth/token", method: .post, headers: headers, body: form(pairs)) { response in
            (response.status, response.headers, (try? JSONParser.parse(Array(buffer: response.body))) ?? .null)
        }
    }

    /// Signs `user` in with the password grant (and `scope` when given); the access token. The sign-in must succeed.
    func signIn(_ user: String, password: String = "Secret-pass-1", scope: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var pairs = [("grant_type", "password"), ("username", user), ("password", password)]
        if let scope { pairs.append(("scope", scope)) }
        let (status, _, body) = try await token(pairs)
        #expect(status == .ok, "sign-in of \(user)", sourceLocation: sourceLocation)
        return try #require(body["access_token"]?.string, "sign-in of \(user)", sourceLocation: sourceLocation)
    }

    /// GET with a bearer token; the status.
    func status(_ uri: String, token: String?) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers) { $0.status }
    }
}
