import Foundation
import GRDB

/// `AccountStore` over openIMIS's user tables and the project's own `imisfhir_*` tables, written once for every
/// engine (see ``AccountSQL``). Every piece of state (refresh tokens, sign-in failures) is in the database, so
/// several server instances share it: a refresh token is marked used by one `UPDATE ... WHERE used_at IS NULL
/// RETURNING`, which only one instance can win; a login name and a role name are locked while they are created.
public struct SQLAccountStore: AccountStore {
    /// The engine's statements.
    public let sql: any AccountSQL
    /// Sign-in failures of this process, when the database has no table for them.
    let loginFailures = LoginFailureMemory()

    /// The store over `sql`.
    public init(sql: any AccountSQL) {
        self.sql = sql
    }

    // MARK: Users

    /// The key and UUID columns of `tblUsers`, quoted: `id` and `UUID` since openIMIS core's migration 0032,
    /// `UserID` and `UserUUID` before (and in the project's own schema).
    func userColumns() async throws -> (key: String, uuid: AccountColumn) {
        let key = try await sql.column("tblUsers", "id")?.name ?? "\"UserID\""
        if let uuid = try await sql.column("tblUsers", "UUID") { return (key, uuid) }
        return (key, try await sql.requiredColumn("tblUsers", "UserUUID"))
    }

    /// The current user matching `condition` (on alias `u`, with `arguments`; `{key}` in it stands for the user
    /// key column), with roles, rights and districts.
    func account(where condition: String, _ arguments: [(any DatabaseValueConvertible)?]) async throws -> UserAccount? {
        let (key, uuidColumn) = try await userColumns()
        let condition = condition.replacingOccurrences(of: "{key}", with: key)
        let officer = try await sql.table("core_User").map {
            "EXISTS (SELECT 1 FROM \($0) c WHERE c.i_user_id = u.\(key) AND (c.officer_id IS NOT NULL OR c.claim_admin_id IS NOT NULL))"
        } ?? "FALSE"
        let email = try await sql.column("tblUsers", "EmailId").map { "u.\($0.name)" } ?? "NULL"
        let privateKey = try await sql.column("tblUsers", "PrivateKey").map { "u.\($0.name)" } ?? "NULL"
        // Served as it is, an openIMIS database may not have the project's own tables yet.
        let insuree = try await sql.table("imisfhir_insuree_user") != nil
            ? "(SELECT insuree_id FROM imisfhir_insuree_user WHERE user_id = u.\(key))" : "NULL"
        let uuid = sql.uuidText("u.\(uuidColumn.name)")
        guard let row = try await sql.fetch("""
            SELECT u.\(key), \(uuid), u."LoginName", u."LastName", u."OtherNames", \(email),
                   u."Phone", u."StoredPassword", \(privateKey), \(insuree), \(officer)
            FROM "tblUsers" u WHERE \(try await activeCondition()) AND \(condition) ORDER BY u.\(key) LIMIT 1
            """, arguments).first, row.count == 11, let id = Int64.fromDatabaseValue(row[0])
        else { return nil }
        var account = UserAccount(
            id: id, uuid: String.fromDatabaseValue(row[1]) ?? "", loginName: String.fromDatabaseValue(row[2]) ?? "",
            lastName: String.fromDatabaseValue(row[3]) ?? "", otherNames: String.fromDatabaseValue(row[4]) ?? "",
            email: String.fromDatabaseValue(row[5]), phone: String.fromDatabaseValue(row[6]),
            storedPassword: String.fromDatabaseValue(row[7]), privateKey: String.fromDatabaseValue(row[8]),
            insureeID: Int64.fromDatabaseValue(row[9]), isOfficer: Bool.fromDatabaseValue(row[10]) ?? false)
        let notBlocked = try await sql.column("tblRole", "IsBlocked").map { "r.\($0.name) = \($0.cast("'0'"))" } ?? "TRUE"
        var roleIDs: [Int64] = []
        for role in try await sql.fetch("""
            SELECT r."RoleID", r."RoleName", r."IsSystem" FROM "tblUserRole" ur JOIN "tblRole" r ON r."RoleID" = ur."RoleID"
            WHERE ur."UserID" = ? AND ur."ValidityTo" IS NULL AND r."ValidityTo" IS NULL AND \(notBlocked)
            ORDER BY r."RoleID"
            """, [id]) where role.count == 3 {
            roleIDs.append(Int64.fromDatabaseValue(role[0]) ?? 0)
            account.roles.append(String.fromDatabaseValue(role[1]) ?? "")
            if (Int.fromDatabaseValue(role[2]) ?? 0) & OpenIMISRoleFlags.administrator != 0 { account.administrator = true }
        }
        if !roleIDs.isEmpty {
            let marks = Array(repeating: "?", count: roleIDs.count).joined(separator: ", ")
            account.rights = Set(try await sql.fetch("""
                SELECT "RightID" FROM "tblRoleRight" WHERE "ValidityTo" IS NULL AND "RoleID" IN (\(marks))
                """, roleIDs).compactMap { $0.first.flatMap(Int.fromDatabaseValue) })
        }
        let location = try await sql.requiredColumn("tblUsersDistricts", "LocationId")
        account.districts = Set(try await sql.fetch("""
            SELECT \(location.name) FROM "tblUsersDistricts" WHERE "UserID" = ? AND "ValidityTo" IS NULL
            """, [id]).compactMap { $0.first.flatMap(Int64.fromDatabaseValue) })
        return account
    }

