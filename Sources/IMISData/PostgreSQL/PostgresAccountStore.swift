import Foundation
import GRDB
import PostgresNIO

/// The PostgreSQL implementation of `AccountStore`, over openIMIS's user tables and the project's own
/// `imisfhir_*` tables. Every piece of state (refresh tokens, sign-in failures) is in the database, so several
/// server instances share it: a refresh token is marked used by one `UPDATE ... WHERE used_at IS NULL RETURNING`,
/// which only one instance can win.
public struct PostgresAccountStore: AccountStore {
    public let database: IMISPostgres

    public init(database: IMISPostgres) {
        self.database = database
    }

    /// `"Column"` of `table` as the database spells it (openIMIS's casing may differ from the mapping's).
    func col(_ table: String, _ name: String) async throws -> String {
        try await column(table, name).quoted
    }

    /// The column `name` of `table`, or ``DatabaseMismatch``.
    func column(_ table: String, _ name: String) async throws -> PGColumn {
        guard let column = try await database.catalog().column(table, name) else {
            throw DatabaseMismatch(table: table, column: name, problem: "is missing")
        }
        return column
    }

    func values(_ statement: PGStatement) async throws -> [[DatabaseValue]] {
        try await database.rows(statement).map { try IMISPostgres.values($0) }
    }

    func account(where condition: (inout PGStatement) -> String) async throws -> UserAccount? {
        let catalog = try await database.catalog()
        let coreUser = catalog.tableName("core_User").map(PGSQL.quote)
        var statement = PGStatement()
        let officer = coreUser.map {
            "EXISTS (SELECT 1 FROM \($0) c WHERE c.i_user_id = u.\"UserID\" AND (c.officer_id IS NOT NULL OR c.claim_admin_id IS NOT NULL))"
        } ?? "FALSE"
        let email = catalog.column("tblUsers", "EmailId").map { "u.\($0.quoted)" } ?? "NULL"
        let privateKey = catalog.column("tblUsers", "PrivateKey").map { "u.\($0.quoted)" } ?? "NULL"
        // Served as it is, an openIMIS database may not have the project's own tables yet.
        let insuree = catalog.has("imisfhir_insuree_user")
            ? "(SELECT insuree_id FROM imisfhir_insuree_user WHERE user_id = u.\"UserID\")" : "NULL"
        statement.sql = """
            SELECT u."UserID", lower(u."UserUUID"::text), u."LoginName", u."LastName", u."OtherNames", \(email), u."Phone",
                   u."StoredPassword", \(privateKey),
                   \(insuree), \(officer)
            FROM "tblUsers" u WHERE u."ValidityTo" IS NULL AND \(condition(&statement)) ORDER BY u."UserID" LIMIT 1
            """
        guard let row = try await values(statement).first, let id = Int64.fromDatabaseValue(row[0]) else { return nil }
        var account = UserAccount(
            id: id, uuid: String.fromDatabaseValue(row[1]) ?? "", loginName: String.fromDatabaseValue(row[2]) ?? "",
            lastName: String.fromDatabaseValue(row[3]) ?? "", otherNames: String.fromDatabaseValue(row[4]) ?? "",
            email: String.fromDatabaseValue(row[5]), phone: String.fromDatabaseValue(row[6]),
            storedPassword: String.fromDatabaseValue(row[7]), privateKey: String.fromDatabaseValue(row[8]),
            insureeID: Int64.fromDatabaseValue(row[9]), isOfficer: Bool.fromDatabaseValue(row[10]) ?? false)
        let blocked = try await database.catalog().column("tblRole", "IsBlocked")
        let notBlocked = blocked.map { "r.\($0.quoted) = CAST('0' AS \($0.type))" } ?? "TRUE"
        var roles = PGStatement()
        roles.sql = """
            SELECT r."RoleID", r."RoleName", r."IsSystem" FROM "tblUserRole" ur JOIN "tblRole" r ON r."RoleID" = ur."RoleID"
            WHERE ur."UserID" = \(roles.bind(.integer(id))) AND ur."ValidityTo" IS NULL AND r."ValidityTo" IS NULL AND \(notBlocked)
            ORDER BY r."RoleID"
            """
        var roleIDs: [Int64] = []
        for role in try await values(roles) {
            roleIDs.append(Int64.fromDatabaseValue(role[0]) ?? 0)
            account.roles.append(String.fromDatabaseValue(role[1]) ?? "")
            if (Int.fromDatabaseValue(role[2]) ?? 0) & OpenIMISRoleFlags.administrator != 0 { account.administrator = true }
        }
        if !roleIDs.isEmpty {
            var rights = PGStatement()
            let list = roleIDs.map { rights.bind(.integer($0)) }.joined(separator: ", ")
            rights.sql = """
                SELECT "RightID" FROM "tblRoleRight" WHERE "ValidityTo" IS NULL AND "RoleID" IN (\(list))
                """
            account.rights = Set(try await values(rights).compactMap { Int.fromDatabaseValue($0[0]) })
        }
        var districts = PGStatement()
        districts.sql = """
            SELECT \(try await col("tblUsersDistricts", "LocationId")) FROM "tblUsersDistricts"
            WHERE "UserID" = \(districts.bind(.integer(id))) AND "ValidityTo" IS NULL
            """
        account.districts = Set(try await values(districts).compactMap { Int64.fromDatabaseValue($0[0]) })
        return account
    }

