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
    /// - Parameters:
    ///   - otpSecret: the server secret OTP codes are MACed with (`SECRET_KEY`).
    ///   - notifier: the delivery channels (none: messages go only to the development outbox, when there is one).
    public static func sqlite(database: IMISDatabase, signer: JWTSigner, settings: TokenSettings,
                              passwords: PasswordHasher = PasswordHasher(), otpSecret: [UInt8],
                              otpPolicy: OTPPolicy = OTPPolicy(), notifier: Notifier? = nil,
                              outbox: DevelopmentOutbox? = nil, photoRoot: String? = nil,
                              logger: Logger = Logger(label: "imis.membership"),
                              clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
        let accounts = SQLiteAccountStore(database: database)
        let registry = SQLiteRegistryStore(database: database)
        let pushTokens = SQLitePushTokenStore(database: database)
        let tokens = TokenService(accounts: accounts, registry: registry, signer: signer, settings: settings,
                                  passwords: passwords, clock: clock)
        let otp = OTPService(challenges: SQLiteOTPChallengeStore(database: database), registry: registry, accounts: accounts,
                             notifier: notifier ?? Notifier(channels: [], outbox: outbox, logger: logger),
                             secret: SymmetricKey(data: otpSecret), policy: otpPolicy, clock: RegistryClock(clock),
                             logger: logger)
        return AuthServices(tokens: tokens, accounts: accounts, registry: registry, insurance: registry, otp: otp,
                            pushTokens: pushTokens, outbox: outbox, photoRoot: photoRoot)
    }
}
