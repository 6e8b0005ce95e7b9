import Foundation
import IMISData

extension TokenService {
    /// `client_assertion_type` of a signed client assertion (RFC 7523 §2.2).
    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// `grant_type=client_credentials` authenticated by a signed assertion (SMART App Launch 2.x Backend Services,
    /// RFC 7523 §3): the client is the assertion's `iss` (= `sub`, = `client_id` when that is sent too), its
    /// registered key signed it, `aud` is `tokenEndpoint`, `exp` is at most 5 minutes ahead, and its `jti` was not
    /// presented before (the ids are kept in the database until they expire, so this holds across instances).
    /// Every failure is `invalid_client` (401); scopes are granted as to a client with a secret.
    public func assertionGrant(assertion: String, clientID: String?, scope: String?, tokenEndpoint: String) async throws
        -> IssuedTokens
    {
        let client = try await authenticateClient(
            assertion: assertion, clientID: clientID, tokenEndpoint: tokenEndpoint)
        return try systemTokens(for: client, scope: scope)
    }

    /// The system client a signed assertion authenticates; `invalid_client` (or `invalid_request` for an oversized
    /// assertion) otherwise.
    public func authenticateClient(assertion text: String, clientID: String?, tokenEndpoint: String) async throws
        -> SystemClient
    {
        let assertion = try ClientAssertion(text)
        if let clientID, clientID != assertion.clientID {
            throw ClientAssertion.refused("client_id differs from the client_assertion's iss")
        }
        guard let client = try await accounts.client(id: assertion.clientID), client.revokedAt == nil,
            let registration = try await accounts.clientKeys(clientID: client.clientID)
        else { throw ClientAssertion.refused("no client with registered keys has this id") }
        let now = clock()
        let verified: (jti: String, expiresAt: Date)
        do {
            verified = try assertion.verify(
                with: try await clientKeys.keys(for: registration, now: now),
                tokenEndpoint: tokenEndpoint, now: now)
        } catch let error as TokenError where registration.jwksURL != nil && Self.namesUnknownKey(error) {
            // The client may have rotated its keys since the set was fetched: fetch it again (not too often).
            verified = try assertion.verify(
                with: try await clientKeys.keys(for: registration, now: now, refreshing: true),
                tokenEndpoint: tokenEndpoint, now: now)
        }
        guard
            try await accounts.recordAssertionID(
                clientID: client.clientID, jti: verified.jti,
                expiresAt: verified.expiresAt, now: now)
        else { throw ClientAssertion.refused("client_assertion's jti was used before") }
        return client
    }

    static func namesUnknownKey(_ error: TokenError) -> Bool {
        error.description == ClientAssertion.unknownKey.description
    }
}