    public func user(loginName: String) async throws -> UserAccount? {
        try await account { "u.\"LoginName\" = \($0.bind(.text(loginName)))" }
    }

    public func user(id: Int64) async throws -> UserAccount? {
        try await account { "u.\"UserID\" = \($0.bind(.integer(id)))" }
    }

    public func user(insureeID: Int64) async throws -> UserAccount? {
        try await account { "u.\"UserID\" IN (SELECT user_id FROM imisfhir_insuree_user WHERE insuree_id = \($0.bind(.integer(insureeID))))" }
    }

    public func createUser(_ user: NewUser, now: Date) async throws -> UserAccount {
        let id = try await database.transaction { try await insertUser(user, now: now) }
        guard let account = try await self.user(id: id) else { throw RegistryError.notFound(table: "tblUsers", key: "\(id)") }
        return account
    }

    /// Whether `statement` finds a row.
    func exists(_ statement: PGStatement) async throws -> Bool {
        !(try await database.rows(statement)).isEmpty
    }

    /// Inserts the rows of a new user (`tblUsers`, `core_User`, `tblUserRole`, `tblUsersDistricts`, the insuree
    /// link) inside the caller's transaction; its `UserID`. The login name is locked for the transaction, so two
    /// instances cannot create it twice.
    func insertUser(_ user: NewUser, now: Date) async throws -> Int64 {
        let catalog = try await database.catalog()
        var lock = PGStatement()
        lock.sql = "SELECT pg_advisory_xact_lock(hashtext(\(lock.bind(.text("imisfhir user " + user.loginName)))))"
        try await database.execute(lock)
        var taken = PGStatement()
        taken.sql = """
            SELECT 1 FROM "tblUsers" WHERE "LoginName" = \(taken.bind(.text(user.loginName))) AND "ValidityTo" IS NULL
            """
        if try await exists(taken) { throw RegistryError.conflict("a user with this login name exists") }
        let coreUser = catalog.tableName("core_User")
        if let coreUser {
            var django = PGStatement()
            django.sql = "SELECT 1 FROM \(PGSQL.quote(coreUser)) WHERE username = \(django.bind(.text(user.loginName)))"
            if try await exists(django) { throw RegistryError.conflict("a user with this login name exists") }
        }
        if let insuree = user.insureeID {
            var linked = PGStatement()
            linked.sql = "SELECT 1 FROM imisfhir_insuree_user WHERE insuree_id = \(linked.bind(.integer(insuree)))"
            if try await exists(linked) { throw RegistryError.conflict("this insuree already has a user account") }
        }
        var roleIDs: [Int64] = []
        for name in user.roles {
            var role = PGStatement()
            role.sql = """
                SELECT "RoleID" FROM "tblRole" WHERE "RoleName" = \(role.bind(.text(name))) AND "ValidityTo" IS NULL
                ORDER BY "RoleID" LIMIT 1
                """
            guard let id = Int64.fromDatabaseValue(try await database.scalar(role)) else {
                throw RegistryError.invalidReference("role \(name)")
            }
            roleIDs.append(id)
        }
        let from = try await col("tblUsers", "ValidityFrom")
        let fromType = try await column("tblUsers", "ValidityFrom")
        let email = try await col("tblUsers", "EmailId")
        var insert = PGStatement()
        let stamp = fromType.cast(insert.bind(.text(now.databaseText)))
        insert.sql = """
            INSERT INTO "tblUsers" ("UserUUID", "LastName", "OtherNames", "Phone", "LoginName", \(email), "StoredPassword", \(from))
            VALUES (\(insert.bind(.text(RowUUID.make()))), \(insert.bind(.text(user.lastName))), \(insert.bind(.text(user.otherNames))),
                    \(insert.bind(user.phone.map { .text($0) } ?? .null)), \(insert.bind(.text(user.loginName))),
                    \(insert.bind(user.email.map { .text($0) } ?? .null)), \(insert.bind(.text(user.storedPassword))), \(stamp))
            RETURNING "UserID"
            """
        guard let id = Int64.fromDatabaseValue(try await database.scalar(insert)) else {
            throw RegistryError.invalidValue("tblUsers gave no UserID")
        }
        if let coreUser {
            var django = PGStatement()
            django.sql = """
                INSERT INTO \(PGSQL.quote(coreUser)) (id, username, i_user_id)
                VALUES (\(django.bind(.text(RowUUID.make()))), \(django.bind(.text(user.loginName))), \(django.bind(.integer(id))))
                """
            try await database.execute(django)
        }
        for roleID in roleIDs {
            var link = PGStatement()
            link.sql = """
                INSERT INTO "tblUserRole" ("UserID", "RoleID", \(from))
                VALUES (\(link.bind(.integer(id))), \(link.bind(.integer(roleID))), \(fromType.cast(link.bind(.text(now.databaseText)))))
                """
            try await database.execute(link)
        }
        for district in user.districts {
            var link = PGStatement()
            link.sql = """
                INSERT INTO "tblUsersDistricts" ("UserID", \(try await col("tblUsersDistricts", "LocationId")), \(from))
                VALUES (\(link.bind(.integer(id))), \(link.bind(.integer(district))), \(fromType.cast(link.bind(.text(now.databaseText)))))
                """
            try await database.execute(link)
        }
        if let insuree = user.insureeID {
            var link = PGStatement()
            link.sql = """
                INSERT INTO imisfhir_insuree_user (user_id, insuree_id, created_at)
                VALUES (\(link.bind(.integer(id))), \(link.bind(.integer(insuree))), \(link.bind(.integer(Int64(now.timeIntervalSince1970)))))
                """
            try await database.execute(link)
        }
        return id
    }

