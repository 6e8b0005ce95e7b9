import Foundation

/// An interactive user as access control and the token endpoint see it: one current row of `tblUsers` with its
/// roles' rights, districts and (for a self-registered insuree) the insuree it signs in as.
public struct UserAccount: Sendable, Hashable {
    /// `tblUsers.UserID`.
    public var id: Int64
    /// `tblUsers.UserUUID`.
    public var uuid: String
    /// `tblUsers.LoginName`.
    public var loginName: String
    /// `tblUsers.LastName`.
    public var lastName: String
    /// `tblUsers.OtherNames`.
    public var otherNames: String
    /// `tblUsers.EmailId`.
    public var email: String?
    /// `tblUsers.Phone`.
    public var phone: String?
    /// `tblUsers.StoredPassword`: a legacy upper-case hex SHA-256, or a `pbkdf2_sha256$...` hash.
    public var storedPassword: String?
    /// `tblUsers.PrivateKey`: the salt of a legacy hash.
    public var privateKey: String?
    /// The right codes of the user's current, unblocked roles.
    public var rights: Set<Int>
    /// Whether one of its roles carries the IMIS Administrator flag (64).
    public var administrator: Bool
    /// The names of its roles.
    public var roles: [String]
    /// Its districts (`tblUsersDistricts`); empty when none are assigned.
    public var districts: Set<Int64>
    /// The insuree a self-registered user signs in as (`imisfhir_insuree_user`).
    public var insureeID: Int64?
    /// Whether the user is linked to an enrolment officer or claim administrator (`core_User`).
    public var isOfficer: Bool

    public init(id: Int64, uuid: String, loginName: String, lastName: String, otherNames: String,
                email: String? = nil, phone: String? = nil, storedPassword: String? = nil, privateKey: String? = nil,
                rights: Set<Int> = [], administrator: Bool = false, roles: [String] = [], districts: Set<Int64> = [],
                insureeID: Int64? = nil, isOfficer: Bool = false) {
        self.id = id
        self.uuid = uuid
        self.loginName = loginName
        self.lastName = lastName
        self.otherNames = otherNames
        self.email = email
        self.phone = phone
        self.storedPassword = storedPassword
        self.privateKey = privateKey
        self.rights = rights
        self.administrator = administrator
        self.roles = roles
        self.districts = districts
        self.insureeID = insureeID
        self.isOfficer = isOfficer
    }
}

/// A user to create: `tblUsers` + `core_User` + `tblUserRole` rows (+ the insuree link).
public struct NewUser: Sendable, Hashable {
    public var loginName: String
    public var lastName: String
    public var otherNames: String
    public var email: String?
    public var phone: String?
    /// `tblUsers.StoredPassword` as openIMIS computes it (upper-case hex SHA-256 of the password and `privateKey`),
    /// already computed by the caller.
    public var storedPassword: String
    /// `tblUsers.PrivateKey`: the salt of `storedPassword`.
    public var privateKey: String?
    /// The project's own, stronger hash of the same password (`imisfhir_password`), written when the database has
    /// that table.
    public var ownPassword: OwnPasswordHash?
    /// Role names; each must exist in `tblRole`.
    public var roles: [String]
    /// Districts (`tblUsersDistricts`).
    public var districts: [Int64]
    /// The insuree a self-registered user signs in as.
    public var insureeID: Int64?

    public init(loginName: String, lastName: String, otherNames: String, email: String? = nil, phone: String? = nil,
                storedPassword: String, privateKey: String? = nil, ownPassword: OwnPasswordHash? = nil, roles: [String],
                districts: [Int64] = [], insureeID: Int64? = nil) {
        self.loginName = loginName
        self.lastName = lastName
        self.otherNames = otherNames
        self.email = email
        self.phone = phone
        self.storedPassword = storedPassword
        self.privateKey = privateKey
        self.ownPassword = ownPassword
        self.roles = roles
        self.districts = districts
        self.insureeID = insureeID
    }
}

/// The project's own hash of a user's password (`imisfhir_password`), kept beside openIMIS's `StoredPassword`, which
/// is never rewritten: it holds only while `fingerprint` is the fingerprint of the user's current `StoredPassword`
/// and `PrivateKey` (when openIMIS changes the password, they no longer match and openIMIS's hash rules again).
public struct OwnPasswordHash: Sendable, Hashable {
    /// A `pbkdf2_sha256$...` hash.
    public var hash: String
    /// The fingerprint of the `StoredPassword` and `PrivateKey` it was made alongside.
    public var fingerprint: String
    /// When it was written.
    public var updatedAt: Date

    /// A hash made alongside the openIMIS hash whose fingerprint is `fingerprint`.
    public init(hash: String, fingerprint: String, updatedAt: Date) {
        self.hash = hash
        self.fingerprint = fingerprint
        self.updatedAt = updatedAt
    }
}

/// A role of `tblRole` with its rights (`tblRoleRight`).
public struct RoleDefinition: Sendable, Hashable {
    public var name: String
    /// `IsSystem` flags (64: IMIS Administrator).
    public var systemFlags: Int
    public var rights: [Int]

    public init(name: String, systemFlags: Int = 0, rights: [Int]) {
        self.name = name
        self.systemFlags = systemFlags
        self.rights = rights
    }
}

/// A system client (`imisfhir_client`): the payment layer, a mediator, a portal.
public struct SystemClient: Sendable, Hashable {
    public var clientID: String
    /// The secret's hash (never the secret).
    public var secretHash: String
    public var name: String
    /// Space-separated scopes it may be granted.
    public var scope: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(clientID: String, secretHash: String, name: String, scope: String, createdAt: Date, revokedAt: Date? = nil) {
        self.clientID = clientID
        self.secretHash = secretHash
        self.name = name
        self.scope = scope
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// One refresh token (`imisfhir_refresh_token`), stored only as a hash. Tokens rotated from one sign-in share
/// a `familyID`.
public struct RefreshTokenRecord: Sendable, Hashable {
    public var tokenHash: String
    public var familyID: String
    public var userID: Int64
    public var clientID: String?
    public var scope: String
    public var issuedAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var revokedAt: Date?

    public init(tokenHash: String, familyID: String, userID: Int64, clientID: String? = nil, scope: String,
                issuedAt: Date, expiresAt: Date, usedAt: Date? = nil, revokedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.familyID = familyID
        self.userID = userID
        self.clientID = clientID
        self.scope = scope
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }
}

/// What presenting a refresh token did.
public enum RefreshRotation: Sendable, Hashable {
    /// The token was current: it is now used, and `replacement` is stored in its family.
    case rotated(previous: RefreshTokenRecord)
    /// The token had been used or revoked already: its whole family is now revoked.
    case reused(familyID: String)
    /// Unknown or expired.
    case invalid
}

/// The sign-in failure counter of one login name (openIMIS: 5 failures lock the account for 5 minutes).
public struct LoginThrottle: Sendable, Hashable {
    public var failures: Int
    public var lockedUntil: Date?

    public init(failures: Int, lockedUntil: Date?) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }
}
