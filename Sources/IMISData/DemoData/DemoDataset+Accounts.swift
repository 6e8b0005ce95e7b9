import Foundation
import GRDB

extension DemoDataset {
    /// The demo sign-ins (development only: the demo dataset is never loaded in `MODE=PROD` unless asked for).
    public enum Accounts {
        /// IMIS Administrator, with openIMIS's legacy SHA-256 hash (upgraded to PBKDF2 on first sign-in).
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
        for role in roles { try SQLiteAccountStore.define(role, db, now: now) }
        let admin = try SQLiteAccountStore.insertUser(NewUser(
            loginName: Accounts.admin.username, lastName: "Admin", otherNames: "Admin",
            storedPassword: "843565C62A4C3FF6EFB1A78C51D8B92C9C5BD534F64567D6A8257385932F242A",
            roles: ["IMIS Administrator"]), db, now: now)
        try db.execute(sql: "UPDATE tblUsers SET PrivateKey = ? WHERE UserID = ?", arguments: ["b7a1c2d3e4f50617", admin])
        _ = try SQLiteAccountStore.insertUser(NewUser(
            loginName: Accounts.clerk.username, lastName: "Clerk", otherNames: "Carla",
            storedPassword: "pbkdf2_sha256$600000$q8R2mZ4tL6vX0nB3cD5fGh$GGoStA5LDr5h66d2pvzuH1+uT7adLpbsGPRtJeTxfdY=",
            roles: ["Clerk"]), db, now: now)
        let john = try Int64.fetchOne(db, sql: "SELECT InsureeID FROM tblInsuree WHERE InsureeUUID = ? AND ValidityTo IS NULL",
                                      arguments: [UUIDs.johnDoe])
        _ = try SQLiteAccountStore.insertUser(NewUser(
            loginName: Accounts.johnDoe.username, lastName: "Doe", otherNames: "John",
            storedPassword: "pbkdf2_sha256$600000$w3E5rT7yU9iO1pA2sD4fGh$vIdbhGKdaHH8MhC6StW35flKDUORGSZMKu8FTm1G0eY=",
            roles: ["insuree"], insureeID: john), db, now: now)
    }
}
