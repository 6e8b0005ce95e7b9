import Foundation
import GRDB

/// What the account, OTP and push-token stores need of a database engine: statements with positional `?`
/// arguments, one transaction, a lock on a key for the transaction, and the few places where an openIMIS
/// database may differ from the project's schema (a column's spelling and type, a table that may be missing).
///
/// The stores (``SQLAccountStore``, ``SQLOTPChallengeStore``, ``SQLPushTokenStore``) are written once over it, in
/// SQL both engines read: openIMIS tables and columns double-quoted in their CamelCase (as the PostgreSQL schema
/// names them; SQLite ignores the case), the project's `imisfhir_*` tables lower-case, state changes as single
/// conditional statements with `RETURNING`, upserts as `ON CONFLICT ... DO`.
public protocol AccountSQL: Sendable {
    /// The rows of a statement that only reads, each as its values in select-list order.
    func read(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]]
    /// Runs a statement that writes; the rows its `RETURNING` clause gives (none without one).
    func write(_ sql: String, arguments: [DatabaseValue]) async throws -> [[DatabaseValue]]
    /// Runs `body` in one transaction: every statement of this database made from `body` (however deep) is part
    /// of it; committed when `body` returns, rolled back when it throws. Inside another one, a savepoint of it.
    func transaction<T>(_ body: () async throws -> T) async throws -> T
    /// Holds `key` until the running transaction ends, so that instances sharing the database check and insert
    /// under one key one after the other (an engine with a single writer has nothing to do).
    func lock(_ key: String) async throws
    /// The quoted name of `table` as the database spells it; `nil` when the database lacks it.
    func table(_ name: String) async throws -> String?
    /// The column `name` of `table` as the database has it; `nil` when the table lacks it.
    func column(_ table: String, _ name: String) async throws -> AccountColumn?
    /// The expression reading a UUID column (`expression`) as lower-case text.
    func uuidText(_ expression: String) -> String
    /// The insuree row with this `InsureeID` (current or not), read in the running transaction.
    func insuree(id: Int64) async throws -> Versioned<Insuree>?
    /// Writes `insuree` as a new version of its row at `now`, in the running transaction.
    func updateInsuree(_ insuree: Insuree, now: Date) async throws
}

/// A column as the database has it: its quoted name and how a bound text value becomes its type.
public struct AccountColumn: Sendable, Hashable {
    /// The quoted identifier.
    public var name: String
    /// The type a bound text value is cast to; `nil` when the value binds as it is.
    public var castType: String?

    /// A column; `castType` `nil` binds values as they are.
    public init(name: String, castType: String? = nil) {
        self.name = name
        self.castType = castType
    }

    /// `expression` (a placeholder or a literal) as a value of the column's type.
    public func cast(_ expression: String) -> String {
        castType.map { "CAST(\(expression) AS \($0))" } ?? expression
    }
}

extension AccountSQL {
    /// The rows of a reading statement, its arguments given as Swift values.
    func fetch(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) async throws -> [[DatabaseValue]] {
        try await read(sql, arguments: arguments.map { $0?.databaseValue ?? .null })
    }

    /// The first column of the first row of a reading statement (`.null` when there is none).
    func value(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) async throws -> DatabaseValue {
        try await fetch(sql, arguments).first?.first ?? .null
    }

    /// Whether a reading statement finds a row.
    func exists(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) async throws -> Bool {
        !(try await fetch(sql, arguments).isEmpty)
    }

    /// Runs a writing statement, its arguments given as Swift values; the rows it returns.
    @discardableResult
    func write(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?] = []) async throws -> [[DatabaseValue]] {
        try await write(sql, arguments: arguments.map { $0?.databaseValue ?? .null })
    }

    /// The column `name` of `table`, or ``DatabaseMismatch`` when the database lacks it.
    func requiredColumn(_ table: String, _ name: String) async throws -> AccountColumn {
        guard let column = try await column(table, name) else {
            throw DatabaseMismatch(table: table, column: name, problem: "is missing")
        }
        return column
    }
}

/// Instants of the project's own tables: INTEGER Unix seconds.
enum UnixSeconds {
    /// The whole seconds of `date` (rounded down).
    static func of(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    /// The whole seconds of `date`, when there is one.
    static func of(optional date: Date?) -> Int64? { date.map { of($0) } }
    /// The instant of a stored value; `nil` for NULL.
    static func date(_ value: DatabaseValue) -> Date? {
        Int64.fromDatabaseValue(value).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }
}

extension Storage {
    /// Storage whose account, OTP and push-token stores run over `accountSQL`.
    public init(engine: Engine, store: any IMISStore, accountSQL: any AccountSQL,
                committedChanges: (@Sendable (@escaping @Sendable (CommittedChanges) -> Void) -> Void)? = nil) {
        self.init(engine: engine, store: store, accounts: SQLAccountStore(sql: accountSQL),
                  otpChallenges: SQLOTPChallengeStore(sql: accountSQL), pushTokens: SQLPushTokenStore(sql: accountSQL),
                  committedChanges: committedChanges)
        self.subscriptions = SQLSubscriptionStore(sql: accountSQL, sharedDelivery: engine == .postgresql)
        self.exportJobs = SQLExportJobStore(sql: accountSQL)
    }
}
