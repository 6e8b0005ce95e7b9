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

/// A fixed clock for the demo data, so `meta.lastUpdated` is known.
let demoInstant = Date(timeIntervalSince1970: 1_700_000_000)

/// The database a test application serves: the in-memory SQLite database the demo world is loaded into, or, with
/// `IMIS_TEST_BACKEND=postgresql`, the fresh PostgreSQL database holding a copy of its rows. Tests that arrange
/// rows behind the API's back write through ``store(clock:)``, which reaches the one the application serves.
struct TestBackend: Sendable {
    let sqlite: IMISDatabase
    let postgres: IMISPostgres?

    /// The registry and insurance store of the served database, stamping writes with `clock`.
    func store(clock: RegistryClock = .system) -> any IMISStore {
        if let postgres { return PostgresRegistryStore(database: postgres, clock: clock) }
        return SQLiteRegistryStore(database: sqlite, clock: clock)
    }
}

/// A fresh in-memory SQLite database with the demo dataset, its rows stamped at ``demoInstant``.
func demoDatabase() throws -> IMISDatabase {
    let database = try IMISDatabase.inMemory()
    try database.migrate()
    try DemoDataset.load(into: database, clock: .fixed(demoInstant))
    return database
}

/// A logger that says only what is critical: tests look at answers, not at logs.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A fresh in-memory database with the demo dataset, and the application over it (on PostgreSQL with
/// `IMIS_TEST_BACKEND=postgresql`), mapping with `mapping`.
func makeTestApplication(configuration: ServerConfiguration = ServerConfiguration(), mapping: MappingContext = MappingContext())
    async throws -> (some ApplicationProtocol, TestBackend) {
    let database = try demoDatabase()
    let logger = quietLogger
    var environment = testEnvironment(configuration: configuration, database: database, logger: logger)
    var postgres: IMISPostgres?
    if TestPostgres.isBackend {
        let lease = try await demoPostgres(copying: database)
        postgres = lease.database
        environment = ApplicationEnvironment(
            configuration: configuration, storage: .postgres(lease.database), auth: testAuth(.postgres(lease.database)),
            logger: logger)
        environment.services = [lease]
    }
    environment.mapping = mapping
    let app = buildApplication(environment)
    return (app, TestBackend(sqlite: database, postgres: postgres))
}

/// A fresh PostgreSQL test database, migrated, with the rows of `database`.
func demoPostgres(copying database: IMISDatabase) async throws -> TestDatabaseLease {
    let lease = try await TestPostgres.freshDatabase()
    try await lease.database.migrate()
    try await lease.database.copyRows(from: database)
    return lease
}

/// The HS256 secret, issuer and audience of the test applications' tokens.
let testSecret = Array("the-http-tests-sign-their-tokens-with-this".utf8)
let testTokenSettings = TokenSettings(issuer: "http://imis-fhir.test", audience: "http://imis-fhir.test")

/// The membership services of a test application: a known secret, a fast password hasher (demo users keep their
/// production-strength hashes).
func testAuth(_ database: IMISDatabase, clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
    AuthServices.sqlite(database: database, signer: JWTSigner(key: .hs256(secret: testSecret)), settings: testTokenSettings,
                        passwords: .forTesting(), otpSecret: testSecret, outbox: DevelopmentOutbox.forMode("DEV"), clock: clock)
}

/// The membership services of a test application over `storage`.
func testAuth(_ storage: Storage, clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
    AuthServices.over(storage, signer: JWTSigner(key: .hs256(secret: testSecret)), settings: testTokenSettings,
                      passwords: .forTesting(), otpSecret: testSecret, outbox: DevelopmentOutbox.forMode("DEV"), clock: clock)
}

/// The environment of a test application over `database`.
func testEnvironment(configuration: ServerConfiguration = ServerConfiguration(), database: IMISDatabase, logger: Logger) -> ApplicationEnvironment {
    ApplicationEnvironment(configuration: configuration, database: database, auth: testAuth(database), logger: logger)
}

