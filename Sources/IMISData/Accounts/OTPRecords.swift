import Foundation

/// What an OTP challenge is for.
public enum OTPPurpose: String, Sendable, Hashable, Codable {
    /// Self-registration of an insuree (creates a user with the insuree role).
    case register
    /// Passwordless sign-in of an existing user.
    case login
}

/// How a code or a notification reaches a person.
public enum ContactChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Text message to a phone number.
    case sms
    /// E-mail to an address.
    case email
    /// Firebase Cloud Messaging push to a device registration token.
    case push
}

/// One OTP challenge (`imisfhir_otp_challenge`). The code itself is never stored: only its HMAC.
///
/// A *decoy* is a challenge that can never succeed: it is created, counted and answered exactly like a real one
/// when the insuree is unknown, the details do not match or the insuree already has an account, so that the
/// answer does not tell which (security.md, OTP). Nothing is sent for a decoy.
public struct OTPChallenge: Sendable, Hashable {
    /// A random UUID: the `otp_id` handed to the client.
    public var id: String
    public var purpose: OTPPurpose
    /// The insuree that registers (registration) or the user's insuree (sign-in).
    public var insureeID: Int64?
    /// The user that signs in (sign-in only).
    public var userID: Int64?
    /// The contact the code goes to (a phone number or an e-mail address); nil for a decoy without one.
    public var destination: String?
    /// The channel the code goes through.
    public var channel: ContactChannel
    /// A phone number supplied at registration, written onto the insuree only once the code is verified.
    public var newPhone: String?
    /// An e-mail address supplied at registration, written onto the insuree only once the code is verified.
    public var newEmail: String?
    /// HMAC-SHA256 (hex) of the challenge id and the current code, keyed by a server secret.
    public var codeMAC: String
    public var createdAt: Date
    /// When the current code stops being accepted.
    public var expiresAt: Date
    /// Verification attempts so far (each attempt is counted before the code is compared).
    public var attempts: Int
    /// Attempts allowed; at `attempts == maxAttempts` the challenge is dead.
    public var maxAttempts: Int
    /// Codes re-sent so far.
    public var resendCount: Int
    /// When the current code was issued.
    public var lastSentAt: Date
    /// When the challenge was used; a consumed challenge never works again.
    public var consumedAt: Date?
    /// Keyed hash of the client's IP address (per-IP limits).
    public var clientIPHash: String
    /// Keyed hash of the destination (per-destination limits).
    public var destinationHash: String
    /// Keyed hash of what was asked for (the CHFID registered, the username signing in): per-subject limits.
    public var subjectHash: String
    /// True for a challenge that can never succeed.
    public var decoy: Bool

    public init(id: String, purpose: OTPPurpose, insureeID: Int64? = nil, userID: Int64? = nil, destination: String?,
                channel: ContactChannel, newPhone: String? = nil, newEmail: String? = nil, codeMAC: String,
                createdAt: Date, expiresAt: Date, attempts: Int = 0, maxAttempts: Int, resendCount: Int = 0,
                lastSentAt: Date, consumedAt: Date? = nil, clientIPHash: String, destinationHash: String,
                subjectHash: String, decoy: Bool) {
        self.id = id
        self.purpose = purpose
        self.insureeID = insureeID
        self.userID = userID
        self.destination = destination
        self.channel = channel
        self.newPhone = newPhone
        self.newEmail = newEmail
        self.codeMAC = codeMAC
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.resendCount = resendCount
        self.lastSentAt = lastSentAt
        self.consumedAt = consumedAt
        self.clientIPHash = clientIPHash
        self.destinationHash = destinationHash
        self.subjectHash = subjectHash
        self.decoy = decoy
    }
}

/// A key new challenges are counted under, for rate limits.
public enum OTPRateKey: Sendable, Hashable {
    /// Challenges whose destination hash is one of these.
    case destination(Set<String>)
    /// Challenges for this subject hash.
    case subject(String)
    /// Challenges started from this client IP hash.
    case clientIP(String)
}

/// A rate limit on new challenges: at most `limit` for `key` created after `since` (normally `now - window`).
public struct OTPRateLimit: Sendable, Hashable {
    public var key: OTPRateKey
    public var limit: Int
    /// The start of the window (exclusive).
    public var since: Date
    /// The window's length: a challenge counted in it stops counting `window` after it was created.
    public var window: TimeInterval

    public init(key: OTPRateKey, limit: Int, since: Date, window: TimeInterval) {
        self.key = key
        self.limit = limit
        self.since = since
        self.window = window
    }
}

/// What creating a challenge did.
public enum OTPCreation: Sendable, Hashable {
    /// Stored.
    case created
    /// Not stored: a limit is reached until `retryAfter`.
    case limited(retryAfter: Date)
}

/// What a resend did.
public enum OTPResend: Sendable, Hashable {
    /// The code was replaced and the expiry reset; the challenge as it is now.
    case replaced(OTPChallenge)
    /// Unknown, consumed, or dead after too many attempts.
    case unavailable
    /// The challenge has had all its resends.
    case limitReached
    /// Too soon after the last send; possible again at `retryAfter`.
    case tooSoon(retryAfter: Date)
}

/// A device's FCM registration token (`imisfhir_push_token`); one user may have several devices.
public struct PushToken: Sendable, Hashable {
    public var token: String
    public var userID: Int64
    public var createdAt: Date

    public init(token: String, userID: Int64, createdAt: Date) {
        self.token = token
        self.userID = userID
        self.createdAt = createdAt
    }
}
