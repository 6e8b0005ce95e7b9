import Foundation
import Logging
import ServiceLifecycle

/// Where the storage is, per engine (`DB_ENGINE`), and what to do when opening it.
public enum StorageSettings: Sendable {
    /// An SQLite file of this project.
    case sqlite(path: String, options: StorageOptions)
    /// A PostgreSQL database: the project's own, or openIMIS's served as it is (`migrate` off).
    case postgresql(PostgresSettings, options: StorageOptions)

    /// The options of either engine.
    public var options: StorageOptions {
        switch self {
        case .sqlite(_, let options), .postgresql(_, let options): return options
        }
    }
}

/// What opening the storage does besides connecting.
public struct StorageOptions: Sendable, Hashable {
    /// Create or upgrade the schema (`DJANGO_MIGRATE`).
    public var migrate: Bool
    /// Load the demo dataset when the database has none (`DEMO_DATASET`). A PostgreSQL database served as it is
    /// (`migrate` off) is never written to.
    public var demoDataset: Bool
    /// SQLite: how many write transactions waiting for the writer may share one commit (`DB_COMMIT_GROUP_MAX`;
    /// 1: each commits alone).
    public var commitGroupLimit: Int

    /// Options; by default the schema is migrated and no demo dataset loaded.
    public init(migrate: Bool = true, demoDataset: Bool = false,
                commitGroupLimit: Int = IMISDatabase.defaultCommitGroupLimit) {
        self.migrate = migrate
        self.demoDataset = demoDataset
        self.commitGroupLimit = commitGroupLimit
    }
}

/// Storage opened from ``StorageSettings``: the stores, the services that must run while they are used (the
/// PostgreSQL connection pool), and the preparation that runs once those services run.
public struct OpenedStorage: Sendable {
    /// The stores.
    public let storage: Storage
    /// Long-running parts to run beside whatever uses the storage (none for SQLite).
    public let services: [any Service]
    /// The database, for messages: the SQLite file's path, or `PostgreSQL database NAME`.
    public let name: String
    let prepareStep: @Sendable () async throws -> Void
    let demoStep: @Sendable () async throws -> Bool
    let syntheticStep: @Sendable (Int, UInt64, Bool, (@Sendable (Int, Int) -> Void)?) async throws -> SyntheticLoadSummary

    /// Migrates and loads the demo dataset as the options ask, once the services run (SQLite did both when
    /// opening, so that they are done before anything else reads the file).
    public func prepare() async throws {
        try await prepareStep()
    }

    /// Loads the demo dataset when the database has none; whether it did.
    @discardableResult
    public func loadDemoDataset() async throws -> Bool {
        try await demoStep()
    }

    /// Generates `families` synthetic families (``SyntheticData``) for a `seed`, with policies, contributions and
    /// claims when `insurance` (``SyntheticInsurance``); `progress` hears of each batch.
    public func generateSyntheticData(families: Int, seed: UInt64, insurance: Bool = false,
                                      progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> SyntheticLoadSummary {
        try await syntheticStep(families, seed, insurance, progress)
    }

    /// Runs `body` with the services running; they stop when it returns (a command that is not a server).
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

extension Storage {
    /// Opens the storage `settings` name. An SQLite file is opened, migrated and given the demo dataset here;
    /// a PostgreSQL database connects when its pool runs (``OpenedStorage/services``), and is migrated and given
    /// the demo dataset by ``OpenedStorage/prepare()``; `demoDatasetLoaded` is called when the options' demo
    /// dataset has been loaded. `logger` is the database's.
    public static func open(_ settings: StorageSettings, logger: Logger,
                            demoDatasetLoaded: @escaping @Sendable () -> Void = {}) throws -> OpenedStorage {
        let options = settings.options
        switch settings {
        case .sqlite(let path, _):
            let database = try IMISDatabase.open(path: path, logger: logger, commitGroupLimit: options.commitGroupLimit)
            if options.migrate { try database.migrate() }
            @Sendable func loadDemo() throws -> Bool {
                guard !(try DemoDataset.isLoaded(in: database)) else { return false }
                try DemoDataset.load(into: database)
                return true
            }
            if options.demoDataset, try loadDemo() { demoDatasetLoaded() }
            return OpenedStorage(
                storage: .sqlite(database), services: [], name: database.path, prepareStep: {}, demoStep: { try loadDemo() },
                syntheticStep: { families, seed, insurance, progress in
                    try SyntheticData.generate(families: families, seed: seed, into: database, insurance: insurance,
                                               progress: progress)
                })
        case .postgresql(let postgres, _):
            let database = IMISPostgres(settings: postgres, logger: logger)
            @Sendable func loadDemo() async throws -> Bool {
                guard try await database.isEmpty() else { return false }
                let sqlite = try IMISDatabase.inMemory()
                try sqlite.migrate()
                try DemoDataset.load(into: sqlite)
                try await database.copyRows(from: sqlite)
                return true
            }
            return OpenedStorage(
                storage: .postgres(database), services: [database], name: "PostgreSQL database \(postgres.database)",
                prepareStep: {
                    if options.migrate { try await database.migrate() }
                    if options.demoDataset, options.migrate, try await loadDemo() { demoDatasetLoaded() }
                    database.changeFeed.start()
                },
                demoStep: { try await loadDemo() },
                syntheticStep: { families, seed, insurance, progress in
                    try await SyntheticData.generate(families: families, seed: seed, into: database, insurance: insurance,
                                                     progress: progress)
                })
        }
    }
}
