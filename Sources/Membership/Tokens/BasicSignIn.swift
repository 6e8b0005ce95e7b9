import Foundation
import IMISData

/// Who the credentials of an HTTP Basic request (RFC 7617) speak for, and the subject its API budget is kept under.
public struct BasicSignIn: Sendable, Hashable {
    public var principal: Principal
    /// `user:<UserUUID>` or `client:<client id>`, as the `sub` of a token would be.
    public var subject: String

    public init(principal: Principal, subject: String) {
        self.principal = principal
        self.subject = subject
    }
}

extension TokenService {
    /// HTTP Basic credentials checked per request, with no token issued: a name that is a known system client id is
    /// that client, checked like client authentication at the token endpoint (``authenticateClient(clientID:secret:)``)
    /// and given its registered scopes as `client_credentials` would grant them; any other name is a user, checked by
    /// the password grant's own sign-in (``authenticate(username:password:)``: the same hash rules, failure counting
    /// and lockout), with the rights, roles and districts its token would carry. Nil when the credentials do not
    /// verify (including a locked name); throws only when the stores could not be asked.
    public func basicSignIn(name: String, secret: String) async throws -> BasicSignIn? {
        // The password grant's limits; like it, no failure is counted for input that cannot be a sign-in.
        guard !name.isEmpty, name.utf8.count <= 255, secret.utf8.count <= 1024 else { return nil }
        if try await accounts.client(id: name) != nil {
            let client: SystemClient
            do {
                client = try await authenticateClient(clientID: name, secret: secret)
            } catch is TokenError {
                return nil
            }
            return BasicSignIn(principal: .system(clientID: client.clientID, scopes: SMARTScope.parse(client.scope)),
                               subject: "client:\(client.clientID)")
        }
        let user: UserAccount
        do {
            user = try await authenticate(username: name, password: secret)
        } catch is TokenError {
            return nil
        }
        let now = Int64(clock().timeIntervalSince1970)
        let claims = AccessTokenClaims(iss: settings.issuer, aud: settings.audience, sub: "user:\(user.uuid)",
                                       exp: now + Int64(settings.accessTokenTTL), iat: now, nbf: now, jti: "",
                                       scope: defaultScope(for: user), uid: user.id, insuree: user.insureeID)
        guard let principal = try await principal(for: claims) else { return nil }
        return BasicSignIn(principal: principal, subject: claims.sub)
    }
}
