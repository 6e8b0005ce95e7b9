import Foundation
import GRDB

/// The few reads and writes every business workflow is written with, inside one transaction of one engine.
///
/// This is all an engine implements for the workflows (`Workflows/*.swift`): point reads, reads of the rows
/// matching ``RowPredicate`` conditions (compiled by the engine's query compiler, values always bound), the
/// versioned writes of both table models, child-row writes and a lock. Dates, instants and decimals travel as
/// the record mappings hold them (text); UUIDs are matched ignoring case.
protocol StoreTransaction: Sendable {
    /// The row with this UUID: a current one, or with `includeDeleted` also a deleted one (never a history row).
    /// With `forUpdate` the row stays locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
    /// single writer already serializes writes).
    func one<R: TableRecord>(_ type: R.Type, uuid: String, includeDeleted: Bool, forUpdate: Bool) async throws -> Versioned<R>?
    /// The current row with this integer key; `forUpdate` as for ``one(_:uuid:includeDeleted:forUpdate:)``.
    func one<R: TableRecord>(_ type: R.Type, id: Int64, forUpdate: Bool) async throws -> Versioned<R>?
    /// The current row with this business code; the newest when a code repeats.
    func one<R: TableRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>?
    /// The current rows matching every condition, in `order`, at most `limit`.
    func rows<R: TableRecord>(_ type: R.Type, where conditions: [RowPredicate], order: [RowSort],
                              limit: Int?) async throws -> [Versioned<R>]
    /// Columns of the rows of any table matching `selection`, in column order (child tables, link tables).
    func values(_ selection: ColumnSelection) async throws -> [ValuesRow]
    /// Every version of the row `id` of a legacy-versioned table: its history rows oldest first, then the row
    /// itself (current or deleted), numbered from 1; empty when there is no such row.
    func versions<R: VersionedTableRecord>(_ type: R.Type, id: Int64) async throws -> [Versioned<R>]
    /// A keyset page over the current rows of a legacy-versioned table (see ``RowQuery``).
    func search<R: VersionedTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R>
    /// A keyset page over the live rows of a history-model table: `lastUpdated` compares `DateUpdated`, the order
    /// is `DateUpdated` (or `UUID`) then `UUID`, the cursor `"<DateUpdated>|<UUID>"`.
    func searchHistory<R: HistoryTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R>

    /// Inserts a new current row at `now` (version 1).
    func insert<R: VersionedTableRecord>(_ record: R, now: Date) async throws -> Versioned<R>
    /// Versioned update of the current row `record.id`: a history copy, then the row updated in place;
    /// `RegistryError.versionMismatch` when `ifVersion` is not the current version.
    func update<R: VersionedTableRecord>(_ record: R, now: Date, ifVersion: Int?) async throws -> Versioned<R>
    /// Versioned delete of the current row `id`: a history copy, then `ValidityFrom = ValidityTo = now`.
    func delete<R: VersionedTableRecord>(_ type: R.Type, id: Int64, now: Date, auditUserID: Int64) async throws -> Versioned<R>
    /// Inserts a history-model row as version 1 created and updated at `now`.
    func insertHistory<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R>
    /// Writes a history-model row over its live row (by UUID) as the next version (`Version` + 1, `DateUpdated`).
    func updateHistory<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R>
    /// Inserts a row of a table without a mapping (its key `values[0]`, left to the database when nil).
    func insertChild(_ table: ChildTable, _ values: [(any DatabaseValueConvertible)?]) async throws
    /// Sets `column` to `value` on the current rows of `table` matching every condition.
    func updateChildren(_ table: ChildTable, set column: String, to value: SQLValue,
                        where conditions: [RowPredicate]) async throws
    /// Holds a lock on `key` until the transaction ends, across every instance sharing the database
    /// (PostgreSQL advisory lock; SQLite's single writer already serializes writes).
    func lock(_ key: String) async throws
    /// Whether the database has `table` (an openIMIS database served without migrating lacks the project's own
    /// tables).
    func hasTable(_ table: String) async throws -> Bool
}

extension StoreTransaction {
    /// Every table is there unless the engine says otherwise (a migrated database).
    func hasTable(_ table: String) async throws -> Bool { true }

    /// The current row with this UUID.
    func one<R: TableRecord>(_ type: R.Type, uuid: String) async throws -> Versioned<R>? {
        try await one(type, uuid: uuid, includeDeleted: false, forUpdate: false)
    }

