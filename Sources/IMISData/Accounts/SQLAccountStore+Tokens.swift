import Foundation
import GRDB

extension SQLAccountStore {
    // MARK: Sign-in throttling

    /// Whether the database has the project's table of sign-in failures (an openIMIS database served as it is has
    /// not: failures are then counted in this process, ``LoginFailureMemory``).
    func countsLoginFailures() async throws -> Bool {
        try await sql.table("imisfhir_login_failure") != nil
    }

    public func recordLoginFailure(username: String, now: Date, limit: Int, lockFor: TimeInterval) async throws -> LoginThrottle {
        guard try await countsLoginFailures() else {
            return loginFailures.record(username, now: now, limit: limit, lockFor: lockFor)
        }
        let at = UnixSeconds.of(now)
        let lock = Int64(lockFor)
        // One statement: concurrent failures on several instances each count once. A lock that has run out starts
        // a new count.
        let restarts = "CASE WHEN f.locked_until IS NOT NULL AND f.locked_until <= ? THEN 1 ELSE f.failures + 1 END"
        guard let row = try await sql.write("""
            INSERT INTO imisfhir_login_failure AS f (username, failures, last_failure_at, locked_until)
            VALUES (?, 1, ?, CASE WHEN 1 >= ? THEN ? END)
            ON CONFLICT (username) DO UPDATE SET
              failures = \(restarts), last_failure_at = ?,
              locked_until = CASE WHEN (\(restarts)) >= ? THEN ? END
            RETURNING failures, locked_until
            """, [username, at, limit, at + lock, at, at, at, limit, at + lock]).first, row.count == 2
        else { throw RegistryError.invalidValue("login failure not stored") }
        return LoginThrottle(failures: Int.fromDatabaseValue(row[0]) ?? 1, lockedUntil: UnixSeconds.date(row[1]))
    }

    public func loginThrottle(username: String) async throws -> LoginThrottle? {
        guard try await countsLoginFailures() else { return loginFailures.throttle(username) }
        return try await sql.fetch("SELECT failures, locked_until FROM imisfhir_login_failure WHERE username = ?", [username])
            .first.flatMap { row in
                row.count == 2 ? LoginThrottle(failures: Int.fromDatabaseValue(row[0]) ?? 0, lockedUntil: UnixSeconds.date(row[1])) : nil
            }
    }

    public func clearLoginFailures(username: String) async throws {
        guard try await countsLoginFailures() else { return loginFailures.clear(username) }
        try await sql.write("DELETE FROM imisfhir_login_failure WHERE username = ?", [username])
    }

    // MARK: System clients

    public func createClient(_ client: SystemClient) async throws {
        let stored = try await sql.write("""
            INSERT INTO imisfhir_client (client_id, secret_hash, name, scope, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (client_id) DO NOTHING RETURNING client_id
            """, [client.clientID, client.secretHash, client.name, client.scope, UnixSeconds.of(client.createdAt),
                  UnixSeconds.of(optional: client.revokedAt)])
        if stored.isEmpty { throw RegistryError.conflict("a client with this id exists") }
    }

    public func client(id: String) async throws -> SystemClient? {
        try await sql.fetch("""
            SELECT client_id, secret_hash, name, scope, created_at, revoked_at FROM imisfhir_client WHERE client_id = ?
            """, [id]).first.flatMap { row in
            guard row.count == 6 else { return nil }
            return SystemClient(clientID: String.fromDatabaseValue(row[0]) ?? "", secretHash: String.fromDatabaseValue(row[1]) ?? "",
                                name: String.fromDatabaseValue(row[2]) ?? "", scope: String.fromDatabaseValue(row[3]) ?? "",
                                createdAt: UnixSeconds.date(row[4]) ?? Date(timeIntervalSince1970: 0),
                                revokedAt: UnixSeconds.date(row[5]))
        }
    }

    // MARK: Refresh tokens

    static let tokenColumns = "token_hash, family_id, user_id, client_id, scope, issued_at, expires_at, used_at, revoked_at"

    /// The token of a row of ``tokenColumns``.
    static func token(_ row: [DatabaseValue]) -> RefreshTokenRecord? {
        guard row.count == 9 else { return nil }
        return RefreshTokenRecord(
            tokenHash: String.fromDatabaseValue(row[0]) ?? "", familyID: String.fromDatabaseValue(row[1]) ?? "",
            userID: Int64.fromDatabaseValue(row[2]) ?? 0, clientID: String.fromDatabaseValue(row[3]),
            scope: String.fromDatabaseValue(row[4]) ?? "", issuedAt: UnixSeconds.date(row[5]) ?? Date(timeIntervalSince1970: 0),
            expiresAt: UnixSeconds.date(row[6]) ?? Date(timeIntervalSince1970: 0), usedAt: UnixSeconds.date(row[7]),
            revokedAt: UnixSeconds.date(row[8]))
    }

    /// Inserts `token` (in the caller's transaction, if any).
    func insert(_ token: RefreshTokenRecord) async throws {
        try await sql.write("""
            INSERT INTO imisfhir_refresh_token (\(Self.tokenColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [token.tokenHash, token.familyID, token.userID, token.clientID, token.scope, UnixSeconds.of(token.issuedAt),
                  UnixSeconds.of(token.expiresAt), UnixSeconds.of(optional: token.usedAt), UnixSeconds.of(optional: token.revokedAt)])
    }

    public func storeRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await insert(token)
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        guard try await storesRefreshTokens() else { return nil }
        return try await sql.fetch("SELECT \(Self.tokenColumns) FROM imisfhir_refresh_token WHERE token_hash = ?", [hash])
            .first.flatMap(Self.token)
    }

    /// Revokes every token of the family not revoked yet.
    func revokeFamily(_ familyID: String, now: Date) async throws {
        try await sql.write("UPDATE imisfhir_refresh_token SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
                            [UnixSeconds.of(now), familyID])
    }

    public func rotateRefreshToken(hash: String, now: Date,
                                   replacement: (RefreshTokenRecord) -> RefreshTokenRecord) async throws -> RefreshRotation {
        guard try await storesRefreshTokens() else { return .invalid }
        return try await sql.transaction {
            // The claim: only one caller, on any instance, turns used_at from NULL to now.
            if let claimed = try await sql.write("""
                UPDATE imisfhir_refresh_token SET used_at = ?
                WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
                RETURNING \(Self.tokenColumns)
                """, [UnixSeconds.of(now), hash, UnixSeconds.of(now)]).first.flatMap(Self.token) {
                var previous = claimed
                previous.usedAt = nil
                try await insert(replacement(previous))
                return .rotated(previous: previous)
            }
            guard let token = try await refreshToken(hash: hash) else { return .invalid }
            if token.usedAt != nil || token.revokedAt != nil {
                try await revokeFamily(token.familyID, now: now)
                return .reused(familyID: token.familyID)
            }
            return .invalid
        }
    }

    public func revokeRefreshFamily(hash: String, now: Date) async throws -> Bool {
        guard let token = try await refreshToken(hash: hash) else { return false }
        try await revokeFamily(token.familyID, now: now)
        return true
    }
}
