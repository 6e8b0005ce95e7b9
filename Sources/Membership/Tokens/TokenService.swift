import Foundation
import IMISData
import Synchronization

/// Lifetimes, issuer and lockout rules of the token endpoint (configuration.md; security.md).
public struct TokenSettings: Sendable {
    /// `iss` of every token, and the issuer of the RFC 8414 metadata.
    public var issuer: String
    /// `aud` of every access token.
    public var audience: String
    public var accessTokenTTL: TimeInterval
    public var refreshTokenTTL: TimeInterval
    /// Failed sign-ins in a row that lock a login name, and for how long (openIMIS: 5 and 5 minutes).
    public var lockoutLimit: Int
    public var lockoutDuration: TimeInterval
    /// Whether interactive users are limited to their districts (openIMIS `ROW_SECURITY`).
    public var rowSecurity: Bool
    /// Whether the JWK Set URLs of clients that sign assertions must be HTTPS (`MODE=PROD`).
    public var jwksRequiresHTTPS = false
    /// How long a client's fetched JWK Set is used before it is fetched again.
    public var jwksCacheLifetime: TimeInterval = 300

    public init(issuer: String = "imis-fhir", audience: String = "imis-fhir", accessTokenTTL: TimeInterval = 900,
                refreshTokenTTL: TimeInterval = 30 * 86_400, lockoutLimit: Int = 5, lockoutDuration: TimeInterval = 300,
                rowSecurity: Bool = false) {
        self.issuer = issuer
        self.audience = audience
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.lockoutLimit = lockoutLimit
        self.lockoutDuration = lockoutDuration
        self.rowSecurity = rowSecurity
    }
}

/// The claims of an access token.
public struct AccessTokenClaims: Codable, Sendable, Hashable {
    public var iss: String
    public var aud: String
    /// `user:<UserUUID>` or `client:<client id>`.
    public var sub: String
    public var exp: Int64
    public var iat: Int64
    public var nbf: Int64
    public var jti: String
    public var scope: String
    /// `tblUsers.UserID` of a user.
    public var uid: Int64?
    /// The client id of a system client.
    public var client_id: String?
    /// The insuree an insuree's token signs in as.
    public var insuree: Int64?

    public init(iss: String, aud: String, sub: String, exp: Int64, iat: Int64, nbf: Int64, jti: String, scope: String,
                uid: Int64? = nil, client_id: String? = nil, insuree: Int64? = nil) {
        self.iss = iss
        self.aud = aud
        self.sub = sub
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.jti = jti
        self.scope = scope
        self.uid = uid
        self.client_id = client_id
        self.insuree = insuree
    }
}

/// An RFC 6749 §5.2 error (and the lockout answer): the HTTP layer turns it into JSON with the status.
public struct TokenError: Error, Hashable, Sendable {
    public var code: String
    public var description: String
    public var status: Int
    public var retryAfter: Int?

    public init(_ code: String, _ description: String, status: Int = 400, retryAfter: Int? = nil) {
        self.code = code
        self.description = description
        self.status = status
        self.retryAfter = retryAfter
    }

    public static func invalidRequest(_ text: String) -> TokenError { TokenError("invalid_request", text) }
    /// One text for every failed sign-in, whatever failed.
    public static let invalidCredentials = TokenError("invalid_grant", "invalid username or password")
    public static let invalidRefresh = TokenError("invalid_grant", "the refresh token is invalid, expired or revoked")
    public static let invalidClient = TokenError("invalid_client", "client authentication failed", status: 401)
    public static func invalidScope(_ text: String) -> TokenError { TokenError("invalid_scope", text) }
}

/// A successful token answer (api.md §2).
public struct IssuedTokens: Sendable, Hashable {
    public var accessToken: String
    public var expiresIn: Int
    public var refreshToken: String?
    public var scope: String
    public var expiresAt: Date
    /// The signed-in user (absent for system clients).
    public var user: UserAccount?
    /// The insuree a self-registered user is (absent otherwise).
    public var insuree: Insuree?
}

/// Issues, rotates, verifies and revokes tokens; authenticates users and system clients.
public final class TokenService: Sendable {
    public let accounts: any AccountStore
    public let registry: any RegistryStore
    public let signer: JWTSigner
    public let settings: TokenSettings
    public let passwords: PasswordHasher
    let clock: @Sendable () -> Date
    /// The public keys of clients that authenticate with signed assertions.
    public let clientKeys: ClientKeyResolver
    let cache = Mutex<[String: (principal: Principal, claims: AccessTokenClaims)]>([:])
    static let cacheLimit = 20_000

