import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers

/// The SQLite database of the registry: a GRDB `DatabasePool` on a file (WAL, `synchronous=FULL`, busy timeout)
/// or a `DatabaseQueue` in memory for tests.
///
/// `read` is synchronous on purpose: a request handler calls it directly and pays a few microseconds for a point
/// lookup instead of an async hop per query (see the performance notes). `write` runs synchronously too once the
/// writer is free; it is `async` so that waiting for the writer (held by another write or by a unit of work, see
/// ``unitOfWork(_:)``) suspends the task instead of blocking a thread.
public final class IMISDatabase: Sendable {
    /// The GRDB connection(s); other modules may register their own migrations on it.
    public let writer: any DatabaseWriter
    /// Where the database lives (`":memory:"` for an in-memory one).
    public let path: String
    private let logger: Logger
    /// Every write, and every unit of work for its whole length, holds it.
    let lease = WriterLease()
    /// Subscription events written in the transaction of the change (see ``WriteOutbox``).
    public let outbox = WriteOutbox()
    /// Units of work that may share one commit (see ``CommitGroup``); 1: each commits alone.
    public let commitGroupLimit: Int
    /// The commit group whose transaction is open on the writer, if any; used by the lease's holder.
    let openGroup = NIOLockedValueBox<CommitGroup?>(nil)
    /// Table → its lower-cased column names (`nil`: no such table), as looked up; forgotten when ``migrate()`` runs.
    private let columnCache = NIOLockedValueBox<[String: Set<String>?]>([:])

    private init(writer: any DatabaseWriter, path: String, logger: Logger, commitGroupLimit: Int) {
        self.writer = writer
        self.commitGroupLimit = max(1, commitGroupLimit)
        self.path = path
        self.logger = logger
    }

    /// The connection settings every connection gets.
    static func configuration(label: String, cacheKiB: Int, mmapBytes: Int = 0) -> Configuration {
        var config = Configuration()
        config.label = label
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        // A unit of work keeps its transaction open on the writer across several accesses (the readers of a
        // pool never allow it); the writer lease keeps every other write out meanwhile.
        config.allowsUnsafeTransactions = true
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

    /// How many units of work may share one commit by default (`DB_COMMIT_GROUP_MAX`).
    public static let defaultCommitGroupLimit = 32

    /// Opens (creating if needed) the SQLite file at `path`. Call `migrate()` before use. Up to
    /// `commitGroupLimit` units of work waiting for the writer share one commit (see ``CommitGroup``).
    public static func open(path: String, logger: Logger = Logger(label: "imis.database"),
                            commitGroupLimit: Int = defaultCommitGroupLimit) throws -> IMISDatabase {
        // A 16 MiB page cache per connection and no memory map: a map of the file shows up in the server's RSS
        // page by page (a million insurees: 350 MB after a few name searches), while the page caches are
        // bounded (writer + readers). Point lookups and identifier searches measured no slower; the OS page
        // cache still holds the file.
        var config = configuration(label: "imis", cacheKiB: 16_384)
        config.maximumReaderCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        let pool = try DatabasePool(path: path, configuration: config)
        logger.debug("opened database", metadata: ["journal": "wal", "synchronous": "full"])
        return IMISDatabase(writer: pool, path: path, logger: logger, commitGroupLimit: commitGroupLimit)
    }

    /// A fresh private in-memory database (one connection), for tests and throw-away runs. With one connection,
    /// reads of other tasks made while a unit of work is open see its uncommitted writes; units of work commit
    /// one by one (nothing to gain from sharing a commit that never reaches a disk).
    public static func inMemory(logger: Logger = Logger(label: "imis.database")) throws -> IMISDatabase {
        let queue = try DatabaseQueue(configuration: configuration(label: "imis-memory", cacheKiB: 65_536))
        return IMISDatabase(writer: queue, path: ":memory:", logger: logger, commitGroupLimit: 1)
    }

    /// Runs the pending schema migrations (tables, indexes, reference data); safe to call on every start.
    public func migrate() throws {
        let migrator = RegistryMigrations.migrator
        let pending = try writer.read { db in try migrator.hasCompletedMigrations(db) == false }
        try migrator.migrate(writer)
        try writeBlocking { db in try RegistryMigrations.ensureIndexes(db) }
        columnCache.withLockedValue { $0 = [:] }
        if pending { logger.debug("database migrated", metadata: ["path": "\(path)"]) }
    }

    /// The lower-cased column names of `table`, `nil` when the database has no such table. Read once per table
    /// (the schema changes only by ``migrate()``, which forgets them): asked on every signed-in request.
    func columnNames(_ table: String) throws -> Set<String>? {
        if let cached = columnCache.withLockedValue({ $0[table] }) { return cached }
        let names = try readStatement { db -> Set<String>? in
            try db.tableExists(table) ? Set(try db.columns(in: table).map { $0.name.lowercased() }) : nil
        }
        columnCache.withLockedValue { $0[table] = .some(names) }
        return names
    }

    /// Runs `body` in a read-only snapshot, synchronously. Inside a unit of work of this database, on the unit's
    /// connection: the reads see its writes.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        let recorder = ReadRecorder.current
        if isInUnitOfWork { return try onWriter { db in try ReadRecorder.carrying(recorder) { try body(db) } } }
        let statistics = PoolStatistics.sqlite
        let asked = statistics.asking()
        var acquired = false
        defer { if acquired { statistics.released() } else { statistics.failed() } }
        let spans = StatementSpans.current
        return try writer.read { db in
            acquired = true
            statistics.acquired(since: asked)
            return try Self.tracing(db, spans) { db in try ReadRecorder.carrying(recorder) { try body(db) } }
        }
    }

