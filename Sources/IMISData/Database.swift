import Foundation
import GRDB
import Logging

/// The SQLite database of the registry: a GRDB `DatabasePool` on a file (WAL, `synchronous=FULL`, busy timeout)
/// or a `DatabaseQueue` in memory for tests.
///
/// `read` and `write` are synchronous on purpose: a request handler calls them directly and pays a few
/// microseconds for a point lookup instead of an async hop per query (see the performance notes).
public final class IMISDatabase: Sendable {
    /// The GRDB connection(s); other modules may register their own migrations on it.
    public let writer: any DatabaseWriter
    /// Where the database lives (`":memory:"` for an in-memory one).
    public let path: String
    private let logger: Logger

    private init(writer: any DatabaseWriter, path: String, logger: Logger) {
        self.writer = writer
        self.path = path
        self.logger = logger
    }

    /// The connection settings every connection gets.
    static func configuration(label: String, cacheKiB: Int, mmapBytes: Int = 0) -> Configuration {
        var config = Configuration()
        config.label = label
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            db.add(function: NameFolding.sqlFunction)
            // WAL with synchronous=FULL: a committed transaction survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Memory-mapped reads skip a read() system call per page.
            if mmapBytes > 0 { try db.execute(sql: "PRAGMA mmap_size = \(mmapBytes)") }
        }
        return config
    }

    /// Opens (creating if needed) the SQLite file at `path`. Call `migrate()` before use.
    public static func open(path: String, logger: Logger = Logger(label: "imis.database")) throws -> IMISDatabase {
        // A 16 MiB page cache per connection and no memory map: a map of the file shows up in the server's RSS
        // page by page (a million insurees: 350 MB after a few name searches), while the page caches are
        // bounded (writer + readers). Point lookups and identifier searches measured no slower; the OS page
        // cache still holds the file.
        var config = configuration(label: "imis", cacheKiB: 16_384)
        config.maximumReaderCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        let pool = try DatabasePool(path: path, configuration: config)
        logger.debug("opened database", metadata: ["journal": "wal", "synchronous": "full"])
        return IMISDatabase(writer: pool, path: path, logger: logger)
    }

    /// A fresh private in-memory database (one connection), for tests and throw-away runs.
    public static func inMemory(logger: Logger = Logger(label: "imis.database")) throws -> IMISDatabase {
        let queue = try DatabaseQueue(configuration: configuration(label: "imis-memory", cacheKiB: 65_536))
        return IMISDatabase(writer: queue, path: ":memory:", logger: logger)
    }

    /// Runs the pending schema migrations (tables, indexes, reference data); safe to call on every start.
    public func migrate() throws {
        let migrator = RegistryMigrations.migrator
        let pending = try writer.read { db in try migrator.hasCompletedMigrations(db) == false }
        try migrator.migrate(writer)
        try writer.write { db in try RegistryMigrations.ensureIndexes(db) }
        if pending { logger.debug("database migrated", metadata: ["path": "\(path)"]) }
    }

    /// Runs `body` in a read-only snapshot, synchronously.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        let recorder = ReadRecorder.current
        return try writer.read { db in try ReadRecorder.carrying(recorder) { try body(db) } }
    }

    /// Runs `body` in a write transaction, synchronously; the transaction rolls back if `body` throws.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.write(body)
    }
}
