import Foundation

/// OTP challenges in the database, so that every server instance sees the same attempts, resends and limits.
///
/// Every state change is one conditional statement (or one transaction), so that concurrent requests cannot use a
/// code twice, exceed the attempts or skip a limit.
public protocol OTPChallengeStore: Sendable {
    /// Stores `challenge` unless one of `limits` is reached, checking and inserting in one transaction.
    func createChallenge(_ challenge: OTPChallenge, limits: [OTPRateLimit]) async throws -> OTPCreation
    /// A challenge by id.
    func challenge(id: String) async throws -> OTPChallenge?
    /// When the challenges counted under `key` and created after `since` were created, oldest first.
    func recentChallenges(_ key: OTPRateKey, since: Date) async throws -> [Date]
    /// Counts one verification attempt, before the code is compared: increments `attempts` when the challenge is
    /// for `purpose`, unconsumed, unexpired at `now` and below its attempt limit, and answers the challenge as it
    /// is then; nil (and nothing counted) otherwise. A wrong code therefore costs an attempt however many
    /// requests race, and the attempt after the last allowed one is refused whatever the code.
    func recordAttempt(id: String, purpose: OTPPurpose, now: Date) async throws -> OTPChallenge?
    /// Replaces the code and resets the expiry, when the challenge is live (unconsumed, attempts left, created
    /// after `createdAfter`), has resends left and the last send is at least `minimumInterval` old.
    func replaceCode(id: String, codeMAC: String, now: Date, expiresAt: Date, maxResends: Int,
                     minimumInterval: TimeInterval, createdAfter: Date) async throws -> OTPResend
    /// Consumes a registration challenge whose code MAC is `codeMAC` and, in the same transaction, creates the
    /// user `makeUser` builds from the insuree (getting or creating the role `role`) and writes the contacts
    /// supplied at registration onto the insuree (a new version of its row). Nil when the challenge cannot be
    /// consumed (used, expired, dead, a decoy, a replaced code, the insuree gone); `RegistryError.conflict`
    /// (and nothing consumed) when the login name is taken or the insuree already has a user.
    func consumeRegistration(id: String, codeMAC: String, now: Date, role: String,
                             makeUser: (Insuree) -> NewUser) async throws -> UserAccount?
    /// Consumes a sign-in challenge whose code MAC is `codeMAC` and, in the same transaction, stores the refresh
    /// token `makeToken` issues for its user. Nil when the challenge cannot be consumed or the user is gone.
    func consumeLogin(id: String, codeMAC: String, now: Date,
                      makeToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount?
    /// Deletes challenges created before `cutoff` (they no longer count for any limit).
    func purgeChallenges(createdBefore cutoff: Date) async throws
}

/// The FCM registration tokens of users' devices.
public protocol PushTokenStore: Sendable {
    /// Stores `token` for `userID` (a token it already has is renewed); true then. A token another user registered
    /// stays with that user, untouched, and the answer is false: an FCM token names a device, and a caller cannot
    /// prove it holds the device, so a second account never takes a token over.
    func savePushToken(_ token: String, userID: Int64, now: Date) async throws -> Bool
    /// Deletes `token` when it belongs to `userID`; false when it does not.
    func deletePushToken(_ token: String, userID: Int64) async throws -> Bool
    /// Deletes `token` whoever it belongs to (FCM reported it unregistered).
    func deletePushToken(_ token: String) async throws
    /// The tokens of `userID`, oldest first.
    func pushTokens(userID: Int64) async throws -> [PushToken]
}
