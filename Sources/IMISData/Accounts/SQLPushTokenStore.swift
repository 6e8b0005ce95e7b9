import Foundation
import GRDB

/// `PushTokenStore` written once for every engine (see ``AccountSQL``).
public struct SQLPushTokenStore: PushTokenStore {
    /// The engine's statements.
    public let sql: any AccountSQL

    /// The store over `sql`.
    public init(sql: any AccountSQL) {
        self.sql = sql
    }

    public func savePushToken(_ token: String, userID: Int64, now: Date) async throws -> Bool {
        // One statement: the conflict update applies only to the caller's own token, so a token held by another
        // user is neither moved nor touched, and no second request can slip in between a check and a write. A row
        // comes back only when the token is, or now is, the caller's.
        try await sql.write("""
            INSERT INTO imisfhir_push_token (token, user_id, created_at) VALUES (?, ?, ?)
            ON CONFLICT (token) DO UPDATE SET created_at = excluded.created_at
            WHERE imisfhir_push_token.user_id = excluded.user_id
            RETURNING token
            """, [token, userID, UnixSeconds.of(now)]).count == 1
    }

    public func deletePushToken(_ token: String, userID: Int64) async throws -> Bool {
        try await sql.write("DELETE FROM imisfhir_push_token WHERE token = ? AND user_id = ? RETURNING token",
                            [token, userID]).count == 1
    }

    public func deletePushToken(_ token: String) async throws {
        try await sql.write("DELETE FROM imisfhir_push_token WHERE token = ?", [token])
    }

    public func pushTokens(userID: Int64) async throws -> [PushToken] {
        try await sql.fetch("""
            SELECT token, user_id, created_at FROM imisfhir_push_token WHERE user_id = ? ORDER BY created_at, token
            """, [userID]).compactMap { row in
            guard row.count == 3 else { return nil }
            return PushToken(token: String.fromDatabaseValue(row[0]) ?? "", userID: Int64.fromDatabaseValue(row[1]) ?? 0,
                             createdAt: UnixSeconds.date(row[2]) ?? Date(timeIntervalSince1970: 0))
        }
    }
}
