import Crypto
import CryptoExtras
import Foundation
import IMISData

/// Password hashes: new ones with PBKDF2-HMAC-SHA256 in Django's format (`pbkdf2_sha256$<rounds>$<salt>$<base64>`,
/// which openIMIS's Django can verify too), old ones as openIMIS stored them (upper-case hex SHA-256 of the password
/// followed by the salt in `tblUsers.PrivateKey`).
///
/// Every verification costs one PBKDF2 derivation, whatever the stored form and whether the user exists, so the time
/// of an answer does not tell a legacy user, a new user and an unknown name apart.
public struct PasswordHasher: Sendable {
    /// PBKDF2 rounds for new hashes (OWASP 2023: 600,000 for SHA-256).
    public let rounds: Int

    public static let defaultRounds = 600_000
    static let prefix = "pbkdf2_sha256$"

    /// `rounds` below 210,000 are allowed only for tests (`unsafeRounds`).
    public init(rounds: Int = PasswordHasher.defaultRounds) {
        self.rounds = max(rounds, 210_000)
    }

    init(unsafeRounds: Int) {
        self.rounds = unsafeRounds
    }

    /// A hasher with few rounds, for tests that sign in many times.
    public static func forTesting() -> PasswordHasher { PasswordHasher(unsafeRounds: 1_000) }

    /// A new hash of `password`.
    public func hash(_ password: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        let salt = String((0..<22).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
        return "\(Self.prefix)\(rounds)$\(salt)$\(Self.derive(password, salt: salt, rounds: rounds).base64EncodedString())"
    }

    static func derive(_ password: String, salt: String, rounds: Int) -> Data {
        let key = try? KDF.Insecure.PBKDF2.deriveKey(from: Data(password.utf8), salt: Data(salt.utf8), using: .sha256,
                                                     outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.map { $0.withUnsafeBytes { Data($0) } } ?? Data()
    }

    /// The outcome of checking a password.
    public struct Verification: Sendable, Hashable {
        public var matches: Bool
        /// The stored form should be replaced by a new hash (legacy, or fewer rounds than configured).
        public var needsUpgrade: Bool
    }

    /// Checks `password` against a stored hash (nil: no such user — the check still costs the same and fails).
    public func verify(_ password: String, stored: String?, legacySalt: String?) -> Verification {
        if let stored, stored.hasPrefix(Self.prefix) {
            let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, let storedRounds = Int(parts[1]), storedRounds > 0, storedRounds <= 10_000_000,
                  let expected = Data(base64Encoded: String(parts[3]))
            else {
                _ = Self.derive(password, salt: "dummy-salt", rounds: rounds)
                return Verification(matches: false, needsUpgrade: false)
            }
            let derived = Self.derive(password, salt: String(parts[2]), rounds: storedRounds)
            let matches = Self.constantTimeEqual(derived, expected)
            return Verification(matches: matches, needsUpgrade: matches && storedRounds < rounds)
        }
        // Legacy or absent: spend one derivation anyway.
        _ = Self.derive(password, salt: "dummy-salt", rounds: rounds)
        guard let stored, let salt = legacySalt else { return Verification(matches: false, needsUpgrade: false) }
        let matches = Self.constantTimeEqual(Data(Self.legacyHash(password, salt: salt).utf8), Data(stored.uppercased().utf8))
        return Verification(matches: matches, needsUpgrade: matches)
    }

    /// openIMIS's hash (openimis-be-core `InteractiveUser.set_password`/`check_password`): upper-case hex SHA-256 of
    /// the password (trailing white space removed) followed by the salt kept in `tblUsers.PrivateKey`.
    public static func legacyHash(_ password: String, salt: String) -> String {
        var trimmed = Substring(password)
        while let last = trimmed.last, last.isWhitespace { trimmed.removeLast() }
        return SHA256.hash(data: Data((trimmed + salt).utf8)).map { String(format: "%02X", $0) }.joined()
    }

    /// Equality whose time depends only on the lengths.
    public static func constantTimeEqual<A: DataProtocol, B: DataProtocol>(_ a: A, _ b: B) -> Bool {
        let left = Array(a), right = Array(b)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// A new password in the two forms a user row keeps: openIMIS's (`StoredPassword`, `PrivateKey`), so that openIMIS
/// signs the user in, and the project's own stronger hash (`imisfhir_password`), made alongside it.
public struct PasswordCredentials: Sendable, Hashable {
    /// `tblUsers.StoredPassword`: upper-case hex SHA-256 of the password and `privateKey`.
    public var storedPassword: String
    /// `tblUsers.PrivateKey`: the salt.
    public var privateKey: String?
    /// The PBKDF2 hash, with the fingerprint of `storedPassword` and `privateKey`.
    public var ownPassword: OwnPasswordHash?

    /// Credentials as given (tests, and callers that computed them).
    public init(storedPassword: String, privateKey: String? = nil, ownPassword: OwnPasswordHash? = nil) {
        self.storedPassword = storedPassword
        self.privateKey = privateKey
        self.ownPassword = ownPassword
    }
}

extension PasswordHasher {
    /// Both forms of a new password: openIMIS's with a fresh random salt (256 hex digits, as openIMIS's
    /// `token_hex(128)`), and a PBKDF2 hash fingerprinted with it.
    public func credentials(for password: String, now: Date = Date()) -> PasswordCredentials {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<128).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let stored = Self.legacyHash(password, salt: salt)
        let own = OwnPasswordHash(hash: hash(password), fingerprint: Self.fingerprint(storedPassword: stored, privateKey: salt),
                                  updatedAt: now)
        return PasswordCredentials(storedPassword: stored, privateKey: salt, ownPassword: own)
    }

    /// What ties an own hash to the openIMIS hash it was made alongside: the SHA-256 (hex) of `StoredPassword` and
    /// `PrivateKey`, so that a password changed by openIMIS is noticed without keeping a copy of its hash.
    public static func fingerprint(storedPassword: String?, privateKey: String?) -> String {
        let text = "\(storedPassword?.uppercased() ?? "")\u{0}\(privateKey ?? "")"
        return "sha256$" + SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// High-entropy secrets (refresh tokens, client secrets) and their stored form: SHA-256 is enough for a 256-bit
/// random value, and keeps the refresh and client-credential paths fast.
public enum OpaqueSecret {
    /// 32 random bytes, base64url.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The stored hash of a secret (`sha256$<hex>`).
    public static func hash(_ secret: String) -> String {
        "sha256$" + SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `secret` matches a stored hash, in constant time.
    public static func matches(_ secret: String, hash stored: String) -> Bool {
        PasswordHasher.constantTimeEqual(Data(hash(secret).utf8), Data(stored.utf8))
    }
}

/// openIMIS's password policy for new passwords: at least 8 characters with an upper-case letter, a lower-case
/// letter, a digit and a symbol.
public enum PasswordPolicy {
    public static let description = "a password needs at least 8 characters, with an upper-case letter, a lower-case letter, a digit and a symbol"

    public static func accepts(_ password: String) -> Bool {
        password.count >= 8 && password.utf8.count <= 1024
            && password.contains(where: \.isUppercase) && password.contains(where: \.isLowercase)
            && password.contains(where: \.isNumber)
            && password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace })
    }
}
