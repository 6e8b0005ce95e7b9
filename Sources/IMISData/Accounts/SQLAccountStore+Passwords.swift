import Foundation
import GRDB

extension SQLAccountStore {
    // MARK: The project's own password hashes

    public func ownPassword(userID: Int64) async throws -> OwnPasswordHash? {
        guard try await sql.table("imisfhir_password") != nil else { return nil }
        return try await sql.fetch("""
            SELECT password_hash, openimis_fingerprint, updated_at FROM imisfhir_password WHERE user_id = ?
            """, [userID]).first.flatMap { row in
            guard row.count == 3, let hash = String.fromDatabaseValue(row[0]), let fingerprint = String.fromDatabaseValue(row[1])
            else { return nil }
            return OwnPasswordHash(hash: hash, fingerprint: fingerprint,
                                   updatedAt: UnixSeconds.date(row[2]) ?? Date(timeIntervalSince1970: 0))
        }
    }

    @discardableResult
    public func storeOwnPassword(userID: Int64, _ hash: OwnPasswordHash) async throws -> Bool {
        guard try await sql.table("imisfhir_password") != nil else { return false }
        try await sql.write("""
            INSERT INTO imisfhir_password (user_id, password_hash, openimis_fingerprint, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash,
              openimis_fingerprint = excluded.openimis_fingerprint, updated_at = excluded.updated_at
            """, [userID, hash.hash, hash.fingerprint, UnixSeconds.of(hash.updatedAt)])
        return true
    }

    public func storesRefreshTokens() async throws -> Bool {
        try await sql.table("imisfhir_refresh_token") != nil
    }

    // MARK: The real layout of tblUsers

    /// The conditions a user must meet to be current and able to sign in: no `ValidityTo`, and, on an openIMIS
    /// database that has them (core's `active` and `date_deactivated`), active and not deactivated.
    func activeCondition() async throws -> String {
        var conditions = ["u.\"ValidityTo\" IS NULL"]
        if let active = try await sql.column("tblUsers", "active") { conditions.append("u.\(active.name) IS NOT FALSE") }
        if let deactivated = try await sql.column("tblUsers", "date_deactivated") {
            conditions.append("u.\(deactivated.name) IS NULL")
        }
        return conditions.joined(separator: " AND ")
    }

    /// The columns (quoted) and value expressions a new `tblUsers` row needs beyond the common ones on an openIMIS
    /// database of core 0032 and later: `active`, `version`, and a `LanguageID` (NOT NULL there, a reference to
    /// `tblLanguages`: English when the database has it, else its first language).
    func newUserExtras() async throws -> (columns: [String], values: [String], arguments: [(any DatabaseValueConvertible)?]) {
        var columns: [String] = [], values: [String] = [], arguments: [(any DatabaseValueConvertible)?] = []
        if let active = try await sql.column("tblUsers", "active") {
            columns.append(active.name)
            values.append("TRUE")
        }
        if let version = try await sql.column("tblUsers", "version") {
            columns.append(version.name)
            values.append("1")
        }
        if let language = try await sql.column("tblUsers", "LanguageID"), let languages = try await sql.table("tblLanguages"),
           let code = String.fromDatabaseValue(try await sql.value("""
               SELECT "LanguageCode" FROM \(languages) ORDER BY CASE WHEN "LanguageCode" = 'en' THEN 0 ELSE 1 END, "LanguageCode" LIMIT 1
               """)) {
            columns.append(language.name)
            values.append(language.cast("?"))
            arguments.append(code)
        }
        return (columns, values, arguments)
    }
}
