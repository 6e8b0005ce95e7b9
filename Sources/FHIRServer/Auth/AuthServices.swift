import Foundation
import IMISData
import Membership

/// The membership side of the server as the HTTP layer uses it: token issuing and verification, and the stores
/// behind the membership routes.
public struct AuthServices: Sendable {
    public var tokens: TokenService
    public var accounts: any AccountStore
    public var registry: any RegistryStore

    public init(tokens: TokenService, accounts: any AccountStore, registry: any RegistryStore) {
        self.tokens = tokens
        self.accounts = accounts
        self.registry = registry
    }

    /// The services over an SQLite database.
    public static func sqlite(database: IMISDatabase, signer: JWTSigner, settings: TokenSettings,
                              passwords: PasswordHasher = PasswordHasher(),
                              clock: @escaping @Sendable () -> Date = { Date() }) -> AuthServices {
        let accounts = SQLiteAccountStore(database: database)
        let registry = SQLiteRegistryStore(database: database)
        let tokens = TokenService(accounts: accounts, registry: registry, signer: signer, settings: settings,
                                  passwords: passwords, clock: clock)
        return AuthServices(tokens: tokens, accounts: accounts, registry: registry)
    }
}
