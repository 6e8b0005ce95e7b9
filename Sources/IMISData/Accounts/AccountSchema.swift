/// The users, roles and rights tables under openIMIS's names (reference §5.3), and the project's own tables for
/// what openIMIS does not have (system clients, refresh tokens, sign-in failures, the insuree ↔ user link).
///
/// The project's own tables are prefixed `imisfhir_` and keep instants as INTEGER Unix seconds, so that the
/// same statements serve SQLite and PostgreSQL.
enum AccountSchema {
    static let openIMIS = """
        CREATE TABLE tblRole (
          RoleID INTEGER PRIMARY KEY NOT NULL,
          \(RegistrySchema.uuid("RoleUUID")),
          RoleName TEXT NOT NULL, AltLanguage TEXT,
          IsSystem INTEGER NOT NULL DEFAULT 0,
          IsBlocked INTEGER NOT NULL DEFAULT 0,
          \(RegistrySchema.validity())
        );
        CREATE TABLE tblRoleRight (
          RoleRightID INTEGER PRIMARY KEY NOT NULL,
          RoleID INTEGER NOT NULL REFERENCES tblRole(RoleID),
          RightID INTEGER NOT NULL,
          \(RegistrySchema.validity(audit: "AuditUserId"))
        );
        CREATE TABLE tblUsers (
          UserID INTEGER PRIMARY KEY NOT NULL,
          \(RegistrySchema.uuid("UserUUID")),
          LanguageID TEXT NOT NULL DEFAULT 'en',
          LastName TEXT NOT NULL, OtherNames TEXT NOT NULL,
          Phone TEXT, LoginName TEXT NOT NULL,
          RoleID INTEGER NOT NULL DEFAULT 0,
          HFID INTEGER, EmailId TEXT,
          PrivateKey TEXT, StoredPassword TEXT, PasswordValidity TEXT,
          IsAssociated INTEGER, LastLogin TEXT,
          \(RegistrySchema.validity())
        );
        CREATE TABLE tblUserRole (
          UserRoleID INTEGER PRIMARY KEY NOT NULL,
          UserID INTEGER NOT NULL REFERENCES tblUsers(UserID),
          RoleID INTEGER NOT NULL REFERENCES tblRole(RoleID),
          Assign INTEGER,
          \(RegistrySchema.validity())
        );
        CREATE TABLE tblUsersDistricts (
          UserDistrictID INTEGER PRIMARY KEY NOT NULL,
          UserID INTEGER NOT NULL REFERENCES tblUsers(UserID),
          LocationId INTEGER NOT NULL REFERENCES tblLocations(LocationId),
          \(RegistrySchema.validity())
        );
        CREATE TABLE core_User (
          id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
          username TEXT NOT NULL UNIQUE,
          i_user_id INTEGER REFERENCES tblUsers(UserID),
          officer_id INTEGER REFERENCES tblOfficer(OfficerID),
          claim_admin_id INTEGER REFERENCES tblClaimAdmin(ClaimAdminId),
          t_user_id TEXT,
          last_login TEXT,
          is_superuser INTEGER NOT NULL DEFAULT 0
        );
        """

    /// Tables openIMIS has no equivalent for. Created only when missing, so they can be added to an existing
    /// openIMIS database.
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_insuree_user (
          user_id INTEGER PRIMARY KEY NOT NULL,
          insuree_id INTEGER NOT NULL UNIQUE,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS imisfhir_client (
          client_id TEXT PRIMARY KEY NOT NULL,
          secret_hash TEXT NOT NULL,
          name TEXT NOT NULL,
          scope TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        );
        CREATE TABLE IF NOT EXISTS imisfhir_refresh_token (
          token_hash TEXT PRIMARY KEY NOT NULL,
          family_id TEXT NOT NULL,
          user_id INTEGER NOT NULL,
          client_id TEXT,
          scope TEXT NOT NULL,
          issued_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at INTEGER,
          revoked_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS imisfhir_refresh_token_family ON imisfhir_refresh_token(family_id);
        CREATE TABLE IF NOT EXISTS imisfhir_login_failure (
          username TEXT PRIMARY KEY NOT NULL,
          failures INTEGER NOT NULL,
          last_failure_at INTEGER NOT NULL,
          locked_until INTEGER
        );
        """

    /// The project's own, stronger password hashes, beside openIMIS's `StoredPassword` (which stays as openIMIS
    /// wrote it, so that openIMIS keeps signing its users in): one row per user, valid while `openimis_fingerprint`
    /// matches the user's current `StoredPassword` and `PrivateKey`.
    static let passwords = """
        CREATE TABLE IF NOT EXISTS imisfhir_password (
          user_id INTEGER PRIMARY KEY NOT NULL,
          password_hash TEXT NOT NULL,
          openimis_fingerprint TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        );
        """

    /// The login-name lookups every sign-in makes (openIMIS's stock schema indexes neither).
    static let indexes = """
        CREATE INDEX IF NOT EXISTS imisfhir_users_login ON tblUsers(LoginName) WHERE ValidityTo IS NULL;
        CREATE INDEX IF NOT EXISTS imisfhir_userrole_user ON tblUserRole(UserID) WHERE ValidityTo IS NULL;
        CREATE INDEX IF NOT EXISTS imisfhir_roleright_role ON tblRoleRight(RoleID) WHERE ValidityTo IS NULL;
        CREATE INDEX IF NOT EXISTS imisfhir_usersdistricts_user ON tblUsersDistricts(UserID) WHERE ValidityTo IS NULL;
        """
}
