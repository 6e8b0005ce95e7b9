import Foundation

/// Users, roles, system clients, refresh tokens and sign-in throttling. Every piece of state that several
/// server instances must share lives behind this protocol, in the database.
public protocol AccountStore: Sendable {
    /// The current user with this login name (case-sensitive, as openIMIS), with rights and districts.
    func user(loginName: String) async throws -> UserAccount?
    /// The current user with this `UserID`.
    func user(id: Int64) async throws -> UserAccount?
    /// The user a self-registered insuree signs in as, if any.
    func user(insureeID: Int64) async throws -> UserAccount?
    /// Creates the user rows in one transaction; `RegistryError.conflict` when the login name (or the
    /// insuree) already has a current user.
    func createUser(_ user: NewUser, now: Date) async throws -> UserAccount
    /// The project's own hash of the user's password; nil when there is none (or the database lacks the table).
    func ownPassword(userID: Int64) async throws -> OwnPasswordHash?
    /// Writes (or replaces) the project's own hash of the user's password; false, writing nothing, when the database
    /// lacks the project's table. openIMIS's `StoredPassword` and `PrivateKey` are never touched.
    @discardableResult
    func storeOwnPassword(userID: Int64, _ hash: OwnPasswordHash) async throws -> Bool
    /// Whether refresh tokens can be stored (the project's own tables exist).
    func storesRefreshTokens() async throws -> Bool
    /// Stamps `LastLogin`.
    func recordLogin(userID: Int64, at: Date) async throws

    /// Creates or replaces a role and its rights.
    func defineRole(_ role: RoleDefinition, now: Date) async throws

    /// Counts one failed sign-in for `username`; locks it for `lockFor` after `limit` failures in a row.
    func recordLoginFailure(username: String, now: Date, limit: Int, lockFor: TimeInterval) async throws -> LoginThrottle
    /// The current counter of `username`.
    func loginThrottle(username: String) async throws -> LoginThrottle?
    /// Clears the counter after a successful sign-in.
    func clearLoginFailures(username: String) async throws

    /// Stores a new system client; `RegistryError.conflict` when the id exists.
    func createClient(_ client: SystemClient) async throws
    /// A system client by id (revoked ones included; the caller checks `revokedAt`).
    func client(id: String) async throws -> SystemClient?
    /// Stores a system client with the public keys it signs its assertions with, in one transaction;
    /// `RegistryError.conflict` when the id exists.
    func createClient(_ client: SystemClient, keys: ClientKeyRegistration) async throws
    /// The keys registered for a client's signed assertions; nil when it has none (or the database lacks the table).
    func clientKeys(clientID: String) async throws -> ClientKeyRegistration?
    /// Records an assertion id until `expiresAt` and sweeps the expired ones; false when the client presented this id
    /// before and it has not expired (a replay). Atomic across instances sharing the database.
    func recordAssertionID(clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool

    /// Stores a refresh token issued at sign-in.
    func storeRefreshToken(_ token: RefreshTokenRecord) async throws
    /// Presents a refresh token: atomically marks it used and stores `replacement` when it is current; revokes its
    /// whole family when it was used or revoked before.
    func rotateRefreshToken(hash: String, now: Date, replacement: (RefreshTokenRecord) -> RefreshTokenRecord) async throws -> RefreshRotation
    /// A refresh token by hash.
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Revokes the family of the token with this hash (RFC 7009); false when the hash is unknown.
    func revokeRefreshFamily(hash: String, now: Date) async throws -> Bool
}

/// The messages of the `RegistryError.conflict`s a user creation throws, for callers that tell them apart.
public enum AccountConflict {
    /// A current user has this login name.
    public static let loginName = "a user with this login name exists"
    /// The insuree is already linked to a user.
    public static let insuree = "this insuree already has a user account"
}
