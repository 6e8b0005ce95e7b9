import Crypto
import Foundation
import IMISData
import Logging
import Membership

/// The membership side of the server as the HTTP layer uses it: token issuing and verification, and the stores
/// behind the membership routes.
public struct AuthServices: Sendable {
    public var tokens: TokenService
    public var accounts: any AccountStore
    public var registry: any RegistryStore
    public var insurance: any InsuranceStore
    /// The insurer's name on membership cards.
    public var insurerName: String
    /// Where openIMIS keeps insuree photos (`tblPhotos.PhotoFolder`/`PhotoFileName` are relative to it).
    public var photoRoot: String?
    /// OTP self-registration and sign-in by code.
    public var otp: OTPService
    /// Devices' FCM registration tokens.
    public var pushTokens: any PushTokenStore
    /// Messages sent, for developers (`MODE=DEV` only; nil otherwise).
    public var outbox: DevelopmentOutbox?
    /// What the mobile app's configuration document takes from the deployment.
    public var app = MembershipAppSettings()
    /// Self-enrolments (nil on a store without them).
    public var enrolments: (any EnrolmentStore)?
    /// Self-enrolment settings: payment lifetime, limits, PayPal.
    public var enrolment = EnrolmentSettings()
    /// Messages to people after a write commits (push notifications of activated policies and adjudicated claims).
    public var notifier: Notifier?

    public init(tokens: TokenService, accounts: any AccountStore, registry: any RegistryStore, insurance: any InsuranceStore,
                otp: OTPService, pushTokens: any PushTokenStore, outbox: DevelopmentOutbox?,
                insurerName: String = "openIMIS", photoRoot: String? = nil) {
        self.tokens = tokens
        self.accounts = accounts
        self.registry = registry
        self.insurance = insurance
        self.otp = otp
        self.pushTokens = pushTokens
        self.outbox = outbox
        self.insurerName = insurerName
        self.photoRoot = photoRoot
    }

    /// The services over an SQLite database.
    /// The services over an SQLite database (see ``over(_:signer:settings:passwords:otpSecret:otpPolicy:notifier:outbox:photoRoot:logger:clock:)``).
    public static func sqlite(database: IMISDatabase, signer: JWTSigner, settings: TokenSettings,
                              passwords: PasswordHasher = PasswordHasher(), otpSecret: [UInt8],
                              otpPolicy: OTPPolicy = OTPPolicy(), notifier: Notifier? = nil,
                              outbox: DevelopmentOutbox? = nil, photoRoot: String? = nil,
                              logger: Logger = Logger(label: "imis.membership"),
                              clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
        over(.sqlite(database), signer: signer, settings: settings, passwords: passwords, otpSecret: otpSecret,
             otpPolicy: otpPolicy, notifier: notifier, outbox: outbox, photoRoot: photoRoot, logger: logger, clock: clock)
    }
}