    public func setStoredPassword(userID: Int64, storedPassword: String) async throws {
        var statement = PGStatement()
        let privateKey = try await database.catalog().column("tblUsers", "PrivateKey") != nil ? ", \"PrivateKey\" = NULL" : ""
        statement.sql = """
            UPDATE "tblUsers" SET "StoredPassword" = \(statement.bind(.text(storedPassword)))\(privateKey)
            WHERE "UserID" = \(statement.bind(.integer(userID)))
            """
        try await database.execute(statement)
    }

    public func recordLogin(userID: Int64, at: Date) async throws {
        guard let column = try await database.catalog().column("tblUsers", "LastLogin") else { return }
        var statement = PGStatement()
        statement.sql = """
            UPDATE "tblUsers" SET \(column.quoted) = \(column.cast(statement.bind(.text(at.databaseText))))
            WHERE "UserID" = \(statement.bind(.integer(userID)))
            """
        try await database.execute(statement)
    }

    public func defineRole(_ role: RoleDefinition, now: Date) async throws {
        try await database.transaction {
            let validity = try await column("tblRole", "ValidityFrom")
            var lock = PGStatement()
            lock.sql = "SELECT pg_advisory_xact_lock(hashtext(\(lock.bind(.text("imisfhir role " + role.name)))))"
            try await database.execute(lock)
            var existing = PGStatement()
            existing.sql = """
                SELECT "RoleID" FROM "tblRole" WHERE "RoleName" = \(existing.bind(.text(role.name))) AND "ValidityTo" IS NULL
                ORDER BY "RoleID" LIMIT 1
                """
            let roleID: Int64
            if let found = Int64.fromDatabaseValue(try await database.scalar(existing)) {
                roleID = found
                var update = PGStatement()
                update.sql = """
                    UPDATE "tblRole" SET "IsSystem" = \(update.bind(.integer(Int64(role.systemFlags)))) WHERE "RoleID" = \(update.bind(.integer(found)))
                    """
                try await database.execute(update)
                var close = PGStatement()
                close.sql = """
                    UPDATE "tblRoleRight" SET "ValidityTo" = \(validity.cast(close.bind(.text(now.databaseText))))
                    WHERE "RoleID" = \(close.bind(.integer(found))) AND "ValidityTo" IS NULL
                    """
                try await database.execute(close)
            } else {
                var insert = PGStatement()
                insert.sql = """
                    INSERT INTO "tblRole" ("RoleUUID", "RoleName", "IsSystem", "ValidityFrom")
                    VALUES (\(insert.bind(.text(RowUUID.make()))), \(insert.bind(.text(role.name))),
                            \(insert.bind(.integer(Int64(role.systemFlags)))), \(validity.cast(insert.bind(.text(now.databaseText)))))
                    RETURNING "RoleID"
                    """
                guard let id = Int64.fromDatabaseValue(try await database.scalar(insert)) else {
                    throw RegistryError.invalidValue("tblRole gave no RoleID")
                }
                roleID = id
            }
            for right in Set(role.rights).sorted() {
                var insert = PGStatement()
                insert.sql = """
                    INSERT INTO "tblRoleRight" ("RoleID", "RightID", "ValidityFrom")
                    VALUES (\(insert.bind(.integer(roleID))), \(insert.bind(.integer(Int64(right)))),
                            \(validity.cast(insert.bind(.text(now.databaseText)))))
                    """
                try await database.execute(insert)
            }
        }
    }

