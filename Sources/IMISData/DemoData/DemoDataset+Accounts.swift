import Foundation
import GRDB

extension DemoDataset {
    /// The demo sign-ins (development only: the demo dataset is never loaded in `MODE=PROD` unless asked for).
    public enum Accounts {
        /// IMIS Administrator. Every demo user has its password as openIMIS stores it (upper-case hex SHA-256 of the
        /// password and `PrivateKey`), so openIMIS itself signs them in too; the first sign-in here adds the stronger
        /// own hash beside it (`imisfhir_password`).
        public static let admin = (username: "Admin", password: "admin123")
        /// A clerk who may read insurees, families, policies and claims.
        public static let clerk = (username: "clerk", password: "Clerk-demo-1")
        /// John Doe's self-registered account (role `insuree`).
        public static let johnDoe = (username: "jdoe", password: "JohnDoe-123")
    }

    /// The roles of the demo world: openIMIS's IMIS Administrator, a clerk, and the `insuree` role of self-registered
    /// members (openIMIS's membership module creates the same).
    public static let roles: [RoleDefinition] = [
        RoleDefinition(name: "IMIS Administrator", systemFlags: OpenIMISRoleFlags.administrator, rights: []),
        RoleDefinition(name: "Clerk", systemFlags: 8, rights: [101101, 101001, 101201, 111001]),
        RoleDefinition(name: "Accountant", systemFlags: 4, rights: [155101, 155102, 155103, 155201, 155202]),
        RoleDefinition(name: "insuree", systemFlags: 0, rights: []),
    ]

    static func loadAccounts(_ db: Database, now: Date) throws {
        let stamp = now.databaseText
        var roleIDs: [String: Int64] = [:]
        for role in roles {
            try db.execute(sql: "INSERT INTO tblRole (RoleUUID, RoleName, IsSystem, ValidityFrom) VALUES (?, ?, ?, ?)",
                           arguments: [RowUUID.make(), role.name, role.systemFlags, stamp])
            let roleID = db.lastInsertedRowID
            roleIDs[role.name] = roleID
            for right in Set(role.rights).sorted() {
                try db.execute(sql: "INSERT INTO tblRoleRight (RoleID, RightID, ValidityFrom) VALUES (?, ?, ?)",
                               arguments: [roleID, right, stamp])
            }
        }
        // The demo world starts empty: its users need none of the checks of `AccountStore.createUser`.
        func add(_ login: String, _ lastName: String, _ otherNames: String, _ password: String, salt: String, role: String,
                 insureeID: Int64? = nil) throws -> Int64 {
            try db.execute(sql: """
                INSERT INTO tblUsers (UserUUID, LastName, OtherNames, LoginName, StoredPassword, PrivateKey, ValidityFrom)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [RowUUID.make(), lastName, otherNames, login, password, salt, stamp])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO core_User (id, username, i_user_id) VALUES (?, ?, ?)",
                           arguments: [RowUUID.make(), login, id])
            try db.execute(sql: "INSERT INTO tblUserRole (UserID, RoleID, ValidityFrom) VALUES (?, ?, ?)",
                           arguments: [id, roleIDs[role], stamp])
            if let insureeID {
                try db.execute(sql: "INSERT INTO imisfhir_insuree_user (user_id, insuree_id, created_at) VALUES (?, ?, ?)",
                               arguments: [id, insureeID, UnixSeconds.of(now)])
            }
            return id
        }
        _ = try add(Accounts.admin.username, "Admin", "Admin",
                    "843565C62A4C3FF6EFB1A78C51D8B92C9C5BD534F64567D6A8257385932F242A", salt: "b7a1c2d3e4f50617",
                    role: "IMIS Administrator")
        _ = try add(Accounts.clerk.username, "Clerk", "Carla",
                    "57578655195BEC29021CE9FE3915498EAE74AE67B171AA44533D64F20928E891", salt: "c1e2a3b4c5d6e7f8", role: "Clerk")
        let john = try Int64.fetchOne(db, sql: "SELECT InsureeID FROM tblInsuree WHERE InsureeUUID = ? AND ValidityTo IS NULL",
                                      arguments: [UUIDs.johnDoe])
        _ = try add(Accounts.johnDoe.username, "Doe", "John",
                    "D4EC4F33374F9FAC58DF57F87FD9E092C6988E8347D3AA19252BBD00DA43702C", salt: "d0e1a2b3c4d5e6f7", role: "insuree",
                    insureeID: john)
    }
}
