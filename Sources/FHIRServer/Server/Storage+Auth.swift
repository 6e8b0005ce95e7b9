import Foundation
import IMISData
import Membership

extension AuthServices {
    /// The services over `storage`, whichever engine holds it.
    public static func over(_ storage: Storage, signer: JWTSigner, settings: TokenSettings,
                            passwords: PasswordHasher = PasswordHasher(),
                            clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
        let tokens = TokenService(accounts: storage.accounts, registry: storage.store, signer: signer, settings: settings,
                                  passwords: passwords, clock: clock)
        return AuthServices(tokens: tokens, accounts: storage.accounts, registry: storage.store, insurance: storage.store)
    }
}