    public func user(loginName: String) async throws -> UserAccount? {
        try await account(where: "u.\"LoginName\" = ?", [loginName])
    }

    public func user(id: Int64) async throws -> UserAccount? {
        try await account(where: "u.{key} = ?", [id])
    }

    public func user(insureeID: Int64) async throws -> UserAccount? {
        try await account(where: "u.{key} IN (SELECT user_id FROM imisfhir_insuree_user WHERE insuree_id = ?)", [insureeID])
    }

    public func createUser(_ user: NewUser, now: Date) async throws -> UserAccount {
        let id = try await sql.transaction { try await insertUser(user, now: now) }
        guard let account = try await self.user(id: id) else { throw RegistryError.notFound(table: "tblUsers", key: "\(id)") }
        return account
    }

    /// Inserts the rows of a new user (`tblUsers`, `core_User`, `tblUserRole`, `tblUsersDistricts`, the insuree
    /// link) inside the caller's transaction; its `UserID`. The login name is locked for the transaction, so two
    /// instances cannot create it twice. `RegistryError.conflict` (`AccountConflict`) when the login name (or the
    /// insuree) already has a current user, `RegistryError.invalidReference` for an unknown role.
    func insertUser(_ user: NewUser, now: Date) async throws -> Int64 {
        try await sql.lock("imisfhir user " + user.loginName)
        if try await sql.exists("""
            SELECT 1 FROM "tblUsers" WHERE "LoginName" = ? AND "ValidityTo" IS NULL
            """, [user.loginName]) {
            throw RegistryError.conflict(AccountConflict.loginName)
        }
        let coreUser = try await sql.table("core_User")
        if let coreUser, try await sql.exists("SELECT 1 FROM \(coreUser) WHERE username = ?", [user.loginName]) {
            throw RegistryError.conflict(AccountConflict.loginName)
        }
        if let insuree = user.insureeID,
           try await sql.exists("SELECT 1 FROM imisfhir_insuree_user WHERE insuree_id = ?", [insuree]) {
            throw RegistryError.conflict(AccountConflict.insuree)
        }
        var roleIDs: [Int64] = []
        for name in user.roles {
            guard let roleID = Int64.fromDatabaseValue(try await sql.value("""
                SELECT "RoleID" FROM "tblRole" WHERE "RoleName" = ? AND "ValidityTo" IS NULL ORDER BY "RoleID" LIMIT 1
                """, [name]))
            else { throw RegistryError.invalidReference("role \(name)") }
            roleIDs.append(roleID)
        }
        let from = try await sql.requiredColumn("tblUsers", "ValidityFrom")
        let email = try await sql.requiredColumn("tblUsers", "EmailId")
        let stamp = now.databaseText
        let (key, uuid) = try await userColumns()
        let privateKey = try await sql.requiredColumn("tblUsers", "PrivateKey")
        let extras = try await newUserExtras()
        let columns = ([uuid.name, "\"LastName\"", "\"OtherNames\"", "\"Phone\"", "\"LoginName\"", email.name,
                        "\"StoredPassword\"", privateKey.name, from.name] + extras.columns).joined(separator: ", ")
        let values = (["\(uuid.cast("?"))", "?", "?", "?", "?", "?", "?", "?", from.cast("?")] + extras.values)
            .joined(separator: ", ")
        let arguments: [(any DatabaseValueConvertible)?] = [RowUUID.make(), user.lastName, user.otherNames, user.phone,
                                                            user.loginName, user.email, user.storedPassword, user.privateKey,
                                                            stamp] + extras.arguments
        guard let id = try await sql.write("""
            INSERT INTO "tblUsers" (\(columns)) VALUES (\(values)) RETURNING \(key)
            """, arguments).first?.first.flatMap(Int64.fromDatabaseValue)
        else { throw RegistryError.invalidValue("tblUsers gave no UserID") }
        if let coreUser {
            // openIMIS 24.10: a uuid key and a NOT NULL version.
            let coreID = try await sql.requiredColumn("core_User", "id")
            let version = try await sql.column("core_User", "version")
            try await sql.write("""
                INSERT INTO \(coreUser) (id, username, i_user_id\(version.map { ", \($0.name)" } ?? ""))
                VALUES (\(coreID.cast("?")), ?, ?\(version == nil ? "" : ", 1"))
                """, [RowUUID.make(), user.loginName, id])
        }
        for roleID in roleIDs {
            try await sql.write("""
                INSERT INTO "tblUserRole" ("UserID", "RoleID", \(from.name)) VALUES (?, ?, \(from.cast("?")))
                """, [id, roleID, stamp])
        }
        let location = try await sql.requiredColumn("tblUsersDistricts", "LocationId")
        // openIMIS's tblUsersDistricts.AuditUserID is NOT NULL without a default: -1, the project's default.
        let audit = try await sql.column("tblUsersDistricts", "AuditUserID")
        for district in user.districts {
            try await sql.write("""
                INSERT INTO "tblUsersDistricts" ("UserID", \(location.name), \(from.name)\(audit.map { ", \($0.name)" } ?? ""))
                VALUES (?, ?, \(from.cast("?"))\(audit == nil ? "" : ", -1"))
                """, [id, district, stamp])
        }
        if let insuree = user.insureeID {
            try await sql.write("INSERT INTO imisfhir_insuree_user (user_id, insuree_id, created_at) VALUES (?, ?, ?)",
                                [id, insuree, UnixSeconds.of(now)])
        }
        if let own = user.ownPassword { try await storeOwnPassword(userID: id, own) }
        return id
    }

