import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Where a subscription may point, by `MODE` and `SUBSCRIPTION_ALLOWED_HOSTS`, and who may manage subscriptions.
@Suite struct SubscriptionEndpointTests {
    /// Link-local and cloud-metadata endpoints, in the spellings clients accept: refused in every mode.
    static let neverAllowed = [
        "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
        "http://2852039166/", "http://0251.0376.0251.0376/", "http://0xa9fea9fe/", "http://0xA9.0xFE.0xA9.0xFE/",
        "http://169.254.43518/", "http://169.254.169.254./", "http://[fe80::1]/", "http://[fe80::1%25eth0]/",
        "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.GOOGLE.INTERNAL./", "http://[fd00:ec2::254]/",
        "http://[::169.254.169.254]/", "http://[64:ff9b::a9fe:a9fe]/", "http://0.0.0.0/", "http://0/", "http://224.0.0.1/",
        "ftp://example.org/hook", "file:///etc/passwd", "gopher://example.org/", "https://user:pw@example.org/hook",
        "https:///nohost", "http://999999999999/", "http://1.2.3.4.5/",
    ]
    /// Loopback and private endpoints: allowed in DEV, refused in PROD unless listed.
    static let internalOnes = [
        "http://127.0.0.1:9000/hook", "http://localhost/hook", "http://10.0.0.5/hook", "http://192.168.1.20/hook",
        "http://[::1]/hook", "http://2130706433/hook", "http://172.16.0.1/hook", "http://[fd12:3456::1]/hook",
    ]

