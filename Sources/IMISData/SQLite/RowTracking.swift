import Foundation
import GRDB

/// A row of a registry table as SQLite names it (table, rowid), or every row of the table.
///
/// Caches of things rendered from rows (a Patient shows its insuree, family, head, villages, facility) record
/// the keys they read with ``ReadRecorder`` and drop an entry when ``IMISDatabase/observeCommittedChanges(_:)``
/// reports a change to one of them.
public struct RowKey: Hashable, Sendable {
    /// The table name (`tblInsuree`).
    public var table: String
    /// The rowid (the integer primary key of the openIMIS tables); nil stands for any row of the table: what a
    /// query over a set of rows (members of a family, a search) depends on.
    public var rowID: Int64?

    public init(table: String, rowID: Int64?) {
        self.table = table
        self.rowID = rowID
    }

    /// The key of a stored record's row; nil before its first insert or for a type not stored in SQLite.
    public static func of<R: VersionedRecord>(_ record: R) -> RowKey? {
        guard let mapped = R.self as? any VersionedTableRecord.Type, let id = record.id else { return nil }
        return RowKey(table: mapped.sql.table, rowID: id)
    }
}

/// Collects the rows that the store's reads touch while it is the task's ``current`` recorder.
///
/// Point lookups by key record that row (also when it is missing: a row inserted later under that key
/// matters); lookups by UUID or code record the row found, or the whole table when none is; queries over sets
/// of rows record the whole table.
public final class ReadRecorder: @unchecked Sendable {
    /// The recorder of the running task, if any.
    @TaskLocal public static var current: ReadRecorder?

    private let lock = NSLock()
    private var keys: Set<RowKey> = []

    public init() {}

    /// Everything recorded so far.
    public var rows: Set<RowKey> { lock.withLock { keys } }

    func record(_ key: RowKey) {
        _ = lock.withLock { keys.insert(key) }
    }

    /// Records `table`/`rowID` with the task's recorder, if there is one.
    static func note(_ table: String, _ rowID: Int64?) {
        current?.record(RowKey(table: table, rowID: rowID))
    }

    /// Runs `body` with `recorder` current: a database access may run its closure on another thread than the
    /// caller's, where the caller's task-local value is not visible.
    static func carrying<T>(_ recorder: ReadRecorder?, _ body: () throws -> T) rethrows -> T {
        guard let recorder else { return try body() }
        return try $current.withValue(recorder) { try body() }
    }
}

/// The rows one committed write transaction inserted, updated or deleted.
public struct CommittedChanges: Sendable {
    /// Changed rows.
    public var rows: Set<RowKey>
    /// Tables changed in bulk (more rows than are worth listing): every row of them counts as changed.
    public var tables: Set<String>

    public init(rows: Set<RowKey> = [], tables: Set<String> = []) {
        self.rows = rows
        self.tables = tables
    }

    public var isEmpty: Bool { rows.isEmpty && tables.isEmpty }

    /// Whether something that read `key` may now read something else.
    public func affects(_ key: RowKey) -> Bool {
        if tables.contains(key.table) { return true }
        if key.rowID == nil { return rows.contains { $0.table == key.table } }
        return rows.contains(key)
    }
}

/// Turns SQLite's change notifications on the writer connection into one ``CommittedChanges`` per commit.
/// Runs on the writer's queue only (GRDB serializes the callbacks).
final class CommitObserver: TransactionObserver, @unchecked Sendable {
    /// Past this many rows in one transaction, changes are reported per table.
    static let rowLimit = 10_000

    private let handler: @Sendable (CommittedChanges) -> Void
    private var pending = CommittedChanges()
    private var tableNames: [String: String] = [:]

    init(_ handler: @escaping @Sendable (CommittedChanges) -> Void) { self.handler = handler }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }

    func databaseDidChange(with event: DatabaseEvent) {
        // One String per table, not one per event.
        let name = event.tableName
        let table = tableNames[name] ?? { tableNames[name] = name; return name }()
        if pending.tables.contains(table) { return }
        pending.rows.insert(RowKey(table: table, rowID: event.rowID))
        if pending.rows.count > Self.rowLimit {
            pending.tables.formUnion(pending.rows.map(\.table))
            pending.rows.removeAll()
        }
    }

    func databaseDidCommit(_ db: Database) {
        let changes = pending
        pending = CommittedChanges()
        if !changes.isEmpty { handler(changes) }
    }

    func databaseDidRollback(_ db: Database) {
        pending = CommittedChanges()
    }
}

extension IMISDatabase {
    /// Calls `handler` after every committed write of this database's writer connection, on the writer's
    /// queue before the write returns, with the rows the transaction changed. Writes made by another process
    /// on the same file are not seen.
    public func observeCommittedChanges(_ handler: @escaping @Sendable (CommittedChanges) -> Void) {
        writer.add(transactionObserver: CommitObserver(handler), extent: .databaseLifetime)
    }
}