    /// Runs a lookup made of a single statement, without a transaction around it (a statement is atomic on its
    /// own). Inside a unit of work of this database, on the unit's connection.
    func readStatement<T>(_ body: (Database) throws -> T) throws -> T {
        let recorder = ReadRecorder.current
        if isInUnitOfWork { return try onWriter { db in try ReadRecorder.carrying(recorder) { try body(db) } } }
        let statistics = PoolStatistics.sqlite
        let asked = statistics.asking()
        var acquired = false
        defer { if acquired { statistics.released() } else { statistics.failed() } }
        let spans = StatementSpans.current
        return try writer.unsafeRead { db in
            acquired = true
            statistics.acquired(since: asked)
            return try Self.tracing(db, spans) { db in try ReadRecorder.carrying(recorder) { try body(db) } }
        }
    }

    /// Runs `body` in a write transaction; the transaction rolls back if `body` throws. Waits (suspended) while
    /// another write or a unit of work holds the writer. Inside a unit of work of this database, `body` runs in a
    /// savepoint of the unit's transaction and commits with it.
    public func write<T>(_ body: (Database) throws -> T) async throws -> T {
        if isInUnitOfWork { return try inSavepoint(body) }
        await lease.acquire()
        defer { lease.release() }
        commitOpenGroup()
        return try writeNow(body)
    }

    /// ``write(_:)`` for setup code that is not async (loading a dataset, migrations, tests): waits for the writer
    /// by blocking the calling thread. Request handling uses ``write(_:)``.
    public func writeBlocking<T>(_ body: (Database) throws -> T) throws -> T {
        if isInUnitOfWork { return try inSavepoint(body) }
        lease.acquireBlocking()
        defer { lease.release() }
        commitOpenGroup()
        return try writeNow(body)
    }

    /// Whether the running task is inside a unit of work of this database.
    var isInUnitOfWork: Bool { UnitOfWork.current?.isOwned(by: self) ?? false }

    // Synchronous calls of GRDB (in an async function, the compiler would pick GRDB's async overloads).

    func onWriter<T>(_ body: (Database) throws -> T) throws -> T {
        let spans = StatementSpans.current
        return try writer.writeWithoutTransaction { db in try Self.tracing(db, spans, body) }
    }

    private func writeNow<T>(_ body: (Database) throws -> T) throws -> T {
        guard let spans = StatementSpans.current else { return try writer.write(body) }
        // Traced: the transaction is opened and committed inside the tracing, so that its COMMIT is measured too.
        return try writer.writeWithoutTransaction { db in
            try Self.tracing(db, spans) { db in
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "no result") }
                return result
            }
        }
    }

    /// Runs `body` on `db`; with `spans` (a traced request), every statement it runs is recorded there as it ends.
    static func tracing<T>(_ db: Database, _ spans: StatementSpans?, _ body: (Database) throws -> T) throws -> T {
        guard let spans else { return try body(db) }
        let began = Date()
        db.trace(options: .profile) { event in
            if case .profile(let statement, let duration) = event {
                spans.record(sql: statement.sql, system: "sqlite", duration: duration, notBefore: began)
            }
        }
        defer { db.trace(options: []) }
        return try body(db)
    }

    private func inSavepoint<T>(_ body: (Database) throws -> T) throws -> T {
        try onWriter { db in
            var result: T?
            try db.inSavepoint {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}