    static func application(production: Bool, allowed: [String] = []) async throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration(production: production)
        configuration.subscriptionAllowedHosts = allowed
        return try await makeTestApplication(configuration: configuration).0
    }

    static func status(_ client: some TestClientProtocol, endpoint: String) async throws -> (HTTPResponse.Status, String) {
        let body = SubscriptionTests.body(endpoint: endpoint.replacingOccurrences(of: "\\", with: "\\\\"))
        let (status, answer) = try await SubscriptionTests.create(client, body)
        return (status, SubscriptionTests.diagnostics(answer))
    }

    @Test func linkLocalAndMetadataEndpointsAreRefusedInEveryModeAndSpelling() async throws {
        for production in [false, true] {
            let app = try await Self.application(production: production, allowed: ["169.254.169.254", "metadata.google.internal"])
            try await app.test(.router) { client in
                for endpoint in Self.neverAllowed {
                    let (status, message) = try await Self.status(client, endpoint: endpoint)
                    #expect(status == .unprocessableContent, "\(endpoint) production=\(production)")
                    #expect(message.contains("channel.endpoint"), "\(endpoint): \(message)")
                }
            }
        }
    }

    @Test func internalEndpointsAreAllowedInDevelopment() async throws {
        let app = try await Self.application(production: false)
        try await app.test(.router) { client in
            for endpoint in Self.internalOnes + ["https://payments.example.org/hook", "http://8.8.8.8/hook", "http://[2001:db8::1]/"] {
                let (status, message) = try await Self.status(client, endpoint: endpoint)
                #expect(status == .created, "\(endpoint): \(message)")
            }
        }
    }

    @Test func internalEndpointsNeedTheAllowListInProduction() async throws {
        let refusing = try await Self.application(production: true)
        try await refusing.test(.router) { client in
            for endpoint in Self.internalOnes {
                let (status, message) = try await Self.status(client, endpoint: endpoint)
                #expect(status == .unprocessableContent, "\(endpoint)")
                #expect(message.contains("SUBSCRIPTION_ALLOWED_HOSTS"), "\(endpoint): \(message)")
            }
            let (status, _) = try await Self.status(client, endpoint: "https://payments.example.org/hook")
            #expect(status == .created)
        }
        let listing = try await Self.application(production: true, allowed: ["127.0.0.1", "LOCALHOST", "::1"])
        try await listing.test(.router) { client in
            for endpoint in ["http://127.0.0.1:9000/hook", "http://2130706433/", "http://localhost/hook", "http://[0:0::1]/"] {
                let (status, message) = try await Self.status(client, endpoint: endpoint)
                #expect(status == .created, "\(endpoint): \(message)")
            }
            let (status, _) = try await Self.status(client, endpoint: "http://10.0.0.5/hook")
            #expect(status == .unprocessableContent)
        }
    }

    @Test func theCheckReadsIPv4AsURLParsersDo() throws {
        #expect(EndpointPolicy.ipAddress("2852039166") == [169, 254, 169, 254])
        #expect(EndpointPolicy.ipAddress("0251.0376.0251.0376") == [169, 254, 169, 254])
        #expect(EndpointPolicy.ipAddress("0xa9.254.0xa9fe") == [169, 254, 169, 254])
        #expect(EndpointPolicy.ipAddress("[::ffff:169.254.169.254]").map(EndpointPolicy.classify) == .forbidden)
        #expect(EndpointPolicy.ipAddress("payments.example.org") == nil)
        #expect(EndpointPolicy.classify([93, 184, 216, 34]) == .global)
        #expect(EndpointPolicy.classify([100, 100, 100, 200]) == .forbidden)
        let policy = EndpointPolicy(allowInternal: false)
        #expect(throws: FHIRError.self) { try policy.check(address: [169, 254, 169, 254], host: "hooks.example.org") }
        #expect(throws: FHIRError.self) { try policy.check(address: [127, 0, 0, 1], host: "hooks.example.org") }
        try policy.check(address: [93, 184, 216, 34], host: "hooks.example.org")
    }

    @Test func onlyHoldersOfASubscriptionScopeOrRightMayUseIt() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("clerk-sub", roles: ["Clerk"])
        let clients = [("payments-invoices", "system/Invoice.cruds"), ("payments-layer", "system/Subscription.cruds system/Invoice.rs"),
                       ("payments-reader", "system/Subscription.rs")]
        var secrets: [String: String] = [:]
        for (id, scope) in clients { secrets[id] = try await world.client(id, scope: scope) }
        let known = secrets
        try await world.run { client in
            func system(_ id: String) async throws -> String {
                let (_, _, answer) = try await client.token([("grant_type", "client_credentials"), ("client_id", id),
                                                             ("client_secret", known[id] ?? "")])
                return try #require(answer["access_token"]?.string)
            }
            let clerk = try await client.signIn("clerk-sub")
            let insuree = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let invoiceClient = try await system("payments-invoices")
            let subscriber = try await system("payments-layer")
            let reader = try await system("payments-reader")

            let (created, answer) = try await SubscriptionTests.create(client, SubscriptionTests.body(), token: subscriber)
            #expect(created == .created)
            let id = try #require(answer["id"]?.string)
            #expect(try await client.status("/fhir/Subscription/\(id)", token: subscriber) == .ok)
            #expect(try await client.status("/fhir/Subscription/\(id)", token: reader) == .ok)
            #expect(try await SubscriptionTests.create(client, SubscriptionTests.body(), token: reader).0 == .forbidden)
            for token in [clerk, invoiceClient] {
                #expect(try await client.status("/fhir/Subscription/\(id)", token: token) == .forbidden)
                #expect(try await client.status("/fhir/Subscription", token: token) == .forbidden)
                #expect(try await SubscriptionTests.create(client, SubscriptionTests.body(), token: token).0 == .forbidden)
            }
            #expect(try await client.status("/fhir/Subscription/\(id)", token: insuree) == .notFound)
            #expect(try await client.status("/fhir/Subscription", token: insuree) == .notFound)
            #expect(try await SubscriptionTests.create(client, SubscriptionTests.body(), token: insuree).0 == .forbidden)
            #expect(try await client.status("/api/api_fhir_r4/Subscription/\(id)", token: insuree) == .notFound)
        }
    }
}