    public init(accounts: any AccountStore, registry: any RegistryStore, signer: JWTSigner, settings: TokenSettings,
                passwords: PasswordHasher = PasswordHasher(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.accounts = accounts
        self.registry = registry
        self.signer = signer
        self.settings = settings
        self.passwords = passwords
        self.clock = clock
        self.clientKeys = ClientKeyResolver(requireHTTPS: settings.jwksRequiresHTTPS, cacheLifetime: settings.jwksCacheLifetime)
    }

    public var now: Date { clock() }

    // MARK: Grants

    /// `grant_type=password`. Unknown name and wrong password give the same answer after the same work; 5 failures
    /// lock the name for 5 minutes (429 with `Retry-After`).
    public func passwordGrant(username: String, password: String, scope: String?) async throws -> IssuedTokens {
        guard !username.isEmpty, username.utf8.count <= 255, password.utf8.count <= 1024 else {
            throw TokenError.invalidRequest("username and password are required")
        }
        let user = try await authenticate(username: username, password: password)
        return try await issue(for: user, scope: scope)
    }

    /// Checks a user's password with lockout; the user on success.
    public func authenticate(username: String, password: String) async throws -> UserAccount {
        let now = clock()
        if let throttle = try await accounts.loginThrottle(username: username), let until = throttle.lockedUntil, until > now {
            _ = passwords.verify(password, stored: nil, legacySalt: nil)
            throw TokenError("invalid_grant", "too many failed sign-ins; try again later", status: 429,
                             retryAfter: max(1, Int(until.timeIntervalSince(now).rounded(.up))))
        }
        let user = try await accounts.user(loginName: username)
        let check = try await checkPassword(password, of: user)
        guard let user, check.matches else {
            let throttle = try await accounts.recordLoginFailure(username: username, now: now, limit: settings.lockoutLimit,
                                                                 lockFor: settings.lockoutDuration)
            if let until = throttle.lockedUntil, until > now {
                throw TokenError("invalid_grant", "too many failed sign-ins; try again later", status: 429,
                                 retryAfter: max(1, Int(until.timeIntervalSince(now).rounded(.up))))
            }
            throw TokenError.invalidCredentials
        }
        try await accounts.clearLoginFailures(username: username)
        if let own = check.ownPassword { try await accounts.storeOwnPassword(userID: user.id, own) }
        try await accounts.recordLogin(userID: user.id, at: now)
        return user
    }

    /// `grant_type=refresh_token`: a used or revoked token revokes its family.
    public func refreshGrant(refreshToken: String, scope: String?) async throws -> IssuedTokens {
        guard !refreshToken.isEmpty, refreshToken.utf8.count <= 512 else { throw TokenError.invalidRequest("refresh_token is required") }
        // Served as it is, an openIMIS database has no table of the project's to keep refresh tokens in: none was
        // issued, so none is valid.
        guard try await accounts.storesRefreshTokens() else { throw TokenError.invalidRefresh }
        let now = clock()
        let newToken = OpaqueSecret.make()
        let rotation = try await accounts.rotateRefreshToken(hash: OpaqueSecret.hash(refreshToken), now: now) { previous in
            RefreshTokenRecord(tokenHash: OpaqueSecret.hash(newToken), familyID: previous.familyID, userID: previous.userID,
                               clientID: previous.clientID, scope: previous.scope, issuedAt: now,
                               expiresAt: now.addingTimeInterval(settings.refreshTokenTTL))
        }
        guard case .rotated(let previous) = rotation else { throw TokenError.invalidRefresh }
        guard let user = try await accounts.user(id: previous.userID) else { throw TokenError.invalidRefresh }
        // A narrower scope may be asked for; never a wider one (RFC 6749 §6).
        var granted = previous.scope
        if let scope, !scope.isEmpty {
            let held = Set(previous.scope.split(separator: " "))
            guard Set(scope.split(separator: " ")).isSubset(of: held) else {
                throw TokenError.invalidScope("the requested scope exceeds the original grant")
            }
            granted = scope
        }
        var tokens = try await accessToken(for: user, scope: granted, now: now)
        tokens.refreshToken = newToken
        return tokens
    }

    /// `grant_type=client_credentials`.
    public func clientCredentialsGrant(clientID: String, secret: String, scope: String?) async throws -> IssuedTokens {
        let client = try await authenticateClient(clientID: clientID, secret: secret)
        return try systemTokens(for: client, scope: scope)
    }

    /// An access token for an authenticated system client: its registered scopes, or the `system/...` scopes asked
    /// for when every one is within them.
    func systemTokens(for client: SystemClient, scope: String?) throws -> IssuedTokens {
        let registered = SMARTScope.parse(client.scope)
        var granted = client.scope
        if let scope, !scope.isEmpty {
            for text in scope.split(separator: " ") {
                guard let requested = SMARTScope(String(text)), requested.context == .system,
                      requested.methods.allSatisfy({ method in registered.contains { $0.grants(requested.resourceType, method) } })
                else { throw TokenError.invalidScope("scope \(text) is not granted to this client") }
            }
            granted = scope
        }
        let now = clock()
        let claims = AccessTokenClaims(iss: settings.issuer, aud: settings.audience, sub: "client:\(client.clientID)",
                                       exp: Int64(now.timeIntervalSince1970 + settings.accessTokenTTL),
                                       iat: Int64(now.timeIntervalSince1970), nbf: Int64(now.timeIntervalSince1970),
                                       jti: UUID().uuidString.lowercased(), scope: granted, client_id: client.clientID)
        return IssuedTokens(accessToken: try signer.sign(claims), expiresIn: Int(settings.accessTokenTTL), refreshToken: nil,
                            scope: granted, expiresAt: now.addingTimeInterval(settings.accessTokenTTL))
    }

    /// A system client whose secret matches (RFC 6749 §2.3.1); `invalid_client` otherwise.
    public func authenticateClient(clientID: String, secret: String) async throws -> SystemClient {
        guard !clientID.isEmpty, clientID.utf8.count <= 255, secret.utf8.count <= 1024 else { throw TokenError.invalidClient }
        let client = try await accounts.client(id: clientID)
        let matches = OpaqueSecret.matches(secret, hash: client?.secretHash ?? "sha256$")
        guard let client, matches, client.revokedAt == nil else { throw TokenError.invalidClient }
        return client
    }

    /// The scopes a user may be granted: `user/...` for staff, `patient/...` for insurees.
    func defaultScope(for user: UserAccount) -> String {
        user.insureeID == nil ? "user/*.cruds" : "patient/*.rs"
    }

    /// New access and refresh tokens (a new family) for a signed-in user; an access token alone when the database
    /// has no table of the project's for refresh tokens (an openIMIS database served as it is).
    public func issue(for user: UserAccount, scope: String?) async throws -> IssuedTokens {
        let granted = try grantedScope(for: user, requested: scope)
        let now = clock()
        guard try await accounts.storesRefreshTokens() else { return try await accessToken(for: user, scope: granted, now: now) }
        let refresh = OpaqueSecret.make()
        try await accounts.storeRefreshToken(refreshRecord(for: user, secret: refresh, scope: granted, now: now))
        var tokens = try await accessToken(for: user, scope: granted, now: now)
        tokens.refreshToken = refresh
        return tokens
    }

    /// The refresh-token row of a new family (for callers that store it themselves, e.g. in the transaction that
    /// consumes an OTP challenge), with the secret to hand out.
    public func refreshRecord(for user: UserAccount, secret: String, scope: String, now: Date) -> RefreshTokenRecord {
        RefreshTokenRecord(tokenHash: OpaqueSecret.hash(secret), familyID: UUID().uuidString.lowercased(), userID: user.id,
                           scope: scope, issuedAt: now, expiresAt: now.addingTimeInterval(settings.refreshTokenTTL))
    }

    /// The scope to grant a user for a request (`invalid_scope` when it asks for another context).
    public func grantedScope(for user: UserAccount, requested: String?) throws -> String {
        guard let requested, !requested.isEmpty else { return defaultScope(for: user) }
        let context: SMARTScope.Context = user.insureeID == nil ? .user : .patient
        for text in requested.split(separator: " ") where !["openid", "profile", "offline_access", "fhirUser"].contains(String(text)) {
            guard let scope = SMARTScope(String(text)), scope.context == context else {
                throw TokenError.invalidScope("scope \(text) cannot be granted to this user")
            }
        }
        return requested
    }

    /// An access token for `user` (no refresh token).
    public func accessToken(for user: UserAccount, scope: String, now: Date) async throws -> IssuedTokens {
        let claims = AccessTokenClaims(iss: settings.issuer, aud: settings.audience, sub: "user:\(user.uuid)",
                                       exp: Int64(now.timeIntervalSince1970 + settings.accessTokenTTL),
                                       iat: Int64(now.timeIntervalSince1970), nbf: Int64(now.timeIntervalSince1970),
                                       jti: UUID().uuidString.lowercased(), scope: scope, uid: user.id, insuree: user.insureeID)
        var insuree: Insuree?
        if let id = user.insureeID { insuree = try await registry.record(Insuree.self, id: id)?.record }
        return IssuedTokens(accessToken: try signer.sign(claims), expiresIn: Int(settings.accessTokenTTL), refreshToken: nil,
                            scope: scope, expiresAt: now.addingTimeInterval(settings.accessTokenTTL), user: user, insuree: insuree)
    }
}

/// A value of an introspection answer.
public enum IntrospectionValue: Sendable, Hashable {
    case bool(Bool)
    case int(Int64)
    case string(String)
}
