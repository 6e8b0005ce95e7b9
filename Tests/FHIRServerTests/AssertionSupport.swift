import Crypto
import CryptoExtras
import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Membership
import Testing

@testable import FHIRServer

/// A client's signing key made by the test, its public JWK, and assertions (RFC 7523) signed with it.
struct AssertionKey: Sendable {
    enum Material: Sendable {
        case es384(P384.Signing.PrivateKey)
        case es256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let material: Material
    let kid: String
    /// The algorithm it signs with: ES384, ES256, RS384 or RS256.
    let alg: String

    static func es384(kid: String = "es384-key") -> AssertionKey {
        AssertionKey(material: .es384(P384.Signing.PrivateKey()), kid: kid, alg: "ES384")
    }
    static func es256(kid: String = "es256-key") -> AssertionKey {
        AssertionKey(material: .es256(P256.Signing.PrivateKey()), kid: kid, alg: "ES256")
    }
    static func rs384(kid: String = "rs384-key") throws -> AssertionKey {
        AssertionKey(material: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)), kid: kid, alg: "RS384")
    }

    /// The public JWK (RFC 7517 §4, RFC 7518 §6).
    var jwk: [String: String] {
        switch material {
        case .es384(let key):
            let raw = key.publicKey.rawRepresentation
            return [
                "kty": "EC", "crv": "P-384", "kid": kid, "alg": alg, "use": "sig",
                "x": Base64URL.encode(raw.prefix(48)), "y": Base64URL.encode(raw.suffix(48)),
            ]
        case .es256(let key):
            let raw = key.publicKey.rawRepresentation
            return [
                "kty": "EC", "crv": "P-256", "kid": kid, "alg": alg,
                "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32)),
            ]
        case .rsa(let key):
            let primitives = try? key.publicKey.getKeyPrimitives()
            return [
                "kty": "RSA", "kid": kid, "alg": alg, "n": Base64URL.encode(primitives?.modulus ?? Data()),
                "e": Base64URL.encode(primitives?.publicExponent ?? Data()),
            ]
        }
    }

    /// A JWK Set of `keys` as JSON text.
    static func jwks(_ keys: [AssertionKey]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: ["keys": keys.map(\.jwk)], options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    /// A compact JWS of `claims` with `header` (by default this key's `alg` and `kid`, `typ: JWT`), signed with
    /// `signAs` (by default this key's algorithm).
    func sign(_ claims: [String: any Sendable], header: [String: String]? = nil, signAs: String? = nil) throws -> String
    {
        let header = header ?? ["alg": alg, "kid": kid, "typ": "JWT"]
        let input =
            Base64URL.encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) + "."
            + Base64URL.encode(
                try JSONSerialization.data(withJSONObject: claims.mapValues { $0 as Any }, options: [.sortedKeys]))
        let data = Data(input.utf8)
        let signature: Data
        switch (material, signAs ?? alg) {
        case (.es384(let key), _): signature = try key.signature(for: SHA384.hash(data: data)).rawRepresentation
        case (.es256(let key), _): signature = try key.signature(for: SHA256.hash(data: data)).rawRepresentation
        case (.rsa(let key), "RS256"):
            signature = try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case (.rsa(let key), _):
            signature = try key.signature(for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        }
        return input + "." + Base64URL.encode(signature)
    }

    /// The claims SMART Backend Services asks for: `iss` = `sub` = the client, `aud` the token endpoint, `exp` four
    /// minutes ahead, a fresh `jti`.
    static func claims(client: String, aud: String, now: Date = Date()) -> [String: any Sendable] {
        [
            "iss": client, "sub": client, "aud": aud, "exp": Int(now.timeIntervalSince1970) + 240,
            "jti": UUID().uuidString,
        ]
    }
}

/// The token request of SMART Backend Services with `assertion`.
func assertionRequest(_ assertion: String, scope: String? = nil) -> [(String, String)] {
    var pairs = [
        ("grant_type", "client_credentials"), ("client_assertion_type", TokenService.jwtBearerAssertionType),
        ("client_assertion", assertion),
    ]
    if let scope { pairs.append(("scope", scope)) }
    return pairs
}

extension AuthTestWorld {
    /// A system client that authenticates with assertions signed by `keys` (a JWK Set stored with it), or by the keys
    /// at `jwksURL`.
    func assertionClient(_ id: String, scope: String, keys: [AssertionKey] = [], jwksURL: String? = nil) async throws {
        let registration = ClientKeyRegistration(
            clientID: id, jwks: jwksURL == nil ? AssertionKey.jwks(keys) : nil,
            jwksURL: jwksURL, createdAt: Date())
        try await auth.accounts.createClient(
            SystemClient(
                clientID: id, secretHash: OpaqueSecret.hash(OpaqueSecret.make()),
                name: id, scope: scope, createdAt: Date()), keys: registration)
    }
}

extension TestClientProtocol {
    /// The token endpoint the SMART configuration names: the `aud` of an assertion.
    func tokenEndpoint() async throws -> String {
        let smart = try await execute(uri: "/fhir/.well-known/smart-configuration", method: .get) {
            (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null
        }
        return try #require(smart["token_endpoint"]?.string)
    }
}
