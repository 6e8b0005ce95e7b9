import Crypto
import Foundation
import IMISData
import Logging
import Membership

extension AuthServices {
    /// The services over `storage`, whichever engine holds it.
    /// - Parameters:
    ///   - otpSecret: the server secret OTP codes are MACed with (`SECRET_KEY`).
    ///   - notifier: the delivery channels (none: messages go only to the development outbox, when there is one).
    public static func over(_ storage: Storage, signer: JWTSigner, settings: TokenSettings,
                            passwords: PasswordHasher = PasswordHasher(), otpSecret: [UInt8],
                            otpPolicy: OTPPolicy = OTPPolicy(), notifier: Notifier? = nil,
                            outbox: DevelopmentOutbox? = nil, photoRoot: String? = nil,
                            logger: Logger = Logger(label: "imis.membership"),
                            clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
        let tokens = TokenService(accounts: storage.accounts, registry: storage.store, signer: signer, settings: settings,
                                  passwords: passwords, clock: clock)
        let otp = OTPService(challenges: storage.otpChallenges, registry: storage.store, accounts: storage.accounts,
                             notifier: notifier ?? Notifier(channels: [], outbox: outbox, logger: logger),
                             secret: SymmetricKey(data: otpSecret), policy: otpPolicy, clock: RegistryClock(clock),
                             logger: logger)
        var services = AuthServices(tokens: tokens, accounts: storage.accounts, registry: storage.store,
                                    insurance: storage.store, otp: otp, pushTokens: storage.pushTokens, outbox: outbox,
                                    photoRoot: photoRoot)
        services.enrolments = storage.store as? any EnrolmentStore
        services.notifier = otp.notifier
        return services
    }
}
