import Foundation
import IMISData

/// The OTP rules (security.md, OTP; reference §4.4), with the defaults the spec names.
public struct OTPPolicy: Sendable, Hashable {
    /// How long a code is accepted (5 minutes).
    public var codeLifetime: TimeInterval
    /// Verification attempts per challenge (5); the attempt after the last is refused even with the right code.
    public var maxAttempts: Int
    /// Resends per challenge (3).
    public var maxResends: Int
    /// Least time between two sends of one challenge (60 s).
    public var resendInterval: TimeInterval
    /// New challenges per destination, and per subject (the CHFID or username asked for), per window (5).
    public var perDestinationLimit: Int
    /// New challenges per client IP per window (5).
    public var perClientLimit: Int
    /// The window of those limits (1 hour).
    public var limitWindow: TimeInterval
    /// The role of users created by registration (`insuree`, created without rights when missing).
    public var insureeRole: String
    /// The `channel` every sign-in answer names, whatever the user's contacts (so that it says nothing about them).
    public var loginChannel: ContactChannel

    public init(codeLifetime: TimeInterval = 300, maxAttempts: Int = 5, maxResends: Int = 3,
                resendInterval: TimeInterval = 60, perDestinationLimit: Int = 5, perClientLimit: Int = 5,
                limitWindow: TimeInterval = 3600, insureeRole: String = "insuree", loginChannel: ContactChannel = .sms) {
        self.codeLifetime = codeLifetime
        self.maxAttempts = maxAttempts
        self.maxResends = maxResends
        self.resendInterval = resendInterval
        self.perDestinationLimit = perDestinationLimit
        self.perClientLimit = perClientLimit
        self.limitWindow = limitWindow
        self.insureeRole = insureeRole
        self.loginChannel = loginChannel
    }
}

/// The texts of OTP messages. The code is passed in and goes nowhere else.
public struct OTPMessages: Sendable {
    /// E-mail subject and push title.
    public var subject: String
    /// The text, from the code, its lifetime in minutes and the purpose.
    public var text: @Sendable (_ code: String, _ minutes: Int, _ purpose: OTPPurpose) -> String

    public init(subject: String = "Your openIMIS verification code",
                text: @escaping @Sendable (_ code: String, _ minutes: Int, _ purpose: OTPPurpose) -> String = OTPMessages.standardText) {
        self.subject = subject
        self.text = text
    }

    @Sendable public static func standardText(_ code: String, _ minutes: Int, _ purpose: OTPPurpose) -> String {
        let action = purpose == .register ? "registration" : "sign-in"
        return "Your openIMIS \(action) code is \(code). It expires in \(minutes) minutes. "
            + "If you did not ask for it, ignore this message and do not share the code."
    }
}

/// Where a challenge was started: the 202 answer of `POST /auth/otp` and `/auth/otp/resend` (api.md §2).
/// The same for every request of a kind, whether or not the insuree exists or the details match.
public struct OTPStart: Sendable, Hashable, Codable {
    public var otpID: String
    /// Seconds the code is valid.
    public var expiresIn: Int
    /// The channel named to the client (see `OTPService` for what it does and does not say).
    public var channel: ContactChannel
    /// Seconds before a resend is accepted.
    public var resendAfter: Int

    enum CodingKeys: String, CodingKey {
        case otpID = "otp_id", expiresIn = "expires_in", channel, resendAfter = "resend_after"
    }

    public init(otpID: String, expiresIn: Int, channel: ContactChannel, resendAfter: Int) {
        self.otpID = otpID
        self.expiresIn = expiresIn
        self.channel = channel
        self.resendAfter = resendAfter
    }
}

/// Why an OTP request failed, mapped to an RFC 6749 error (§5.2) by the HTTP layer. Every verification failure
/// is `invalidGrant`, with one description, so that the answer says nothing about why.
public enum OTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A missing or malformed parameter (`invalid_request`, 400).
    case invalidRequest(String)
    /// Unknown, expired, used or dead challenge, wrong code, a decoy (`invalid_grant`, 400).
    case invalidGrant
    /// Too many new challenges for this destination, subject or client (`slow_down`, 429 + `Retry-After`).
    case rateLimited(retryAfter: Int)
    /// A resend sooner than `resendAfter` seconds after the last send (`slow_down`, 429 + `Retry-After`).
    case resendTooSoon(retryAfter: Int)
    /// The challenge has had all its resends (`slow_down`, 429): start a new one.
    case resendLimitReached
    /// The code was right but the username is taken; the challenge stays usable (`invalid_request`, 400).
    case usernameTaken

    /// The RFC 6749 `error` code.
    public var oauthError: String {
        switch self {
        case .invalidRequest, .usernameTaken: return "invalid_request"
        case .invalidGrant: return "invalid_grant"
        case .rateLimited, .resendTooSoon, .resendLimitReached: return "slow_down"
        }
    }

    /// The HTTP status.
    public var httpStatus: Int {
        switch self {
        case .invalidRequest, .usernameTaken, .invalidGrant: return 400
        case .rateLimited, .resendTooSoon, .resendLimitReached: return 429
        }
    }

    /// Seconds for `Retry-After`, when waiting helps.
    public var retryAfter: Int? {
        switch self {
        case .rateLimited(let seconds), .resendTooSoon(let seconds): return seconds
        default: return nil
        }
    }

    /// The `error_description`: fixed texts, never a code, a contact or a reason a verification failed.
    public var errorDescription: String {
        switch self {
        case .invalidRequest(let parameter): return "missing or invalid parameter: \(parameter)"
        case .invalidGrant: return "the code is invalid or has expired"
        case .rateLimited: return "too many codes requested; try again later"
        case .resendTooSoon: return "a new code can be sent a little later"
        case .resendLimitReached: return "no more codes can be sent for this request; start again"
        case .usernameTaken: return "this username is taken; choose another one"
        }
    }

    public var description: String { "\(oauthError): \(errorDescription)" }
}
