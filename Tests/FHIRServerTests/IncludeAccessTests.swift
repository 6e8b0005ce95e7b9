import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// Nothing outside the caller's rights, scopes, family or districts ever appears in an answer, whatever path puts
/// it there: `_include`, `_revinclude`, their `:iterate` forms, through GET, POST `_search`, the openIMIS alias and
/// batch and transaction GET entries. Every include the CapabilityStatement declares is tried by every role; every
/// resource in every answer must be one the same caller can read directly (200).
@Suite("Access through includes")
struct IncludeAccessTests {
    /// Tokens by role name, each from the token endpoint.
    typealias Tokens = [(role: String, token: String)]

    @Test func noIncludedResourceIsOneTheCallerCannotReadDirectly() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.user("carla")
        try await world.user("nobody", roles: [])
        let secret = try await world.client("payments", scope: "system/Invoice.r")
        try await world.run { client in
            let admin = DemoDataset.Accounts.admin
            let tokens: Tokens = [
                ("admin", try await client.signIn(admin.username, password: admin.password)),
                ("clerk", try await client.signIn("carla")),
                ("no rights", try await client.signIn("nobody")),
                ("insuree A", try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)),
                ("insuree B", try await client.signIn("zoe")),
                ("admin as user/Patient.rs", try await client.signIn(admin.username, password: admin.password, scope: "user/Patient.rs")),
                ("system/Invoice.r", try await clientToken(client, "payments", secret)),
            ]
            let counts = try await checkEveryInclude(client, tokens)
            // The includes do include: the administrator sees them, and an insuree sees its own family's.
            #expect(counts["admin", default: 0] > 100)
            #expect(counts["insuree A", default: 0] > 0)
            #expect(counts["clerk", default: 0] > 0)
            let own = try await includedIDs(client, "/fhir/Patient?_revinclude=Claim:patient", tokens[3].token)
            #expect(own.contains("Claim/\(DemoDataset.UUIDs.claim001)"))
            let foreign = try await includedIDs(client, "/fhir/Patient?_revinclude=Claim:patient", tokens[4].token)
            #expect(!foreign.contains("Claim/\(DemoDataset.UUIDs.claim001)"))
        }
    }

    @Test func underRowSecurityIncludesStayInTheUsersDistricts() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        try await world.auth.accounts.defineRole(
            RoleDefinition(name: "Enroller", systemFlags: 8, rights: [101101, 101001, 101201, 111001, 155101]), now: Date())
        try await world.user("rapta", roles: ["Enroller"], districts: [rapta])
        try await world.run { client in
            let tokens: Tokens = [("district user", try await client.signIn("rapta"))]
            let counts = try await checkEveryInclude(client, tokens)
            #expect(counts["district user", default: 0] > 0)
        }
    }

    // MARK: the check

    /// Every declared `_include`/`_revinclude` (and `:iterate` forms) through every path, for every role; each
    /// resource answered must read 200 for that role. Returns how many included resources each role got.
    func checkEveryInclude(_ client: any TestClientProtocol, _ tokens: Tokens) async throws -> [String: Int] {
        let queries = try await declaredIncludeQueries(client)
        #expect(queries.count > 40)
        // The roles run side by side: each is a client of its own, as in real use.
        return try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for (role, token) in tokens {
                group.addTask {
                    var included = 0
                    var readable: [String: Bool] = [:]
                    for (type, query) in queries {
                        for path in Path.allCases {
                            let answer = try await path.search(client, type: type, query: query, token: token)
                            for (reference, mode) in resources(in: answer) {
                                if mode == "include" { included += 1 }
                                if readable[reference] == nil {
                                    readable[reference] = try await client.status("/fhir/\(reference)", token: token) == .ok
                                }
                                #expect(readable[reference] == true, "\(role) got \(reference) through \(path) \(type)?\(query)")
                            }
                        }
                    }
                    return (role, included)
                }
            }
            var counts: [String: Int] = [:]
            for try await (role, included) in group { counts[role] = included }
            return counts
        }
    }

    /// The ways a search can be asked.
    enum Path: CaseIterable {
        case get, postSearch, alias, batch, transaction

        func search(_ client: any TestClientProtocol, type: String, query: String, token: String) async throws -> JSON {
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            func send(_ uri: String, _ method: HTTPRequest.Method, _ headers: HTTPFields, _ body: String?) async throws -> JSON {
                var all = auth
                for field in headers { all.append(field) }
                return try await client.execute(uri: uri, method: method, headers: all, body: body.map { ByteBuffer(string: $0) }) {
                    (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null
                }
            }
            switch self {
            case .get: return try await send("/fhir/\(type)?\(query)", .get, [:], nil)
            case .alias: return try await send("/api/api_fhir_r4/\(type)/?\(query)", .get, [:], nil)
            case .postSearch:
                return try await send("/fhir/\(type)/_search", .post, [.contentType: "application/x-www-form-urlencoded"], query)
            case .batch, .transaction:
                var writer = JSONWriter()
                writer.writeString("\(type)?\(query)")
                let url = String(decoding: writer.bytes, as: UTF8.self)
                let bundle = #"{"resourceType":"Bundle","type":"\#(self == .batch ? "batch" : "transaction")","entry":[{"request":{"method":"GET","url":\#(url)}}]}"#
                return try await send("/fhir", .post, [.contentType: "application/fhir+json"], bundle)
            }
        }
    }

    /// `Type/id` and search mode of every resource in a searchset, or in the searchsets of a batch or transaction
    /// answer.
    func resources(in answer: JSON) -> [(String, String)] {
        var found: [(String, String)] = []
        for entry in answer["entry"]?.array ?? [] {
            guard let resource = entry["resource"] else { continue }
            if resource["resourceType"]?.string == "Bundle" {
                found += resources(in: resource)
            } else if let type = resource["resourceType"]?.string, type != "OperationOutcome", let id = resource["id"]?.string {
                found.append(("\(type)/\(id)", entry["search"]?["mode"]?.string ?? ""))
            }
        }
        return found
    }

    /// The `Type/id`s included by a search.
    func includedIDs(_ client: any TestClientProtocol, _ uri: String, _ token: String) async throws -> Set<String> {
        let answer = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) {
            fhirBody($0)
        }
        return Set(resources(in: answer).filter { $0.1 == "include" }.map(\.0))
    }

    /// One query per `_include` and `_revinclude` the CapabilityStatement declares, and `:iterate` forms that go one
    /// step further from what a `_revinclude` brought in.
    func declaredIncludeQueries(_ client: any TestClientProtocol) async throws -> [(String, String)] {
        let statement = try await client.execute(uri: "/fhir/metadata", method: .get) { fhirBody($0) }
        var includes: [String: [String]] = [:]
        var revIncludes: [String: [String]] = [:]
        for resource in statement["rest"]?.array?.first?["resource"]?.array ?? [] {
            guard let type = resource["type"]?.string else { continue }
            includes[type] = (resource["searchInclude"]?.array ?? []).compactMap(\.string)
            revIncludes[type] = (resource["searchRevInclude"]?.array ?? []).compactMap(\.string)
        }
        var queries: [(String, String)] = []
        for (type, specs) in includes.sorted(by: { $0.key < $1.key }) {
            for spec in specs { queries.append((type, "_count=50&_include=\(spec)")) }
            for spec in revIncludes[type] ?? [] {
                queries.append((type, "_count=50&_revinclude=\(spec)"))
                let source = String(spec.prefix { $0 != ":" })
                for next in includes[source] ?? [] {
                    queries.append((type, "_count=50&_revinclude=\(spec)&_include:iterate=\(next)"))
                }
                for next in (revIncludes[source] ?? []).prefix(3) {
                    queries.append((type, "_count=50&_revinclude=\(spec)&_revinclude:iterate=\(next)"))
                }
            }
        }
        return queries
    }

    func clientToken(_ client: any TestClientProtocol, _ id: String, _ secret: String) async throws -> String {
        let (_, _, body) = try await client.token([("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)])
        return try #require(body["access_token"]?.string)
    }
}
