import Crypto
import Foundation
import IMISData
import Testing

@testable import Membership

/// A new password in both forms: openIMIS's (so openIMIS signs the user in) and the project's own stronger hash.
struct PasswordCredentialsTests {
    @Test func newCredentialsAreInOpenIMISsFormWithAFreshSaltAndAFingerprintedOwnHash() throws {
        let hasher = PasswordHasher.forTesting()
        let first = hasher.credentials(for: "Secret-pass-1 ")
        let second = hasher.credentials(for: "Secret-pass-1 ")
        let salt = try #require(first.privateKey)
        // openIMIS: token_hex(128) as the salt; upper-case hex SHA-256 of the right-stripped password and the salt.
        #expect(salt.count == 256)
        #expect(salt.allSatisfy { $0.isHexDigit })
        #expect(first.privateKey != second.privateKey)
        let expected = SHA256.hash(data: Data(("Secret-pass-1" + salt).utf8)).map { String(format: "%02X", $0) }.joined()
        #expect(first.storedPassword == expected)
        let own = try #require(first.ownPassword)
        #expect(hasher.verify("Secret-pass-1 ", stored: own.hash, legacySalt: nil).matches)
        #expect(!hasher.verify("Secret-pass-2", stored: own.hash, legacySalt: nil).matches)
        #expect(own.fingerprint == PasswordHasher.fingerprint(storedPassword: first.storedPassword, privateKey: salt))
        #expect(own.fingerprint != PasswordHasher.fingerprint(storedPassword: second.storedPassword, privateKey: second.privateKey))
        #expect(own.fingerprint != PasswordHasher.fingerprint(storedPassword: first.storedPassword, privateKey: nil))
    }
}
