import Foundation
import GRDB

/// The SQLite implementation of `AccountStore`. Methods are synchronous (short statements) and also satisfy the
/// protocol's `async` requirements.
public struct SQLiteAccountStore: AccountStore {
    public let database: IMISDatabase

    public init(database: IMISDatabase) {
        self.database = database
    }

    static let userColumns = """
        u.UserID, u.UserUUID, u.LoginName, u.LastName, u.OtherNames, u.EmailId, u.Phone, u.StoredPassword, u.PrivateKey,
        (SELECT insuree_id FROM imisfhir_insuree_user WHERE user_id = u.UserID),
        EXISTS (SELECT 1 FROM core_User c WHERE c.i_user_id = u.UserID AND (c.officer_id IS NOT NULL OR c.claim_admin_id IS NOT NULL))
        """

    static func account(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> UserAccount? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(userColumns) FROM tblUsers u WHERE u.ValidityTo IS NULL AND \(condition)
            ORDER BY u.UserID LIMIT 1
            """, arguments: arguments)
        else { return nil }
        let id: Int64 = row[0]
        var account = UserAccount(id: id, uuid: row[1], loginName: row[2], lastName: row[3], otherNames: row[4],
                                  email: row[5], phone: row[6], storedPassword: row[7], privateKey: row[8],
                                  insureeID: row[9], isOfficer: row[10])
        let roles = try Row.fetchAll(db, sql: """
            SELECT r.RoleID, r.RoleName, r.IsSystem FROM tblUserRole ur JOIN tblRole r ON r.RoleID = ur.RoleID
            WHERE ur.UserID = ? AND ur.ValidityTo IS NULL AND r.ValidityTo IS NULL AND r.IsBlocked = 0
            ORDER BY r.RoleID
            """, arguments: [id])
        for role in roles {
            let flags: Int = role[2]
            account.roles.append(role[1])
            if flags & OpenIMISRoleFlags.administrator != 0 { account.administrator = true }
        }
        let roleIDs = roles.map { $0[0] as Int64 }
        if !roleIDs.isEmpty {
            let marks = Array(repeating: "?", count: roleIDs.count).joined(separator: ",")
            account.rights = Set(try Int.fetchAll(db, sql: """
                SELECT RightID FROM tblRoleRight WHERE ValidityTo IS NULL AND RoleID IN (\(marks))
                """, arguments: StatementArguments(roleIDs)))
        }
        account.districts = Set(try Int64.fetchAll(db, sql: """
            SELECT LocationId FROM tblUsersDistricts WHERE UserID = ? AND ValidityTo IS NULL
            """, arguments: [id]))
        return account
    }

    public func user(loginName: String) throws -> UserAccount? {
        try database.read { db in try Self.account(db, where: "u.LoginName = ?", [loginName]) }
    }

    public func user(id: Int64) throws -> UserAccount? {
        try database.read { db in try Self.account(db, where: "u.UserID = ?", [id]) }
    }

    public func user(insureeID: Int64) throws -> UserAccount? {
        try database.read { db in
            try Self.account(db, where: "u.UserID IN (SELECT user_id FROM imisfhir_insuree_user WHERE insuree_id = ?)",
                             [insureeID])
        }
    }

    public func createUser(_ user: NewUser, now: Date) async throws -> UserAccount {
        let id = try await database.write { db in try Self.insertUser(user, db, now: now) }
        guard let account = try self.user(id: id) else { throw RegistryError.notFound(table: "tblUsers", key: "\(id)") }
        return account
    }

    /// Inserts the rows of a new user (`tblUsers`, `core_User`, `tblUserRole`, `tblUsersDistricts`, the insuree link)
    /// inside the caller's transaction; its `UserID`. `RegistryError.conflict` (`AccountConflict`) when the login
    /// name (or the insuree) already has a current user, `RegistryError.invalidReference` for an unknown role.
    static func insertUser(_ user: NewUser, _ db: Database, now: Date) throws -> Int64 {
        let stamp = Timestamp.string(from: now)
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM tblUsers WHERE LoginName = ? AND ValidityTo IS NULL",
                             arguments: [user.loginName]) == true {
            throw RegistryError.conflict(AccountConflict.loginName)
        }
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM core_User WHERE username = ?", arguments: [user.loginName]) == true {
            throw RegistryError.conflict(AccountConflict.loginName)
        }
        if let insuree = user.insureeID,
           try Bool.fetchOne(db, sql: "SELECT 1 FROM imisfhir_insuree_user WHERE insuree_id = ?", arguments: [insuree]) == true {
            throw RegistryError.conflict(AccountConflict.insuree)
        }
        var roleIDs: [Int64] = []
        for name in user.roles {
            guard let roleID = try Int64.fetchOne(db, sql: "SELECT RoleID FROM tblRole WHERE RoleName = ? AND ValidityTo IS NULL",
                                                  arguments: [name])
            else { throw RegistryError.invalidReference("role \(name)") }
            roleIDs.append(roleID)
        }
        try db.execute(sql: """
            INSERT INTO tblUsers (UserUUID, LastName, OtherNames, Phone, LoginName, EmailId, StoredPassword, ValidityFrom)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [RowUUID.make(), user.lastName, user.otherNames, user.phone, user.loginName, user.email,
                             user.storedPassword, stamp])
        let id = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO core_User (id, username, i_user_id) VALUES (?, ?, ?)",
                       arguments: [RowUUID.make(), user.loginName, id])
        for roleID in roleIDs {
            try db.execute(sql: "INSERT INTO tblUserRole (UserID, RoleID, ValidityFrom) VALUES (?, ?, ?)",
                           arguments: [id, roleID, stamp])
        }
        for district in user.districts {
            try db.execute(sql: "INSERT INTO tblUsersDistricts (UserID, LocationId, ValidityFrom) VALUES (?, ?, ?)",
                           arguments: [id, district, stamp])
        }
        if let insuree = user.insureeID {
            try db.execute(sql: "INSERT INTO imisfhir_insuree_user (user_id, insuree_id, created_at) VALUES (?, ?, ?)",
                           arguments: [id, insuree, Int64(now.timeIntervalSince1970)])
        }
        return id
    }

    public func setStoredPassword(userID: Int64, storedPassword: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE tblUsers SET StoredPassword = ?, PrivateKey = NULL WHERE UserID = ?",
                           arguments: [storedPassword, userID])
        }
    }

    public func recordLogin(userID: Int64, at: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE tblUsers SET LastLogin = ? WHERE UserID = ?",
                           arguments: [Timestamp.string(from: at), userID])
        }
    }

    public func defineRole(_ role: RoleDefinition, now: Date) async throws {
        try await database.write { db in try Self.define(role, db, now: now) }
    }

    static func define(_ role: RoleDefinition, _ db: Database, now: Date) throws {
        let stamp = Timestamp.string(from: now)
        let roleID: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT RoleID FROM tblRole WHERE RoleName = ? AND ValidityTo IS NULL",
                                             arguments: [role.name]) {
            roleID = existing
            try db.execute(sql: "UPDATE tblRole SET IsSystem = ? WHERE RoleID = ?", arguments: [role.systemFlags, roleID])
            try db.execute(sql: "UPDATE tblRoleRight SET ValidityTo = ? WHERE RoleID = ? AND ValidityTo IS NULL",
                           arguments: [stamp, roleID])
        } else {
            try db.execute(sql: "INSERT INTO tblRole (RoleUUID, RoleName, IsSystem, ValidityFrom) VALUES (?, ?, ?, ?)",
                           arguments: [RowUUID.make(), role.name, role.systemFlags, stamp])
            roleID = db.lastInsertedRowID
        }
        for right in Set(role.rights).sorted() {
            try db.execute(sql: "INSERT INTO tblRoleRight (RoleID, RightID, ValidityFrom) VALUES (?, ?, ?)",
                           arguments: [roleID, right, stamp])
        }
    }

    public func recordLoginFailure(username: String, now: Date, limit: Int, lockFor: TimeInterval) async throws -> LoginThrottle {
        let seconds = Int64(now.timeIntervalSince1970)
        return try await database.write { db in
            var failures = 1
            if let row = try Row.fetchOne(db, sql: "SELECT failures, locked_until FROM imisfhir_login_failure WHERE username = ?",
                                          arguments: [username]) {
                let lockedUntil: Int64? = row[1]
                // A lock that has run out starts a new count.
                failures = (lockedUntil.map { $0 <= seconds } ?? false) ? 1 : (row[0] as Int) + 1
            }
            let lockedUntil: Int64? = failures >= limit ? seconds + Int64(lockFor) : nil
            try db.execute(sql: """
                INSERT INTO imisfhir_login_failure (username, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
                ON CONFLICT(username) DO UPDATE SET failures = excluded.failures,
                  last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until
                """, arguments: [username, failures, seconds, lockedUntil])
            return LoginThrottle(failures: failures, lockedUntil: lockedUntil.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    public func loginThrottle(username: String) throws -> LoginThrottle? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT failures, locked_until FROM imisfhir_login_failure WHERE username = ?",
                             arguments: [username]).map {
                LoginThrottle(failures: $0[0], lockedUntil: ($0[1] as Int64?).map { Date(timeIntervalSince1970: TimeInterval($0)) })
            }
        }
    }

    public func clearLoginFailures(username: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM imisfhir_login_failure WHERE username = ?", arguments: [username])
        }
    }

    public func createClient(_ client: SystemClient) async throws {
        try await database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM imisfhir_client WHERE client_id = ?", arguments: [client.clientID]) == true {
                throw RegistryError.conflict("a client with this id exists")
            }
            try db.execute(sql: """
                INSERT INTO imisfhir_client (client_id, secret_hash, name, scope, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [client.clientID, client.secretHash, client.name, client.scope,
                                 Int64(client.createdAt.timeIntervalSince1970),
                                 client.revokedAt.map { Int64($0.timeIntervalSince1970) }])
        }
    }

    public func client(id: String) throws -> SystemClient? {
        try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT client_id, secret_hash, name, scope, created_at, revoked_at FROM imisfhir_client WHERE client_id = ?
                """, arguments: [id]).map {
                SystemClient(clientID: $0[0], secretHash: $0[1], name: $0[2], scope: $0[3],
                             createdAt: Self.date($0[4])!, revokedAt: Self.date($0[5]))
            }
        }
    }

    static func date(_ seconds: Int64?) -> Date? { seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    static func seconds(_ date: Date?) -> Int64? { date.map { Int64($0.timeIntervalSince1970) } }

    static func insert(_ token: RefreshTokenRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO imisfhir_refresh_token (token_hash, family_id, user_id, client_id, scope, issued_at, expires_at, used_at, revoked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [token.tokenHash, token.familyID, token.userID, token.clientID, token.scope,
                             seconds(token.issuedAt), seconds(token.expiresAt), seconds(token.usedAt), seconds(token.revokedAt)])
    }

    static func refreshToken(_ db: Database, hash: String) throws -> RefreshTokenRecord? {
        try Row.fetchOne(db, sql: """
            SELECT token_hash, family_id, user_id, client_id, scope, issued_at, expires_at, used_at, revoked_at
            FROM imisfhir_refresh_token WHERE token_hash = ?
            """, arguments: [hash]).map {
            RefreshTokenRecord(tokenHash: $0[0], familyID: $0[1], userID: $0[2], clientID: $0[3], scope: $0[4],
                               issuedAt: date($0[5])!, expiresAt: date($0[6])!, usedAt: date($0[7]), revokedAt: date($0[8]))
        }
    }

    public func storeRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await database.write { db in try Self.insert(token, db) }
    }

    public func rotateRefreshToken(hash: String, now: Date,
                                   replacement: (RefreshTokenRecord) -> RefreshTokenRecord) async throws -> RefreshRotation {
        try await database.write { db in
            guard let token = try Self.refreshToken(db, hash: hash) else { return .invalid }
            if token.usedAt != nil || token.revokedAt != nil {
                try db.execute(sql: """
                    UPDATE imisfhir_refresh_token SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL
                    """, arguments: [Self.seconds(now), token.familyID])
                return .reused(familyID: token.familyID)
            }
            guard token.expiresAt > now else { return .invalid }
            // The guard on used_at makes the rotation single-use even if two writers raced to this point.
            try db.execute(sql: "UPDATE imisfhir_refresh_token SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                           arguments: [Self.seconds(now), hash])
            guard db.changesCount == 1 else { return .reused(familyID: token.familyID) }
            try Self.insert(replacement(token), db)
            return .rotated(previous: token)
        }
    }

    public func refreshToken(hash: String) throws -> RefreshTokenRecord? {
        try database.read { db in try Self.refreshToken(db, hash: hash) }
    }

    public func revokeRefreshFamily(hash: String, now: Date) async throws -> Bool {
        try await database.write { db in
            guard let token = try Self.refreshToken(db, hash: hash) else { return false }
            try db.execute(sql: "UPDATE imisfhir_refresh_token SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
                           arguments: [Self.seconds(now), token.familyID])
            return true
        }
    }
}

/// openIMIS's `tblRole.IsSystem` flags that matter here.
public enum OpenIMISRoleFlags {
    /// IMIS Administrator: passes every right check.
    public static let administrator = 64
}
