import Foundation
import GRDB

/// The SQLite implementation of `PushTokenStore`.
public struct SQLitePushTokenStore: PushTokenStore {
    public let database: IMISDatabase

    public init(database: IMISDatabase) {
        self.database = database
    }

    public func savePushToken(_ token: String, userID: Int64, now: Date) async throws -> Bool {
        try await database.write { db in
            // One statement: the conflict update applies only to the caller's own token, so a token held by another
            // user is neither moved nor touched, and no second request can slip in between a check and a write.
            try db.execute(sql: """
                INSERT INTO imisfhir_push_token (token, user_id, created_at) VALUES (?, ?, ?)
                ON CONFLICT(token) DO UPDATE SET created_at = excluded.created_at
                WHERE imisfhir_push_token.user_id = excluded.user_id
                """, arguments: [token, userID, SQLiteOTPChallengeStore.seconds(now)])
            return db.changesCount == 1
        }
    }

    public func deletePushToken(_ token: String, userID: Int64) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM imisfhir_push_token WHERE token = ? AND user_id = ?", arguments: [token, userID])
            return db.changesCount == 1
        }
    }

    public func deletePushToken(_ token: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM imisfhir_push_token WHERE token = ?", arguments: [token])
        }
    }

    public func pushTokens(userID: Int64) throws -> [PushToken] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT token, user_id, created_at FROM imisfhir_push_token WHERE user_id = ? ORDER BY created_at, token
                """, arguments: [userID]).map {
                PushToken(token: $0[0], userID: $0[1], createdAt: SQLiteOTPChallengeStore.date($0[2]))
            }
        }
    }
}