    /// The current row with this key.
    func one<R: TableRecord>(_ type: R.Type, id: Int64) async throws -> Versioned<R>? {
        try await one(type, id: id, forUpdate: false)
    }

    /// The current rows matching every condition, in `order`.
    func rows<R: TableRecord>(_ type: R.Type, where conditions: [RowPredicate],
                              order: [RowSort] = []) async throws -> [Versioned<R>] {
        try await rows(type, where: conditions, order: order, limit: nil)
    }

    /// The first current row matching every condition, in `order`.
    func first<R: TableRecord>(_ type: R.Type, where conditions: [RowPredicate],
                               order: [RowSort] = []) async throws -> Versioned<R>? {
        try await rows(type, where: conditions, order: order, limit: 1).first
    }
}

/// One key of the order of a primitive read. NULL sorts first ascending and last descending, on every engine.
struct RowSort: Sendable, Hashable {
    enum Key: Sendable, Hashable {
        /// A column of the table.
        case column(String)
        /// The order rows were inserted in (SQLite's `rowid`); on PostgreSQL the key of the row (the UUID of a
        /// history-model row).
        case insertion
    }

    let key: Key
    let descending: Bool

    /// `column` ascending.
    static func ascending(_ column: String) -> RowSort { RowSort(key: .column(column), descending: false) }
    /// `column` descending.
    static func descending(_ column: String) -> RowSort { RowSort(key: .column(column), descending: true) }
    /// Insertion order.
    static let insertion = RowSort(key: .insertion, descending: false)

    /// ` ORDER BY ...` of `order` (empty without keys), each key as `key` writes it with its direction.
    static func clause(_ order: [RowSort], _ key: (RowSort) throws -> String) rethrows -> String {
        order.isEmpty ? "" : " ORDER BY " + (try order.map(key)).joined(separator: ", ")
    }
}

/// A read of some columns of a table (see ``StoreTransaction/values(_:)``).
struct ColumnSelection: Sendable, Hashable {
    /// The table, as openIMIS names it.
    var table: String
    /// The columns read, in order.
    var columns: [String]
    /// Conditions, all of which must hold.
    var conditions: [RowPredicate] = []
    /// The order of the rows.
    var order: [RowSort] = []
    /// Current rows only (`ValidityTo IS NULL`, or `isDeleted = 0` in a history-model table).
    var live = true
    /// Distinct rows only.
    var distinct = false
    /// At most this many rows.
    var limit: Int?

    /// The current rows of a child table matching `conditions`.
    init(_ child: ChildTable, where conditions: [RowPredicate], order: [RowSort] = [], limit: Int? = nil) {
        self.init(table: child.table, columns: child.columns, conditions: conditions, order: order, limit: limit)
    }

    /// Columns of a table.
    init(table: String, columns: [String], conditions: [RowPredicate] = [], order: [RowSort] = [], live: Bool = true,
         distinct: Bool = false, limit: Int? = nil) {
        self.table = table; self.columns = columns; self.conditions = conditions; self.order = order
        self.live = live; self.distinct = distinct; self.limit = limit
    }

    /// Whether `table` is a history-model table (live rows `isDeleted = 0`).
    var isHistoryModel: Bool { HistoryModel.tables.contains(table) }
}

/// How an engine runs workflows: one transaction for a write workflow, the primitives alone for a read.
protocol TransactionRunner: Sendable {
    /// Runs `body` in one write transaction that joins the running ``UnitOfWork`` of the database (a savepoint of
    /// it) or is its own: committed when `body` returns, rolled back when it throws.
    func writing<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` over the primitives without a write transaction (inside a unit of work, on its connection).
    func reading<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T
}

/// The engine of a store as its workflows see it: its transaction runner and its clock.
public struct WorkflowEngine: Sendable {
    let runner: any TransactionRunner
    /// The clock of versioned writes.
    let clock: RegistryClock

    init(runner: any TransactionRunner, clock: RegistryClock) {
        self.runner = runner
        self.clock = clock
    }

    /// Runs a write workflow with the time of the write.
    func write<T>(_ body: (any StoreTransaction, Date) async throws -> T) async throws -> T {
        let now = clock.now()
        return try await runner.writing { try await body($0, now) }
    }

    /// Runs a read workflow.
    func read<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await runner.reading(body)
    }
}

/// A store whose business methods are the workflows of `Workflows/`, run by its engine.
public protocol WorkflowStore: Sendable {
    /// The engine that runs the workflows.
    var workflowEngine: WorkflowEngine { get }
}
