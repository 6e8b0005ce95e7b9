import Foundation
import IMISData

extension TokenService {
    /// The outcome of checking a password under the project's rule.
    struct PasswordCheck: Sendable {
        /// Whether the password is the user's.
        var matches: Bool
        /// The own hash to write after a successful sign-in (none is current, or it has fewer rounds than configured).
        var ownPassword: OwnPasswordHash?
    }

    /// Checks `password` of `user` (nil: no such user; the check still costs one derivation and fails). openIMIS's
    /// `StoredPassword` and `PrivateKey` are only read, never rewritten, so openIMIS keeps signing the user in:
    /// - the project's own hash (`imisfhir_password`) decides while its fingerprint matches the current
    ///   `StoredPassword` and `PrivateKey`;
    /// - otherwise (no own hash yet, or openIMIS has changed the password since) openIMIS's rule decides, or PBKDF2
    ///   when `StoredPassword` is a `pbkdf2_sha256$` hash an older version of this server wrote there; on success a
    ///   new own hash is made alongside the current openIMIS hash.
    func checkPassword(_ password: String, of user: UserAccount?) async throws -> PasswordCheck {
        let fingerprint = PasswordHasher.fingerprint(storedPassword: user?.storedPassword, privateKey: user?.privateKey)
        var own: OwnPasswordHash?
        if let user { own = try await accounts.ownPassword(userID: user.id) }
        if let own, PasswordHasher.constantTimeEqual(Data(own.fingerprint.utf8), Data(fingerprint.utf8)) {
            let check = passwords.verify(password, stored: own.hash, legacySalt: nil)
            return PasswordCheck(matches: check.matches,
                                 ownPassword: check.needsUpgrade ? ownHash(password, fingerprint: fingerprint) : nil)
        }
        let check = passwords.verify(password, stored: user?.storedPassword, legacySalt: user?.privateKey)
        return PasswordCheck(matches: check.matches, ownPassword: check.matches ? ownHash(password, fingerprint: fingerprint) : nil)
    }

    /// A new own hash of `password`, made alongside the openIMIS hash whose fingerprint is `fingerprint`.
    func ownHash(_ password: String, fingerprint: String) -> OwnPasswordHash {
        OwnPasswordHash(hash: passwords.hash(password), fingerprint: fingerprint, updatedAt: clock())
    }
}