/// A signed access token for the user `uid` (the demo world's Admin is UserID 1), valid for an hour.
func testToken(uid: Int64 = 1, insuree: Int64? = nil, scope: String = "user/*.cruds", clientID: String? = nil) -> String {
    let now = Int64(Date().timeIntervalSince1970)
    let claims = AccessTokenClaims(iss: testTokenSettings.issuer, aud: testTokenSettings.audience,
                                   sub: clientID.map { "client:\($0)" } ?? "user:\(uid)", exp: now + 3600, iat: now,
                                   nbf: now, jti: UUID().uuidString, scope: scope, uid: clientID == nil ? uid : nil,
                                   client_id: clientID, insuree: insuree)
    return try! JWTSigner(key: .hs256(secret: testSecret)).sign(claims)
}

/// The demo administrator's token.
let adminToken = testToken()

extension TestClientProtocol {
    /// A request as the demo administrator: a bearer token is added unless the test sets `Authorization` itself.
    func fhir<Return>(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                      testCallback: @escaping (TestResponse) async throws -> Return = { $0 }) async throws -> Return {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = "Bearer \(adminToken)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body, testCallback: testCallback)
    }
}

/// The parsed body of a response, checked to be valid FHIR R4 by the project's own validator.
func fhirBody(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
    let bytes = Array(buffer: response.body)
    do {
        _ = try Resource.decode(bytes)
    } catch {
        Issue.record("the server emitted invalid FHIR: \(error)", sourceLocation: sourceLocation)
    }
    do {
        return try JSONParser.parse(bytes)
    } catch {
        Issue.record("the body is not JSON: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

extension JSON {
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    var number: String? { if case .number(let n) = self { return n } else { return nil } }
}

/// The ids of the entries of a searchset Bundle.
func entryIDs(_ bundle: JSON) -> [String] {
    (bundle["entry"]?.array ?? []).compactMap { $0["resource"]?["id"]?.string }
}

/// A Bundle's link of `relation` as a path from `/fhir/` on (to request it again), nil when it has none.
func bundleLink(_ bundle: JSON, _ relation: String) -> String? {
    guard let url = bundle["link"]?.array?.first(where: { $0["relation"]?.string == relation })?["url"]?.string,
          let range = url.range(of: "/fhir/")
    else { return nil }
    return String(url[range.lowerBound...])
}

/// The first issue's code of an OperationOutcome.
func issueCode(_ outcome: JSON) -> String? { outcome["issue"]?.array?.first?["code"]?.string }

extension TestClientProtocol {
    /// GET `uri` with `token` (the demo administrator's by default), expecting `status`; the FHIR body, checked valid.
    func getJSON(_ uri: String, token: String = adminToken, status: HTTPResponse.Status = .ok,
                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        try await execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
            #expect(response.status == status, "\(uri)", sourceLocation: sourceLocation)
            return fhirBody(response, sourceLocation: sourceLocation)
        }
    }

    /// The ids of the entries of the searchset Bundle at `uri`, which must answer 200.
    func entryIDs(_ uri: String, token: String = adminToken, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        FHIRServerTests.entryIDs(try await getJSON(uri, token: token, sourceLocation: sourceLocation))
    }

    /// GET `uri` with `token`; the status and the body as JSON (`.null` when it is not JSON), for non-FHIR routes.
    func getAnyJSON(_ uri: String, token: String) async throws -> (HTTPResponse.Status, JSON) {
        try await execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) {
            ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }
}

/// GET `uri` as the demo administrator from a fresh demo application, expecting `status`; the FHIR body.
func servedJSON(_ uri: String, status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
    let (app, _) = try await makeTestApplication()
    return try await app.test(.router) { client in
        try await client.getJSON(uri, status: status, sourceLocation: sourceLocation)
    }
}
