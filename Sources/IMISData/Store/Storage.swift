import Foundation

/// The storage a server runs on: the stores of one database, whichever engine holds it.
///
/// Built once at start (``sqlite(_:clock:)`` here, `PostgresStorage.make` for PostgreSQL) and handed to the
/// application; nothing above this layer knows the engine.
public struct Storage: Sendable {
    /// The database engine, as configured (`DB_ENGINE`).
    public enum Engine: String, Sendable {
        case sqlite
        case postgresql
    }

    /// The engine holding the data.
    public var engine: Engine
    /// Registry, insurance and units of work.
    public var store: any IMISStore
    /// Users, roles, clients, refresh tokens, sign-in throttling.
    public var accounts: any AccountStore
    /// OTP challenges (shared by every instance on the database).
    public var otpChallenges: any OTPChallengeStore
    /// Devices' push tokens.
    public var pushTokens: any PushTokenStore
    /// FHIR Subscriptions; nil for storage without them.
    public var subscriptions: (any SubscriptionStore)?
    /// Bulk export jobs (`$export`); nil for storage without them.
    public var exportJobs: (any ExportJobStore)?
    /// Registers a handler told of every committed write with the rows it changed, when the engine can tell
    /// (a cache of renderings is safe only then); `nil` when writes of other processes are not seen.
    public var committedChanges: (@Sendable (@escaping @Sendable (CommittedChanges) -> Void) -> Void)?
    /// Registers a handler told of the changes every writer of a shared database commits, and of when to drop
    /// everything (see ``ChangeFeedEvent``); `nil` when the engine cannot tell.
    public var changeFeed: (@Sendable (@escaping @Sendable (ChangeFeedEvent) -> Void) -> Void)?
    /// The database's transactional outbox (Subscription events written with the change); nil without one.
    public var outbox: WriteOutbox?

    /// Storage over existing stores.
    public init(engine: Engine, store: any IMISStore, accounts: any AccountStore, otpChallenges: any OTPChallengeStore,
                pushTokens: any PushTokenStore,
                committedChanges: (@Sendable (@escaping @Sendable (CommittedChanges) -> Void) -> Void)? = nil) {
        self.engine = engine
        self.store = store
        self.accounts = accounts
        self.otpChallenges = otpChallenges
        self.pushTokens = pushTokens
        self.committedChanges = committedChanges
    }

    /// The stores of an SQLite database. One process owns the file, so its commit notifications cover every write.
    public static func sqlite(_ database: IMISDatabase, clock: RegistryClock = .system) -> Storage {
        var storage = Storage(
            engine: .sqlite, store: SQLiteRegistryStore(database: database, clock: clock),
            accountSQL: SQLiteAccountSQL(database: database),
            committedChanges: { handler in database.observeCommittedChanges(handler) })
        storage.outbox = database.outbox
        return storage
    }
}
