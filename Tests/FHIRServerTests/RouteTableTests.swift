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
        // Self-enrolment runs signed out in the app; the enrolment id (random) is what reaches an enrolment.
        "POST /membership/enrollment", "POST /api/membership/enrollment", "GET /membership/enrollment/walk-device",
        "POST /membership/enrollment/walk-device/paypal", "POST /membership/enrollment/walk-device/paypal/capture",
        // Operations: the metrics (guarded by their own settings) and the status page of aggregate numbers.
        "GET /metrics", "GET /",
    ]

    /// A path that `route` matches under `configuration`: the demo world's Jane Doe for a FHIR id, John Doe for the
    /// compatibility card, a push token of the walk for `/membership`.
    /// Operations (`$events`) are defined on one type: their rows get a Subscription, `subscription` when given.
    static func path(_ route: Route, _ configuration: ServerConfiguration, exports: ExportWalk? = nil,
                     subscription: String? = nil) throws -> String {
        let operation = route.segments.contains { if case .literal(let text) = $0 { text.hasPrefix("$") } else { false } }
        let bases = Dictionary(uniqueKeysWithValues: RouteTable.bases(configuration).map { ($0.mount, $0.path) })
        let mount = route.mount == .fhir ? RouteMount.fhir : route.mount
        let base = try #require(bases[mount])
        let parameter = route.mount == .compat ? DemoDataset.UUIDs.johnDoe : "walk-device"
        var previous = ""
        var segments: [String] = []
        for segment in route.segments {
            let text: String
            switch segment {
            case .literal(let literal): text = literal
            case .type: text = operation ? "Subscription" : "Patient"
            case .id: text = operation ? subscription ?? "walk-subscription" : DemoDataset.UUIDs.janeDoe
            case .version: text = "1"
            case .parameter: text = exports?.value(after: previous, method: route.method) ?? parameter
            }
            previous = text
            segments.append(text)
        }
        let path = base + segments.map { "/" + $0 }.joined()
        return path.isEmpty ? "/" : path
    }

    /// The configuration of a walk under `siteRoot`: exports offered (their rows are walked too).
    static func walkConfiguration(siteRoot: String) -> ServerConfiguration {
        var configuration = ServerConfiguration(siteRoot: siteRoot)
        configuration.export = exportConfiguration().export
        return configuration
    }

    /// What the export rows' parameters are in a walk: the demo family, and finished exports of the administrator
    /// (one whose status a DELETE may drop, one whose status and file stay).
    struct ExportWalk {
        var kept: String
        var dropped: String
        var file: String

        func value(after previous: String, method: HTTPRequest.Method?) -> String? {
            switch previous {
            case "Group": DemoDataset.UUIDs.doeFamily
            case "$export-poll-status": method == .delete ? dropped : kept
            case "$export-file": kept
            case kept: file
            default: nil
            }
        }

        /// Two finished exports of the administrator on `client`, under `configuration`'s `SITE_ROOT`.
        static func make(_ client: any TestClientProtocol, _ configuration: ServerConfiguration) async throws -> ExportWalk {
            let base = configuration.fhirBasePath
            func finished() async throws -> (job: String, file: String) {
                let status = try await client.kickOff(base + "/$export?_type=Patient")
                let (_, manifest) = try await client.awaitManifest(status)
                let url = try #require(manifest["output"]?.array?.first?["url"]?.string)
                return (String(status.split(separator: "/").last ?? ""), String(url.split(separator: "/").last ?? ""))
            }
            let kept = try await finished()
            let dropped = try await finished()
            return ExportWalk(kept: kept.job, dropped: dropped.job, file: kept.file)
        }
    }

    /// A Subscription of the walk (for the rows of its operations); its id.
    static func subscribe(_ client: any TestClientProtocol, _ configuration: ServerConfiguration, authorization: String)
        async throws -> String
    {
        let bases = Dictionary(uniqueKeysWithValues: RouteTable.bases(configuration).map { ($0.mount, $0.path) })
        let base = try #require(bases[.fhir])
        return try await client.execute(uri: "\(base)/Subscription", method: .post,
                                        headers: [.contentType: "application/fhir+json", .authorization: authorization],
                                        body: SubscriptionTests.body()) { response in
            #expect(response.status == .created)
            return (try? JSONParser.parse(Array(buffer: response.body)))?["id"]?.string ?? ""
        }
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
        let configuration = Self.walkConfiguration(siteRoot: siteRoot)
        let world = try await AuthTestWorld.make(configuration: configuration)
        try await world.run { client in
            let insuree = try await Self.signIn(client, configuration)
            // An enrolment of the walk, for the rows that reach one by its id.
            let enrolled = try await client.execute(
                uri: configuration.prefix + "/membership/enrollment", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: EnrolmentTests.appBody(["WALK01"], photo: false))) { try JSONParser.parse(Array(buffer: $0.body)) }
            let enrolment = try #require(enrolled["enrolment_id"]?.string)
            let exports = try await ExportWalk.make(client, configuration)
            let subscription = try await Self.subscribe(client, configuration, authorization: "Bearer \(adminToken)")
            for route in RouteTable.table {
                var uri = try Self.path(route, configuration, exports: exports, subscription: subscription)
                if route.segments.first == .literal("enrollment") { uri = uri.replacingOccurrences(of: "walk-device", with: enrolment) }
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
        let configuration = Self.walkConfiguration(siteRoot: siteRoot)
        let world = try await AuthTestWorld.make(configuration: configuration)
        let admin = basicHeader(DemoDataset.Accounts.admin.username, DemoDataset.Accounts.admin.password)
        let insuree = basicHeader(DemoDataset.Accounts.johnDoe.username, DemoDataset.Accounts.johnDoe.password)
        try await world.run { client in
            // The exports of the administrator signed in by Basic credentials (user 1, as the test token's).
            let exports = try await ExportWalk.make(client, configuration)
            let subscription = try await Self.subscribe(client, configuration, authorization: admin)
            for route in RouteTable.table where route.authentication == .bearer {
                let uri = try Self.path(route, configuration, exports: exports, subscription: subscription)
                let method = route.method ?? .get
                let authorization = route.mount == .membership || route.mount == .compat ? insuree : admin
                let answer = try await send(client, method, uri, authorization: authorization)
                #expect(![.unauthorized, .notFound, .methodNotAllowed].contains(answer.status),
                        "\(method.rawValue) \(uri): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            }
        }
    }
}
