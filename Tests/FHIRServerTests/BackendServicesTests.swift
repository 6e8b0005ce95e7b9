import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Membership
import Synchronization
import Testing

@testable import FHIRServer

/// SMART Backend Services (SMART App Launch 2.x; RFC 7523 §2.2, §3): `client_credentials` authenticated by an
/// assertion signed with a key registered with the client.
@Suite("SMART Backend Services")
struct BackendServicesTests {
    @Test(arguments: ["ES384", "RS384", "ES256", "RS256"])
    func anAssertionSignedByARegisteredKeyGetsATokenThatReadsPerItsScopes(alg: String) async throws {
        let key =
            switch alg {
            case "ES384": AssertionKey.es384()
            case "ES256": AssertionKey.es256()
            default: AssertionKey(material: try AssertionKey.rs384().material, kid: "rsa", alg: alg)
            }
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs system/Group.rs", keys: [key])
        try await world.run { client in
            let endpoint = try await client.tokenEndpoint()
            let assertion = try key.sign(AssertionKey.claims(client: "dashboard", aud: endpoint))
            let (status, headers, body) = try await client.token(
                assertionRequest(assertion, scope: "system/Patient.rs"))
            #expect(status == .ok, "\(body)")
            #expect(headers[.cacheControl] == "no-store")
            #expect(body["token_type"]?.string == "Bearer")
            #expect(body["scope"]?.string == "system/Patient.rs")
            #expect(body["refresh_token"] == nil)
            let access = try #require(body["access_token"]?.string)
            #expect(try await client.status("/fhir/Patient", token: access) == .ok)
            #expect(try await client.status("/fhir/Group", token: access) == .forbidden)
            #expect(try await client.status("/fhir/Claim", token: access) == .forbidden)
        }
    }

    @Test func aScopeBeyondTheRegisteredOnesIsInvalidScope() async throws {
        let key = AssertionKey.es384()
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs", keys: [key])
        try await world.run { client in
            let assertion = try key.sign(
                AssertionKey.claims(client: "dashboard", aud: try await client.tokenEndpoint()))
            let (status, _, body) = try await client.token(assertionRequest(assertion, scope: "system/Claim.rs"))
            #expect(status == .badRequest)
            #expect(body["error"]?.string == "invalid_scope")
        }
    }

    @Test func aReplayedAssertionIsRefused() async throws {
        let key = AssertionKey.es384()
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs", keys: [key])
        try await world.run { client in
            let endpoint = try await client.tokenEndpoint()
            let assertion = try key.sign(AssertionKey.claims(client: "dashboard", aud: endpoint))
            #expect(try await client.token(assertionRequest(assertion)).0 == .ok)
            let (again, headers, body) = try await client.token(assertionRequest(assertion))
            #expect(again == .unauthorized)
            #expect(body["error"]?.string == "invalid_client")
            #expect(headers[.wwwAuthenticate] != nil)
            // A new assertion with a new jti is accepted.
            #expect(
                try await client.token(
                    assertionRequest(try key.sign(AssertionKey.claims(client: "dashboard", aud: endpoint)))
                ).0 == .ok)
        }
    }

    @Test func theDiscoveryDocumentsNamePrivateKeyJWTAndItsAlgorithms() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            for uri in ["/fhir/.well-known/smart-configuration", "/.well-known/oauth-authorization-server"] {
                let document = try await client.execute(uri: uri, method: .get) {
                    try JSONParser.parse(Array(buffer: $0.body))
                }
                #expect(
                    document["token_endpoint_auth_methods_supported"]
                        == .array([
                            .string("client_secret_basic"), .string("client_secret_post"), .string("private_key_jwt"),
                        ]), "\(uri)")
                #expect(
                    document["token_endpoint_auth_signing_alg_values_supported"]
                        == .array(["RS384", "ES384", "RS256", "ES256"].map { .string($0) }), "\(uri)")
            }
            let smart = try await client.execute(uri: "/fhir/.well-known/smart-configuration", method: .get) {
                try JSONParser.parse(Array(buffer: $0.body))
            }
            #expect(smart["capabilities"]?.array?.contains(.string("client-confidential-asymmetric")) == true)
        }
    }

    @Test func anAssertionMustBeTheOnlyClientAuthentication() async throws {
        let key = AssertionKey.es384()
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs", keys: [key])
        try await world.run { client in
            let assertion = try key.sign(
                AssertionKey.claims(client: "dashboard", aud: try await client.tokenEndpoint()))
            let (withSecret, _, body) = try await client.token(assertionRequest(assertion) + [("client_secret", "x")])
            #expect(withSecret == .badRequest)
            #expect(body["error"]?.string == "invalid_request")
            let wrongType = [
                ("grant_type", "client_credentials"), ("client_assertion_type", "urn:example:other"),
                ("client_assertion", assertion),
            ]
            let (typeStatus, _, typeBody) = try await client.token(wrongType)
            #expect(typeStatus == .badRequest)
            #expect(typeBody["error"]?.string == "invalid_request")
        }
    }
}
