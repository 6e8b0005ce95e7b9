import Foundation

/// What the PostgreSQL backend does not store yet: OTP challenges and push tokens. Every call fails with
/// `RegistryError.invalidValue` naming the missing piece (the routes answer a server error); nothing is silently
/// dropped.
struct PostgresNotYetSupported: OTPChallengeStore, PushTokenStore {
    static func refuse(_ what: String) -> RegistryError {
        .invalidValue("\(what) are not stored on PostgreSQL yet")
    }

    func createChallenge(_ challenge: OTPChallenge, limits: [OTPRateLimit]) async throws -> OTPCreation {
        throw Self.refuse("OTP challenges")
    }
    func challenge(id: String) async throws -> OTPChallenge? { throw Self.refuse("OTP challenges") }
    func recentChallenges(_ key: OTPRateKey, since: Date) async throws -> [Date] { throw Self.refuse("OTP challenges") }
    func recordAttempt(id: String, purpose: OTPPurpose, now: Date) async throws -> OTPChallenge? {
        throw Self.refuse("OTP challenges")
    }
    func replaceCode(id: String, codeMAC: String, now: Date, expiresAt: Date, maxResends: Int,
                     minimumInterval: TimeInterval, createdAfter: Date) async throws -> OTPResend {
        throw Self.refuse("OTP challenges")
    }
    func consumeRegistration(id: String, codeMAC: String, now: Date, role: String,
                             makeUser: (Insuree) -> NewUser) async throws -> UserAccount? {
        throw Self.refuse("OTP challenges")
    }
    func consumeLogin(id: String, codeMAC: String, now: Date,
                      makeToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount? {
        throw Self.refuse("OTP challenges")
    }
    func purgeChallenges(createdBefore cutoff: Date) async throws { throw Self.refuse("OTP challenges") }

    func savePushToken(_ token: String, userID: Int64, now: Date) async throws { throw Self.refuse("push tokens") }
    func deletePushToken(_ token: String, userID: Int64) async throws -> Bool { throw Self.refuse("push tokens") }
    func deletePushToken(_ token: String) async throws { throw Self.refuse("push tokens") }
    func pushTokens(userID: Int64) async throws -> [PushToken] { throw Self.refuse("push tokens") }
}