    public func recordLogin(userID: Int64, at: Date) async throws {
        guard let column = try await sql.column("tblUsers", "LastLogin") else { return }
        let key = try await userColumns().key
        try await sql.write("UPDATE \"tblUsers\" SET \(column.name) = \(column.cast("?")) WHERE \(key) = ?",
                            [at.databaseText, userID])
    }

    // MARK: Roles

    public func defineRole(_ role: RoleDefinition, now: Date) async throws {
        try await sql.transaction {
            try await sql.lock("imisfhir role " + role.name)
            let validity = try await sql.requiredColumn("tblRole", "ValidityFrom")
            let stamp = now.databaseText
            let roleID: Int64
            if let found = Int64.fromDatabaseValue(try await sql.value("""
                SELECT "RoleID" FROM "tblRole" WHERE "RoleName" = ? AND "ValidityTo" IS NULL ORDER BY "RoleID" LIMIT 1
                """, [role.name])) {
                roleID = found
                try await sql.write("UPDATE \"tblRole\" SET \"IsSystem\" = ? WHERE \"RoleID\" = ?", [role.systemFlags, found])
                try await sql.write("""
                    UPDATE "tblRoleRight" SET "ValidityTo" = \(validity.cast("?")) WHERE "RoleID" = ? AND "ValidityTo" IS NULL
                    """, [stamp, found])
            } else {
                guard let id = try await sql.write("""
                    INSERT INTO "tblRole" ("RoleUUID", "RoleName", "IsSystem", \(validity.name))
                    VALUES (?, ?, ?, \(validity.cast("?"))) RETURNING "RoleID"
                    """, [RowUUID.make(), role.name, role.systemFlags, stamp]).first?.first.flatMap(Int64.fromDatabaseValue)
                else { throw RegistryError.invalidValue("tblRole gave no RoleID") }
                roleID = id
            }
            for right in Set(role.rights).sorted() {
                try await sql.write("""
                    INSERT INTO "tblRoleRight" ("RoleID", "RightID", "ValidityFrom") VALUES (?, ?, \(validity.cast("?")))
                    """, [roleID, right, stamp])
            }
        }
    }

    /// Creates the role `name` (no rights, not a system role) when no current role has that name, under a lock on
    /// the name so that two instances registering their first insurees create it once; openIMIS's membership
    /// module does the same for its `insuree` role.
    func ensureRole(_ name: String, now: Date) async throws {
        try await sql.lock("imisfhir role " + name)
        guard !(try await sql.exists("""
            SELECT 1 FROM "tblRole" WHERE "RoleName" = ? AND "ValidityTo" IS NULL
            """, [name]))
        else { return }
        let from = try await sql.requiredColumn("tblRole", "ValidityFrom")
        try await sql.write("""
            INSERT INTO "tblRole" ("RoleUUID", "RoleName", "IsSystem", \(from.name)) VALUES (?, ?, 0, \(from.cast("?")))
            """, [RowUUID.make(), name, now.databaseText])
    }
}

/// openIMIS's `tblRole.IsSystem` flags that matter here.
public enum OpenIMISRoleFlags {
    /// IMIS Administrator: passes every right check.
    public static let administrator = 64
}
