import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Every row of the route table, walked over HTTP: it answers its method, refuses another with 405 and `Allow`, and
/// without a token answers 401 in its dialect unless security.md leaves it open.
@Suite("The route table")
struct RouteTableTests {
    /// The routes security.md leaves open ("every FHIR and membership route but `/metadata`, discovery documents,
    /// `/auth/token`, `/auth/otp*` and health checks requires a valid token"), with the other credential endpoints
    /// (revocation, introspection, the sign-ins and the self-registration of the compatibility routes, the development
    /// outbox and the public keys), as paths without `SITE_ROOT`. Written out here, not read from the table, so that a
    /// row that loses its token requirement fails.
    static let open: Set<String> = [
        "GET /fhir/metadata", "GET /fhir/.well-known/smart-configuration", "POST /api/api_fhir_r4/login",
        "POST /auth/token", "POST /auth/revoke", "POST /auth/introspect", "POST /auth/otp", "POST /auth/otp/resend",
        "GET /auth/dev/outbox", "GET /auth/jwks.json", "GET /.well-known/oauth-authorization-server",
        "POST /api/membership/login", "POST /api/membership/register", "POST /api/membership/resend-otp",
        "POST /api/membership/validate-otp", "ANY /health/live", "ANY /health/ready",
        // What the insuree app loads before sign-in: reference data, its configuration, the sign-up sheet's checks.
        "GET /api/membership/config", "GET /api/membership/locations", "GET /api/membership/hospitals",
        "POST /api/membership/check-username", "GET /api/membership/nationalId",
        // Operations: the metrics (guarded by their own settings) and the status page of aggregate numbers.
        "GET /metrics", "GET /",
    ]

    /// A path that `route` matches under `configuration`: the demo world's Jane Doe for a FHIR id, John Doe for the
    /// compatibility card, a push token of the walk for `/membership`.
    static func path(_ route: Route, _ configuration: ServerConfiguration) throws -> String {
        let bases = Dictionary(uniqueKeysWithValues: RouteTable.bases(configuration).map { ($0.mount, $0.path) })
        let mount = route.mount == .fhir ? RouteMount.fhir : route.mount
        let base = try #require(bases[mount])
        let parameter = route.mount == .compat ? DemoDataset.UUIDs.johnDoe : "walk-device"
        let segments = route.segments.map { segment -> String in
            switch segment {
            case .literal(let text): text
            case .type: "Patient"
            case .id: DemoDataset.UUIDs.janeDoe
            case .version: "1"
            case .parameter: parameter
            }
        }
        let path = base + segments.map { "/" + $0 }.joined()
        return path.isEmpty ? "/" : path
    }

    /// `GET /fhir/metadata`: the row's method and path without `SITE_ROOT`.
    static func label(_ route: Route) throws -> String {
        "\(route.method?.rawValue ?? "ANY") \(try path(route, ServerConfiguration()))"
    }

    /// The body every POST and PUT of the walk sends: enough for the push-token routes, refused by the others with 4xx.
    static let body = #"{"token":"walk-device","fcm_token":"walk-device"}"#