    // MARK: Sign-in throttling

    public func recordLoginFailure(username: String, now: Date, limit: Int, lockFor: TimeInterval) async throws -> LoginThrottle {
        let seconds = Int64(now.timeIntervalSince1970)
        var statement = PGStatement()
        let user = statement.bind(.text(username))
        let at = statement.bind(.integer(seconds))
        let max = statement.bind(.integer(Int64(limit)))
        let lock = statement.bind(.integer(Int64(lockFor)))
        // One statement: concurrent failures on several instances each count once. A lock that has run out starts
        // a new count.
        statement.sql = """
            INSERT INTO imisfhir_login_failure AS f (username, failures, last_failure_at, locked_until)
            VALUES (\(user), 1, \(at), CASE WHEN 1 >= \(max) THEN \(at) + \(lock) END)
            ON CONFLICT (username) DO UPDATE SET
              failures = CASE WHEN f.locked_until IS NOT NULL AND f.locked_until <= \(at) THEN 1 ELSE f.failures + 1 END,
              last_failure_at = \(at),
              locked_until = CASE WHEN (CASE WHEN f.locked_until IS NOT NULL AND f.locked_until <= \(at) THEN 1
                                             ELSE f.failures + 1 END) >= \(max) THEN \(at) + \(lock) END
            RETURNING failures, locked_until
            """
        guard let row = try await values(statement).first else { throw RegistryError.invalidValue("login failure not stored") }
        return LoginThrottle(failures: Int.fromDatabaseValue(row[0]) ?? 1,
                             lockedUntil: Int64.fromDatabaseValue(row[1]).map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    public func loginThrottle(username: String) async throws -> LoginThrottle? {
        var statement = PGStatement()
        statement.sql = "SELECT failures, locked_until FROM imisfhir_login_failure WHERE username = \(statement.bind(.text(username)))"
        return try await values(statement).first.map {
            LoginThrottle(failures: Int.fromDatabaseValue($0[0]) ?? 0,
                          lockedUntil: Int64.fromDatabaseValue($0[1]).map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    public func clearLoginFailures(username: String) async throws {
        var statement = PGStatement()
        statement.sql = "DELETE FROM imisfhir_login_failure WHERE username = \(statement.bind(.text(username)))"
        try await database.execute(statement)
    }

    // MARK: System clients

    public func createClient(_ client: SystemClient) async throws {
        var statement = PGStatement()
        statement.sql = """
            INSERT INTO imisfhir_client (client_id, secret_hash, name, scope, created_at, revoked_at)
            VALUES (\(statement.bind(.text(client.clientID))), \(statement.bind(.text(client.secretHash))),
                    \(statement.bind(.text(client.name))), \(statement.bind(.text(client.scope))),
                    \(statement.bind(.integer(Int64(client.createdAt.timeIntervalSince1970)))),
                    \(statement.bind(Self.seconds(client.revokedAt))))
            ON CONFLICT (client_id) DO NOTHING RETURNING client_id
            """
        if try await values(statement).isEmpty { throw RegistryError.conflict("a client with this id exists") }
    }

    public func client(id: String) async throws -> SystemClient? {
        var statement = PGStatement()
        statement.sql = """
            SELECT client_id, secret_hash, name, scope, created_at, revoked_at FROM imisfhir_client
            WHERE client_id = \(statement.bind(.text(id)))
            """
        return try await values(statement).first.map {
            SystemClient(clientID: String.fromDatabaseValue($0[0]) ?? "", secretHash: String.fromDatabaseValue($0[1]) ?? "",
                         name: String.fromDatabaseValue($0[2]) ?? "", scope: String.fromDatabaseValue($0[3]) ?? "",
                         createdAt: Self.date($0[4]) ?? Date(timeIntervalSince1970: 0), revokedAt: Self.date($0[5]))
        }
    }

    // MARK: Refresh tokens

    static func date(_ value: DatabaseValue) -> Date? {
        Int64.fromDatabaseValue(value).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    static func seconds(_ date: Date?) -> PGBind { date.map { .integer(Int64($0.timeIntervalSince1970)) } ?? .null }

    static let tokenColumns = "token_hash, family_id, user_id, client_id, scope, issued_at, expires_at, used_at, revoked_at"

    static func token(_ row: [DatabaseValue]) -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: String.fromDatabaseValue(row[0]) ?? "", familyID: String.fromDatabaseValue(row[1]) ?? "",
            userID: Int64.fromDatabaseValue(row[2]) ?? 0, clientID: String.fromDatabaseValue(row[3]),
            scope: String.fromDatabaseValue(row[4]) ?? "", issuedAt: date(row[5]) ?? Date(timeIntervalSince1970: 0),
            expiresAt: date(row[6]) ?? Date(timeIntervalSince1970: 0), usedAt: date(row[7]), revokedAt: date(row[8]))
    }

    static func insert(_ token: RefreshTokenRecord) -> PGStatement {
        var statement = PGStatement()
        let values = [statement.bind(.text(token.tokenHash)), statement.bind(.text(token.familyID)),
                      statement.bind(.integer(token.userID)), statement.bind(token.clientID.map { .text($0) } ?? .null),
                      statement.bind(.text(token.scope)), statement.bind(seconds(token.issuedAt)),
                      statement.bind(seconds(token.expiresAt)), statement.bind(seconds(token.usedAt)),
                      statement.bind(seconds(token.revokedAt))]
        statement.sql = "INSERT INTO imisfhir_refresh_token (\(tokenColumns)) VALUES (\(values.joined(separator: ", ")))"
        return statement
    }

    public func storeRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await database.execute(Self.insert(token))
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        var statement = PGStatement()
        statement.sql = "SELECT \(Self.tokenColumns) FROM imisfhir_refresh_token WHERE token_hash = \(statement.bind(.text(hash)))"
        return try await values(statement).first.map(Self.token)
    }

    func revokeFamily(_ familyID: String, now: Date) async throws {
        var statement = PGStatement()
        statement.sql = """
            UPDATE imisfhir_refresh_token SET revoked_at = \(statement.bind(Self.seconds(now)))
            WHERE family_id = \(statement.bind(.text(familyID))) AND revoked_at IS NULL
            """
        try await database.execute(statement)
    }

    public func rotateRefreshToken(hash: String, now: Date,
                                   replacement: (RefreshTokenRecord) -> RefreshTokenRecord) async throws -> RefreshRotation {
        try await database.transaction { try await rotate(hash: hash, now: now, replacement: replacement) }
    }

    private func rotate(hash: String, now: Date,
                        replacement: (RefreshTokenRecord) -> RefreshTokenRecord) async throws -> RefreshRotation {
        // The claim: only one caller, on any instance, turns used_at from NULL to now.
        var claim = PGStatement()
        claim.sql = """
            UPDATE imisfhir_refresh_token SET used_at = \(claim.bind(Self.seconds(now)))
            WHERE token_hash = \(claim.bind(.text(hash))) AND used_at IS NULL AND revoked_at IS NULL
              AND expires_at > \(claim.bind(Self.seconds(now)))
            RETURNING \(Self.tokenColumns)
            """
        if let row = try await values(claim).first {
            var previous = Self.token(row)
            previous.usedAt = nil
            try await database.execute(Self.insert(replacement(previous)))
            return .rotated(previous: previous)
        }
        guard let token = try await refreshToken(hash: hash) else { return .invalid }
        if token.usedAt != nil || token.revokedAt != nil {
            try await revokeFamily(token.familyID, now: now)
            return .reused(familyID: token.familyID)
        }
        return .invalid
    }

    public func revokeRefreshFamily(hash: String, now: Date) async throws -> Bool {
        guard let token = try await refreshToken(hash: hash) else { return false }
        try await revokeFamily(token.familyID, now: now)
        return true
    }
}
