import Foundation
import IMISData

extension TokenService {
    /// The claims of a valid access token: signature with the pinned key, issuer, audience, `exp` and `nbf`.
    public func verify(_ token: String) throws(JWTError) -> AccessTokenClaims {
        let claims = try signer.verify(token, as: AccessTokenClaims.self)
        let now = Int64(clock().timeIntervalSince1970)
        guard claims.iss == settings.issuer else { throw .wrongIssuer }
        guard claims.aud == settings.audience else { throw .wrongAudience }
        guard claims.exp > now else { throw .expired }
        guard claims.nbf <= now + 5 else { throw .notYetValid }
        return claims
    }

    /// Who a bearer token speaks for; nil when the token is invalid, expired, or its user or client is gone.
    /// A verified token is cached with its principal until it expires (verification and the rights lookup happen
    /// once per token, not per request).
    public func principal(bearer token: String) async -> (principal: Principal, claims: AccessTokenClaims)? {
        try? await resolve(bearer: token)
    }

    /// The principal of a bearer token; nil when the token is not valid (bad signature, expired, of a removed user
    /// or client). Throws only when the stores could not be asked (an unreachable database), so that the caller
    /// can answer 503 rather than call a good token invalid.
    public func resolve(bearer token: String) async throws -> (principal: Principal, claims: AccessTokenClaims)? {
        let now = Int64(clock().timeIntervalSince1970)
        if let hit = cache.withLock({ $0[token] }) {
            if hit.claims.exp > now { return hit }
            _ = cache.withLock { $0.removeValue(forKey: token) }
            return nil
        }
        guard let claims = try? verify(token), let principal = try await principal(for: claims) else { return nil }
        cache.withLock { entries in
            if entries.count >= Self.cacheLimit { entries.removeAll(keepingCapacity: true) }
            entries[token] = (principal, claims)
        }
        return (principal, claims)
    }

    func principal(for claims: AccessTokenClaims) async throws -> Principal? {
        let scopes = SMARTScope.parse(claims.scope)
        if let clientID = claims.client_id {
            guard let client = try await accounts.client(id: clientID), client.revokedAt == nil else { return nil }
            return .system(clientID: clientID, scopes: scopes)
        }
        guard let uid = claims.uid, let user = try await accounts.user(id: uid) else { return nil }
        if let insureeID = user.insureeID {
            guard let insuree = try await registry.record(Insuree.self, id: insureeID), let family = insuree.familyID else { return nil }
            return .insuree(insureeID: insureeID, familyID: family, scopes: scopes)
        }
        let districts: Set<Int64>? = settings.rowSecurity && !user.administrator ? user.districts : nil
        return .user(userID: user.id, rights: user.rights, administrator: user.administrator, districts: districts, scopes: scopes)
    }

    // MARK: Revocation and introspection

    /// RFC 7009: revokes a refresh token's family; an access token cannot be revoked early (it lives 15 minutes)
    /// but is dropped from the cache. Unknown tokens are not an error.
    public func revoke(token: String) async throws {
        _ = cache.withLock { $0.removeValue(forKey: token) }
        _ = try await accounts.revokeRefreshFamily(hash: OpaqueSecret.hash(token), now: clock())
    }

    /// RFC 7662: what is known about a token; `["active": false]` for anything not valid.
    public func introspect(token: String) async throws -> [String: IntrospectionValue] {
        if let (_, claims) = await principal(bearer: token) {
            var answer: [String: IntrospectionValue] = [
                "active": .bool(true), "scope": .string(claims.scope), "sub": .string(claims.sub),
                "exp": .int(claims.exp), "iat": .int(claims.iat), "nbf": .int(claims.nbf), "iss": .string(claims.iss),
                "aud": .string(claims.aud), "token_type": .string("Bearer"), "jti": .string(claims.jti),
            ]
            if let client = claims.client_id { answer["client_id"] = .string(client) }
            if let uid = claims.uid, let user = try await accounts.user(id: uid) { answer["username"] = .string(user.loginName) }
            return answer
        }
        if let record = try await accounts.refreshToken(hash: OpaqueSecret.hash(token)), record.usedAt == nil,
           record.revokedAt == nil, record.expiresAt > clock() {
            var answer: [String: IntrospectionValue] = [
                "active": .bool(true), "scope": .string(record.scope), "token_type": .string("refresh_token"),
                "exp": .int(Int64(record.expiresAt.timeIntervalSince1970)), "iat": .int(Int64(record.issuedAt.timeIntervalSince1970)),
            ]
            if let user = try await accounts.user(id: record.userID) { answer["username"] = .string(user.loginName) }
            return answer
        }
        return ["active": .bool(false)]
    }
}