    func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8])
    {
        try await send(client, method, uri, authorization: token.map { "Bearer \($0)" })
    }

    func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, authorization: String?)
        async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8])
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let authorization { headers[.authorization] = authorization }
        let body = method == .post || method == .put ? ByteBuffer(string: Self.body) : nil
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) {
            ($0.status, $0.headers, Array(buffer: $0.body))
        }
    }

    /// John Doe's access token, through the token endpoint under `configuration`'s `SITE_ROOT`.
    static func signIn(_ client: any TestClientProtocol, _ configuration: ServerConfiguration) async throws -> String {
        let body = form([("grant_type", "password"), ("username", "jdoe"), ("password", "JohnDoe-123")])
        let json = try await client.execute(uri: configuration.prefix + "/auth/token", method: .post, headers: formHeaders,
                                            body: body) { try JSONParser.parse(Array(buffer: $0.body)) }
        return try #require(json["access_token"]?.string)
    }

    /// Whether `body` is a refusal in `dialect`: an OperationOutcome, RFC 6749 JSON, or openIMIS's message.
    static func speaks(_ dialect: RouteDialect, _ body: [UInt8]) -> Bool {
        switch dialect {
        case .outcome:
            if case .operationOutcome? = try? Resource.decode(body) { return true }
            return false
        case .oauth: return (try? JSONParser.parse(body))?["error"]?.string != nil
        case .compat: return (try? JSONParser.parse(body))?["message"]?.string != nil
        }
    }

    @Test func theTableDeclaresOpenExactlyTheRoutesTheSecurityRulesLeaveOpen() throws {
        var labels: [String] = []
        for route in RouteTable.table {
            let label = try Self.label(route)
            labels.append(label)
            #expect((route.authentication != .bearer) == Self.open.contains(label), "\(label)")
        }
        #expect(Self.open.isSubset(of: Set(labels)), "open routes the table lacks: \(Self.open.subtracting(labels))")
    }

    @Test(arguments: ["", "api"])
    func everyRowAnswersItsMethodAndRefusesAnotherWith405(siteRoot: String) async throws {
        let configuration = ServerConfiguration(siteRoot: siteRoot)
        let world = try await AuthTestWorld.make(configuration: configuration)
        try await world.run { client in
            let insuree = try await Self.signIn(client, configuration)
            for route in RouteTable.table {
                let uri = try Self.path(route, configuration)
                let token = route.mount == .membership || route.mount == .compat ? insuree : adminToken
                let answer = try await send(client, route.method ?? .get, uri, token: token)
                #expect(answer.status != .notFound && answer.status != .methodNotAllowed,
                        "\(route.method?.rawValue ?? "GET") \(uri): \(String(decoding: answer.body, as: UTF8.self))")
                guard let method = route.method else { continue }
                let wrong = try await send(client, .patch, uri, token: token)
                #expect(wrong.status == .methodNotAllowed, "PATCH \(uri)")
                let allowed = (wrong.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(allowed.contains(method.rawValue), "PATCH \(uri): Allow \(wrong.headers[.allow] ?? "missing")")
                let speaks = Self.speaks(route.dialect, wrong.body)
                #expect(speaks, "PATCH \(uri): \(String(decoding: wrong.body, as: UTF8.self))")
            }
        }
    }

    @Test func allowNamesEachMethodOnceInTableOrder() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            // Batch and transaction are two rows of one method and path.
            let base = try await send(client, .get, "/fhir", token: adminToken)
            #expect(base.headers[.allow] == "POST")
            let instance = try await send(client, .patch, "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)", token: adminToken)
            #expect(instance.headers[.allow] == "GET, PUT, DELETE")
            let type = try await send(client, .delete, "/fhir/Patient", token: adminToken)
            #expect(type.headers[.allow] == "POST, GET")
        }
    }

    @Test(arguments: ["", "api"])
    func everyAuthenticatedRowAnswers401InItsDialectWithoutAValidToken(siteRoot: String) async throws {
        let configuration = ServerConfiguration(siteRoot: siteRoot)
        let world = try await AuthTestWorld.make(configuration: configuration)
        try await world.run { client in
            for route in RouteTable.table where !Self.open.contains(try Self.label(route)) {
                let uri = try Self.path(route, configuration)
                let method = route.method ?? .get
                for authorization in [nil, "Bearer not-a-token", basicHeader("Admin", "wrong")] {
                    let answer = try await send(client, method, uri, authorization: authorization)
                    let request = "\(method.rawValue) \(uri) with \(authorization ?? "no token")"
                    #expect(answer.status == .unauthorized, "\(request)")
                    let speaks = Self.speaks(route.dialect, answer.body)
                    #expect(speaks, "\(request): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
                    let json = try? JSONParser.parse(answer.body)
                    switch route.dialect {
                    case .outcome:
                        // RFC 6750 §3: the plain challenges without a bearer token, `invalid_token` with a bad one;
                        // Basic offered too (RFC 7617).
                        let bearer = authorization?.hasPrefix("Bearer") == true
                            ? "Bearer realm=\"imis-fhir\", error=\"invalid_token\"" : "Bearer realm=\"imis-fhir\""
                        let challenge = bearer + ", Basic realm=\"imis-fhir\", charset=\"UTF-8\""
                        #expect(answer.headers[.wwwAuthenticate] == challenge, "\(request)")
                    case .oauth:
                        #expect(json?["error"]?.string == "invalid_token", "\(request)")
                    case .compat:
                        #expect(json?["message"]?.string == "Authentication credentials were not provided.", "\(request)")
                    }
                }
            }
        }
    }

    @Test(arguments: ["", "api"])
    func everyAuthenticatedRowAcceptsBasicCredentials(siteRoot: String) async throws {
        let configuration = ServerConfiguration(siteRoot: siteRoot)
        let world = try await AuthTestWorld.make(configuration: configuration)
        let admin = basicHeader(DemoDataset.Accounts.admin.username, DemoDataset.Accounts.admin.password)
        let insuree = basicHeader(DemoDataset.Accounts.johnDoe.username, DemoDataset.Accounts.johnDoe.password)
        try await world.run { client in
            for route in RouteTable.table where route.authentication == .bearer {
                let uri = try Self.path(route, configuration)
                let method = route.method ?? .get
                let authorization = route.mount == .membership || route.mount == .compat ? insuree : admin
                let answer = try await send(client, method, uri, authorization: authorization)
                #expect(![.unauthorized, .notFound, .methodNotAllowed].contains(answer.status),
                        "\(method.rawValue) \(uri): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            }
        }
    }
}
