import Crypto
import CryptoExtras
import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

@Suite("Token endpoint: grants, RFC 6749 errors, revocation, introspection, discovery")
struct TokenEndpointTests {
    @Test func aPasswordGrantAnswersTokensAndTheUserAndTheTokenOpensTheAPI() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let (status, headers, body) = try await client.token([("grant_type", "password"), ("username", "carla"),
                                                                   ("password", "Secret-pass-1")])
            #expect(status == .ok)
            #expect(headers[.cacheControl] == "no-store")
            #expect(body["token_type"]?.string == "Bearer")
            #expect(body["expires_in"]?.number == "900")
            #expect(body["scope"]?.string == "user/*.cruds")
            #expect(body["user"]?["username"]?.string == "carla")
            #expect(body["is_insuree"] == .bool(false))
            let access = try #require(body["access_token"]?.string)
            #expect(body["refresh_token"]?.string?.isEmpty == false)
            #expect(try await client.status("/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", token: access) == .ok)
            // The clerk role has no claim-administration rights to write claims.
            #expect(try await client.status("/fhir/PaymentReconciliation", token: access) == .forbidden)
        }
    }

    @Test func aWrongPasswordAndAnUnknownUserGetTheSameAnswer() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let wrong = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "nope")])
            let unknown = try await client.token([("grant_type", "password"), ("username", "nobody"), ("password", "nope")])
            #expect(wrong.0 == .badRequest)
            #expect(wrong.0 == unknown.0)
            #expect(wrong.2 == unknown.2)
            #expect(wrong.2["error"]?.string == "invalid_grant")
        }
    }

    @Test func fiveFailedSignInsLockTheAccountEvenForTheRightPassword() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            for attempt in 1...5 {
                let (status, headers, _) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "bad\(attempt)")])
                #expect(status == (attempt < 5 ? .badRequest : .tooManyRequests))
                if attempt == 5 { #expect(Int(headers[.retryAfter] ?? "") ?? 0 > 0) }
            }
            let (status, headers, body) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            #expect(status == .tooManyRequests)
            #expect(Int(headers[.retryAfter] ?? "") ?? 0 > 200)
            #expect(body["access_token"] == nil)
        }
    }

    @Test func aLegacyOpenIMISHashSignsInStaysAsOpenIMISWroteItAndGetsAnOwnHash() async throws {
        let world = try await AuthTestWorld.make()
        let admin = DemoDataset.Accounts.admin
        let before = try #require(try await world.auth.accounts.user(loginName: admin.username))
        #expect(try await world.auth.accounts.ownPassword(userID: before.id) == nil)
        try await world.run { client in
            let (status, _, body) = try await client.token([("grant_type", "password"), ("username", admin.username),
                                                             ("password", admin.password)])
            #expect(status == .ok)
            #expect(body["access_token"]?.string != nil)
        }
        // openIMIS's StoredPassword and PrivateKey are never rewritten: openIMIS still signs the user in.
        let stored = try #require(try await world.auth.accounts.user(loginName: admin.username))
        #expect(stored.storedPassword == before.storedPassword)
        #expect(stored.privateKey == before.privateKey)
        #expect(RealOpenIMISSignInTests.openIMISAccepts(admin.password, stored: stored.storedPassword, salt: stored.privateKey))
        // The stronger hash went to the project's own table, tied to that openIMIS hash.
        let own = try #require(try await world.auth.accounts.ownPassword(userID: stored.id))
        #expect(own.hash.hasPrefix("pbkdf2_sha256$"))
        #expect(own.fingerprint == PasswordHasher.fingerprint(storedPassword: stored.storedPassword, privateKey: stored.privateKey))
        // Signing in again goes through the own hash, and still works.
        try await world.run { client in
            let (status, _, _) = try await client.token([("grant_type", "password"), ("username", "Admin"), ("password", "admin123")])
            #expect(status == .ok)
            let (wrong, _, _) = try await client.token([("grant_type", "password"), ("username", "Admin"), ("password", "admin124")])
            #expect(wrong == .badRequest)
        }
    }

    @Test func aRefreshTokenRotatesAndItsReuseRevokesTheWholeFamily() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let (_, _, first) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            let refresh1 = try #require(first["refresh_token"]?.string)
            let (status2, _, second) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(status2 == .ok)
            let refresh2 = try #require(second["refresh_token"]?.string)
            #expect(refresh2 != refresh1)
            #expect(second["access_token"]?.string != first["access_token"]?.string)
            // Reusing the first one fails and revokes the second.
            let (reuse, _, reuseBody) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(reuse == .badRequest)
            #expect(reuseBody["error"]?.string == "invalid_grant")
            let (afterReuse, _, _) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh2)])
            #expect(afterReuse == .badRequest)
        }
    }

    @Test func aRefreshMayNarrowTheScopeButNotWidenIt() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let (_, _, first) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1"),
                                                        ("scope", "user/Patient.rs user/Group.rs")])
            #expect(first["scope"]?.string == "user/Patient.rs user/Group.rs")
            let refresh = try #require(first["refresh_token"]?.string)
            let (wider, _, body) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "user/Claim.rs")])
            #expect(wider == .badRequest)
            #expect(body["error"]?.string == "invalid_scope")
            let access = try #require(first["access_token"]?.string)
            // Rights allow Coverage for a clerk, but the token's scope does not.
            #expect(try await client.status("/fhir/Coverage", token: access) == .forbidden)
            #expect(try await client.status("/fhir/Patient", token: access) == .ok)
        }
    }

    @Test func clientCredentialsAuthenticateByBasicOrBodyAndGrantOnlyRegisteredScopes() async throws {
        let world = try await AuthTestWorld.make()
        let secret = try await world.client("payments", scope: "system/Invoice.cru system/PaymentNotice.c")
        try await world.run { client in
            var basic = formHeaders
            basic[.authorization] = "Basic " + Data("payments:\(secret)".utf8).base64EncodedString()
            let (status, _, body) = try await client.token([("grant_type", "client_credentials")], headers: basic)
            #expect(status == .ok)
            #expect(body["scope"]?.string == "system/Invoice.cru system/PaymentNotice.c")
            #expect(body["refresh_token"] == nil)
            let access = try #require(body["access_token"]?.string)
            #expect(try await client.status("/fhir/Invoice", token: access) == .ok)
            #expect(try await client.status("/fhir/Patient", token: access) == .forbidden)

            let (narrow, _, narrowBody) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                                   ("client_secret", secret), ("scope", "system/Invoice.r")])
            #expect(narrow == .ok)
            #expect(narrowBody["scope"]?.string == "system/Invoice.r")
            let (wide, _, wideBody) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                               ("client_secret", secret), ("scope", "system/Patient.r")])
            #expect(wide == .badRequest)
            #expect(wideBody["error"]?.string == "invalid_scope")
        }
    }

    @Test func aWrongClientSecretIs401InvalidClientWithAChallenge() async throws {
        let world = try await AuthTestWorld.make()
        _ = try await world.client("payments", scope: "system/Invoice.cru")
        try await world.run { client in
            let (status, headers, body) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                                   ("client_secret", "wrong")])
            #expect(status == .unauthorized)
            #expect(headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            #expect(body["error"]?.string == "invalid_client")
            let (none, _, noneBody) = try await client.token([("grant_type", "client_credentials")])
            #expect(none == .unauthorized)
            #expect(noneBody["error"]?.string == "invalid_client")
        }
    }

    @Test func malformedTokenRequestsGetRFC6749Errors() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let cases: [([(String, String)], String)] = [
                ([], "invalid_request"),
                ([("grant_type", "authorization_code"), ("code", "x")], "unsupported_grant_type"),
                ([("grant_type", "password"), ("username", "Admin")], "invalid_request"),
                ([("grant_type", "refresh_token")], "invalid_request"),
                ([("grant_type", "password"), ("grant_type", "password")], "invalid_request"),
            ]
            for (pairs, error) in cases {
                let (status, headers, body) = try await client.token(pairs)
                #expect(status == .badRequest, "\(pairs)")
                #expect(body["error"]?.string == error, "\(pairs)")
                #expect(body["error_description"]?.string?.isEmpty == false)
                #expect(headers[.contentType] == "application/json")
            }
            let xml = try await client.execute(uri: "/auth/token", method: .post, headers: [.contentType: "application/xml"],
                                               body: ByteBuffer(string: "<x/>")) { $0.status }
            #expect(xml == .badRequest)
            let json = try await client.execute(uri: "/auth/token", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: "[1,2")) { $0.status }
            #expect(json == .badRequest)
            let get = try await client.execute(uri: "/auth/token", method: .get) { $0 }
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers[.allow] == "POST")
        }
    }

    @Test func aJSONBodyIsAcceptedToo() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let status = try await client.execute(
                uri: "/auth/token", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"grant_type":"password","username":"carla","password":"Secret-pass-1"}"#)) { $0.status }
            #expect(status == .ok)
        }
    }

    @Test func revokingARefreshTokenEndsItsFamilyAtOnce() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let (_, _, body) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            let refresh = try #require(body["refresh_token"]?.string)
            let revoked = try await client.execute(uri: "/auth/revoke", method: .post, headers: formHeaders,
                                                   body: form([("token", refresh)])) { $0.status }
            #expect(revoked == .ok)
            let unknown = try await client.execute(uri: "/auth/revoke", method: .post, headers: formHeaders,
                                                   body: form([("token", "never-issued")])) { $0.status }
            #expect(unknown == .ok)
            let (status, _, _) = try await client.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(status == .badRequest)
        }
    }

    @Test func introspectionNeedsAClientAndTellsActiveFromInactive() async throws {
        let world = try await AuthTestWorld.make()
        let secret = try await world.client("mediator", scope: "system/Invoice.r")
        try await world.user("carla")
        try await world.run { client in
            let (_, _, body) = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "Secret-pass-1")])
            let access = try #require(body["access_token"]?.string)
            let anonymous = try await client.execute(uri: "/auth/introspect", method: .post, headers: formHeaders,
                                                     body: form([("token", access)])) { $0.status }
            #expect(anonymous == .unauthorized)
            func introspect(_ token: String) async throws -> JSON {
                try await client.execute(uri: "/auth/introspect", method: .post, headers: formHeaders,
                                         body: form([("token", token), ("client_id", "mediator"), ("client_secret", secret)])) {
                    #expect($0.status == .ok)
                    return try JSONParser.parse(Array(buffer: $0.body))
                }
            }
            let active = try await introspect(access)
            #expect(active["active"] == .bool(true))
            #expect(active["username"]?.string == "carla")
            #expect(active["scope"]?.string == "user/*.cruds")
            #expect(try await introspect("not-a-token")["active"] == .bool(false))
            let refresh = try #require(body["refresh_token"]?.string)
            #expect(try await introspect(refresh)["token_type"]?.string == "refresh_token")
        }
    }

    @Test func discoveryDocumentsNameTheEndpoints() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let metadata = try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get) {
                try JSONParser.parse(Array(buffer: $0.body))
            }
            #expect(metadata["issuer"]?.string == testTokenSettings.issuer)
            #expect(metadata["token_endpoint"]?.string?.hasSuffix("/auth/token") == true)
            #expect(metadata["grant_types_supported"]?.array?.contains(.string("urn:openimis:params:oauth:grant-type:otp")) == true)
            let smart = try await client.execute(uri: "/fhir/.well-known/smart-configuration", method: .get) {
                #expect($0.status == .ok)
                return try JSONParser.parse(Array(buffer: $0.body))
            }
            #expect(smart["token_endpoint"] == metadata["token_endpoint"])
            #expect(smart["capabilities"]?.array?.contains(.string("client-confidential-symmetric")) == true)
            #expect(smart["scopes_supported"]?.array?.isEmpty == false)
            let jwks = try await client.execute(uri: "/auth/jwks.json", method: .get) { try JSONParser.parse(Array(buffer: $0.body)) }
            #expect(jwks["keys"] == .array([]))
            let statement = try await client.execute(uri: "/fhir/metadata", method: .get) { fhirBody($0) }
            let security = statement["rest"]?.array?.first?["security"]
            #expect(security?["service"]?.array?.first?["coding"]?.array?.first?["code"]?.string == "SMART-on-FHIR")
            let uris = security?["extension"]?.array?.first?["extension"]?.array ?? []
            #expect(uris.first { $0["url"]?.string == "token" }?["valueUri"] == metadata["token_endpoint"])
        }
    }

    @Test func theAliasLoginAnswersTokenAndExpiry() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let answer = try await client.execute(uri: "/api/api_fhir_r4/login/", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"username":"carla","password":"Secret-pass-1"}"#)) {
                ($0.status, try JSONParser.parse(Array(buffer: $0.body)))
            }
            #expect(answer.0 == .ok)
            let token = try #require(answer.1["token"]?.string)
            #expect(Int(answer.1["exp"]?.number ?? "") ?? 0 > Int(Date().timeIntervalSince1970))
            #expect(try await client.status("/api/api_fhir_r4/Patient/\(DemoDataset.johnDoeCHFID)/", token: token) == .ok)
            let wrong = try await client.execute(uri: "/api/api_fhir_r4/login/", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"username":"carla","password":"x"}"#)) { $0.status }
            #expect(wrong == .unauthorized)
            let missing = try await client.execute(uri: "/api/api_fhir_r4/login/", method: .post, headers: [.contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"username":"carla"}"#)) { $0.status }
            #expect(missing == .badRequest)
        }
    }
}
