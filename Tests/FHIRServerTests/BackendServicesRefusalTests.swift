import Crypto
import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import Testing

@testable import FHIRServer

/// Every assertion the token endpoint must refuse, each with the RFC 6749 §5.2 answer: `invalid_client` (401, with
/// `WWW-Authenticate`) when the client is not authenticated, `invalid_request` (400) for an oversized assertion.
@Suite("SMART Backend Services refusals")
struct BackendServicesRefusalTests {
    /// One way an assertion goes wrong.
    enum Refusal: String, CaseIterable, Sendable {
        case unknownClient, clientWithoutKeys, clientIDDiffersFromIssuer, badSignature, signedByAnotherKey, algNone,
            hs256
        case algOfAnotherKeyKind, unknownKid, noKid, wrongAudience, issuerNotSubject, expMissing, expired,
            expTooFarAhead
        case notYetValid, jtiMissing, tooLarge, notAJWT

        /// The `error_description` that names what failed (`aud` is the token endpoint).
        func description(aud: String) -> String {
            switch self {
            case .unknownClient, .clientWithoutKeys: "no client with registered keys has this id"
            case .clientIDDiffersFromIssuer: "client_id differs from the client_assertion's iss"
            case .badSignature, .signedByAnotherKey: "client_assertion's signature does not verify"
            case .algNone, .hs256: "client_assertion must be signed with one of RS384, ES384, RS256, ES256"
            case .algOfAnotherKeyKind: "the key with this kid does not sign with RS384"
            case .unknownKid: "no key with this kid is registered for the client"
            case .noKid: "client_assertion has no kid header"
            case .wrongAudience: "client_assertion's aud must be the token endpoint \(aud)"
            case .issuerNotSubject: "client_assertion's iss and sub must both be the client_id"
            case .expMissing: "client_assertion has no exp"
            case .expired: "client_assertion has expired"
            case .expTooFarAhead: "client_assertion's exp is more than 5 minutes ahead"
            case .notYetValid: "client_assertion is not valid yet (nbf)"
            case .jtiMissing: "client_assertion needs a jti of at most 255 characters"
            case .tooLarge: "client_assertion exceeds 8192 bytes"
            case .notAJWT: "client_assertion is not a signed JWT"
            }
        }
    }

    /// The form fields of a token request.
    typealias Fields = [(String, String)]

    /// The request that shows `refusal`; `aud` is the token endpoint, `key` is registered for `dashboard`, `other`
    /// is not.
    static func request(_ refusal: Refusal, key: AssertionKey, other: AssertionKey, aud: String) throws -> Fields {
        var claims = AssertionKey.claims(client: "dashboard", aud: aud)
        let now = Int(Date().timeIntervalSince1970)
        var header = ["alg": key.alg, "kid": key.kid, "typ": "JWT"]
        switch refusal {
        case .unknownClient:
            claims["iss"] = "nobody"
            claims["sub"] = "nobody"
        case .clientWithoutKeys:
            claims["iss"] = "secretive"
            claims["sub"] = "secretive"
        case .clientIDDiffersFromIssuer:
            return assertionRequest(try key.sign(claims)) + [("client_id", "someone-else")]
        case .badSignature:
            let token = try key.sign(claims)
            let tampered = token.dropLast(4) + (token.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            return assertionRequest(String(tampered))
        case .signedByAnotherKey:
            return assertionRequest(try other.sign(claims, header: header))
        case .algNone:
            let unsigned = try key.sign(claims, header: ["alg": "none", "kid": key.kid, "typ": "JWT"])
            return assertionRequest(
                String(unsigned.prefix { $0 != "." }) + "." + unsigned.split(separator: ".")[1] + ".")
        case .hs256:
            header["alg"] = "HS256"
            let input =
                Base64URL.encode(try JSONSerialization.data(withJSONObject: header)) + "."
                + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims.mapValues { $0 as Any }))
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data(input.utf8), using: SymmetricKey(data: Data(AssertionKey.jwks([key]).utf8)))
            return assertionRequest(input + "." + Base64URL.encode(Data(mac)))
        case .algOfAnotherKeyKind:
            header["alg"] = "RS384"
        case .unknownKid:
            header["kid"] = "not-registered"
        case .noKid:
            header["kid"] = nil
        case .wrongAudience:
            claims["aud"] = "https://elsewhere.example.org/auth/token"
        case .issuerNotSubject:
            claims["sub"] = "another"
        case .expMissing:
            claims["exp"] = nil
        case .expired:
            claims["exp"] = now - 10
        case .expTooFarAhead:
            claims["exp"] = now + 301 + 60
        case .notYetValid:
            claims["nbf"] = now + 120
        case .jtiMissing:
            claims["jti"] = nil
        case .tooLarge:
            claims["padding"] = String(repeating: "x", count: 9000)
        case .notAJWT:
            return assertionRequest("not-a-jwt")
        }
        return assertionRequest(try key.sign(claims, header: header))
    }

    @Test(arguments: Refusal.allCases)
    func aBadAssertionIsRefused(_ refusal: Refusal) async throws {
        let key = AssertionKey.es384()
        let other = AssertionKey.es384()
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs", keys: [key])
        _ = try await world.client("secretive", scope: "system/Patient.rs")
        try await world.run { client in
            let aud = try await client.tokenEndpoint()
            let (status, headers, body) = try await client.token(
                try Self.request(refusal, key: key, other: other, aud: aud))
            #expect(body["error_description"]?.string == refusal.description(aud: aud))
            if refusal == .tooLarge {
                #expect(status == .badRequest)
                #expect(body["error"]?.string == "invalid_request")
            } else {
                #expect(status == .unauthorized, "\(body)")
                #expect(body["error"]?.string == "invalid_client", "\(body)")
                #expect(headers[.wwwAuthenticate] != nil)
            }
            #expect(headers[.cacheControl] == "no-store")
            #expect(body["access_token"] == nil)
        }
    }

    /// The control: the request builder makes a good assertion when nothing is changed.
    @Test func theUnchangedAssertionOfTheseTestsIsAccepted() async throws {
        let key = AssertionKey.es384()
        let world = try await AuthTestWorld.make()
        try await world.assertionClient("dashboard", scope: "system/Patient.rs", keys: [key])
        try await world.run { client in
            let claims = AssertionKey.claims(client: "dashboard", aud: try await client.tokenEndpoint())
            #expect(try await client.token(assertionRequest(try key.sign(claims))).0 == .ok)
        }
    }
}
