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

/// Forged and stale tokens against a server that signs with RS256: every one is refused with 401.
@Suite("Token attacks")
struct TokenAttackTests {
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let serverKey = try! JWTKey.privateKey(pem: rsa.pemRepresentation)

    func claims(_ change: (inout AccessTokenClaims) -> Void = { _ in }) -> AccessTokenClaims {
        let now = Int64(Date().timeIntervalSince1970)
        var claims = AccessTokenClaims(iss: testTokenSettings.issuer, aud: testTokenSettings.audience, sub: "user:admin",
                                       exp: now + 600, iat: now, nbf: now, jti: UUID().uuidString, scope: "user/*.cruds", uid: 1)
        change(&claims)
        return claims
    }

    /// A token with a hand-made header and signature.
    func forged(header: String, claims: AccessTokenClaims, sign: (Data) -> Data) throws -> String {
        let payload = try JSONEncoder().encode(claims)
        let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(sign(Data(input.utf8)))
    }

    func expectRefused(_ token: String, _ label: String, world: AuthTestWorld) async throws {
        try await world.run { client in
            let response = try await client.execute(uri: "/fhir/Patient", method: .get,
                                                    headers: [.authorization: "Bearer \(token)"]) { $0 }
            #expect(response.status == .unauthorized, "\(label)")
            #expect(response.headers[.wwwAuthenticate]?.contains("invalid_token") == true, "\(label)")
            let outcome = fhirBody(response)
            #expect(issueCode(outcome) == "login")
        }
    }

    @Test func aGenuineTokenPassesAndJWKSPublishesItsKey() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let token = try JWTSigner(key: Self.serverKey).sign(claims())
        try await world.run { client in
            #expect(try await client.status("/fhir/Patient", token: token) == .ok)
            let jwks = try await client.execute(uri: "/auth/jwks.json", method: .get) { try JSONParser.parse(Array(buffer: $0.body)) }
            let key = try #require(jwks["keys"]?.array?.first)
            #expect(key["kty"]?.string == "RSA")
            #expect(key["alg"]?.string == "RS256")
            #expect(key["kid"]?.string == Self.serverKey.keyID)
            let primitives = try Self.rsa.publicKey.getKeyPrimitives()
            #expect(key["n"]?.string == Base64URL.encode(primitives.modulus))
        }
    }

    @Test func algNoneIsRefused() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let token = try forged(header: #"{"alg":"none","typ":"JWT","kid":"\#(Self.serverKey.keyID)"}"#, claims: claims()) { _ in Data() }
        try await expectRefused(token, "alg none", world: world)
        try await expectRefused(String(token.dropLast(0)) + "", "alg none, empty signature", world: world)
    }

    @Test func anHS256TokenKeyedWithThePublicKeyIsRefused() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let publicPEM = Self.rsa.publicKey.pemRepresentation
        let token = try forged(header: #"{"alg":"HS256","typ":"JWT","kid":"\#(Self.serverKey.keyID)"}"#, claims: claims()) { input in
            Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Data(publicPEM.utf8))))
        }
        try await expectRefused(token, "HS/RS confusion", world: world)
    }

    @Test func anotherKeyOrAnUnknownKidIsRefused() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let other = try JWTKey.privateKey(pem: _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
        try await expectRefused(try JWTSigner(key: other).sign(claims()), "other key, other kid", world: world)
        let sameKidOtherKey = try JWTKey.privateKey(pem: _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                                                    keyID: Self.serverKey.keyID)
        try await expectRefused(try JWTSigner(key: sameKidOtherKey).sign(claims()), "same kid, other key", world: world)
    }

    @Test func expiredNotYetValidWrongAudienceAndWrongIssuerAreRefused() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let signer = JWTSigner(key: Self.serverKey)
        let now = Int64(Date().timeIntervalSince1970)
        try await expectRefused(try signer.sign(claims { $0.exp = now - 1 }), "expired", world: world)
        try await expectRefused(try signer.sign(claims { $0.nbf = now + 3600 }), "not yet valid", world: world)
        try await expectRefused(try signer.sign(claims { $0.aud = "another-api" }), "wrong audience", world: world)
        try await expectRefused(try signer.sign(claims { $0.iss = "https://evil.example" }), "wrong issuer", world: world)
    }

    @Test func aTamperedPayloadIsRefused() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let genuine = try JWTSigner(key: Self.serverKey).sign(claims { $0.scope = "user/Patient.r" })
        let parts = genuine.split(separator: ".").map(String.init)
        let widened = Base64URL.encode(try JSONEncoder().encode(claims { $0.scope = "user/*.cruds" }))
        try await expectRefused([parts[0], widened, parts[2]].joined(separator: "."), "tampered payload", world: world)
        try await expectRefused("not.a.token", "garbage", world: world)
        try await expectRefused(genuine + "x", "extended signature", world: world)
    }

    /// A token signed with the server's own key whose header is `header` (the key's `alg` and `kid` added to it).
    func signed(header extra: String) throws -> String {
        let header = #"{"alg":"RS256","kid":"\#(Self.serverKey.keyID)""# + (extra.isEmpty ? "" : ",") + extra + "}"
        return try forged(header: header, claims: claims()) { input in
            (try? Self.rsa.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation) ?? Data()
        }
    }

    @Test func correctlySignedTokensWithTheTypesOfAnAccessTokenPass() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        try await world.run { client in
            for extra in ["", #""typ":"JWT""#, #""typ":"at+jwt""#, #""typ":"application/at+JWT""#, #""typ":"application/jwt""#] {
                let token = try signed(header: extra)
                let status = try await client.status("/fhir/Patient", token: token)
                #expect(status == .ok, "\(extra)")
            }
        }
    }

    @Test func aCriticalExtensionAJWEParameterOrAForeignTypeIsRefusedThoughTheSignatureHolds() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        let headers = [
            #""typ":"JWT","crit":["urn:example:policy"],"urn:example:policy":"any""#,
            #""typ":"JWT","crit":["exp"]"#,
            #""typ":"JWT","crit":[]"#,
            #""typ":"JWT","zip":"DEF""#,
            #""typ":"JWT","enc":"A256GCM""#,
            #""typ":"JWE""#,
            #""typ":"JOSE""#,
            #""typ":"application/jose+json""#,
            #""typ":"dpop+jwt""#,
            #""typ":"secevent+jwt""#,
            #""typ":"""#,
        ]
        for extra in headers {
            try await expectRefused(try signed(header: extra), extra, world: world)
        }
    }

    @Test func noTokenIs401WithABearerChallengeButMetadataIsOpen() async throws {
        let world = try await AuthTestWorld.make(signer: JWTSigner(key: Self.serverKey))
        try await world.run { client in
            let response = try await client.execute(uri: "/fhir/Patient", method: .get) { $0 }
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"imis-fhir\", Basic realm=\"imis-fhir\", charset=\"UTF-8\"")
            #expect(issueCode(fhirBody(response)) == "login")
            #expect(try await client.status("/fhir/metadata", token: nil) == .ok)
            #expect(try await client.status("/health/live", token: nil) == .ok)
            // Basic with a wrong password ("Admin:wrong"); the right one is accepted (BasicAuthTests).
            let basic = try await client.execute(uri: "/fhir/Patient", method: .get,
                                                 headers: [.authorization: "Basic QWRtaW46d3Jvbmc="]) { $0.status }
            #expect(basic == .unauthorized)
        }
    }
}
