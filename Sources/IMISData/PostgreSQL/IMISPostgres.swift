import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// A value bound into a PostgreSQL statement. Values meant for a column are sent as text and cast in the SQL to
/// the column's own type (see ``PostgresCatalog``), so one statement serves `boolean` and `bit`, `timestamp` and
/// `timestamptz` alike; no value is ever written into the SQL text.
enum PGBind: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case null
    /// A `text[]` array: a list of values as one parameter (`= ANY($1)`), whatever its length.
    case textArray([String])

    /// The bind of a value as SQLite holds it (text for dates, instants and decimals; 0/1 for bits).
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .text(String(i))
        case .double(let d): self = .text(String(d))
        case .string(let s): self = .text(s)
        case .blob(let b): self = .text(String(decoding: b, as: UTF8.self))
        }
    }

    init(_ value: (any DatabaseValueConvertible)?) {
        self.init(value?.databaseValue ?? .null)
    }

    init(_ value: SQLValue) {
        switch value {
        case .text(let s): self = .text(s)
        case .integer(let i): self = .text(String(i))
        case .null: self = .null
        }
    }

    /// The text of a single text bind (nil for null and arrays).
    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// A statement with its binds, built up piece by piece.
struct PGStatement: Sendable {
    var sql = ""
    var binds: [PGBind] = []

    init(_ sql: String = "") { self.sql = sql }

    /// Adds a bind and returns its placeholder (`$n`).
    mutating func bind(_ value: PGBind) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    var bindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let s): bindings.append(s)
            case .integer(let i): bindings.append(i)
            case .null: bindings.appendNull()
            case .textArray(let values): bindings.append(values)
            }
        }
        return bindings
    }
}

/// A PostgreSQL database of the registry: a pool of connections (postgres-nio `PostgresClient`), the catalog of
/// the tables as they are (columns and types, read at start), and the connection of a unit of work.
///
/// The client's `run()` must be running while the database is used (``run()``: a service beside the HTTP
/// server). Several server instances may share the database: every piece of state lives in it.
public final class IMISPostgres: Service, Sendable {
    /// The pool of connections (see ``PostgresPool``).
    let pool: PostgresPool
    /// The current postgres-nio client of the pool (replaced after an outage: do not keep it).
    public var client: PostgresClient { pool.client }
    /// Where it connects.
    public let settings: PostgresSettings
    let logger: Logger
    /// Subscription events written in the transaction of the change (see ``WriteOutbox``).
    public let outbox = WriteOutbox()
    private let catalogBox = NIOLockedValueBox<PostgresCatalog?>(nil)
    private let tablesBox = NIOLockedValueBox<[String: PGTable]>([:])
    /// The required columns of inserts (see ``requiredColumns()``).
    let requiredColumnsBox = NIOLockedValueBox<PostgresRequiredColumns?>(nil)
    /// The changes every writer commits, for caches (idle until started; see ``PostgresChangeFeed``).
    public let changeFeed: PostgresChangeFeed
    /// The replicas reads may go to, if any.
    let replicas: PostgresReplicas?

    /// A database over `settings`; nothing connects before ``run()`` runs.
    public init(settings: PostgresSettings, logger: Logger = Logger(label: "imis.postgres")) {
        let configuration = Self.clientConfiguration(settings, host: settings.host, port: settings.port)
        self.pool = PostgresPool(configuration: configuration, settings: settings, logger: logger)
        self.settings = settings
        self.logger = logger
        self.changeFeed = PostgresChangeFeed(settings: settings, logger: logger)
        self.replicas = settings.replicas.isEmpty ? nil : PostgresReplicas(
            settings.replicas.map { ($0, Self.clientConfiguration(settings, host: $0.host, port: $0.port)) },
            settings: settings, logger: logger)
    }

    /// The pool's configuration for the server at `host`:`port` (the primary or a replica).
    static func clientConfiguration(_ settings: PostgresSettings, host: String, port: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: settings.username, password: settings.password,
            database: settings.database, tls: Self.tls(settings.tls))
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.connectTimeout = settings.connectTimeout
        var parameters = [("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("application_name", "imis-fhir")]
        if let schema = settings.schema { parameters.append(("search_path", schema)) }
        if let timeout = settings.statementTimeout {
            let (seconds, attoseconds) = timeout.components
            let milliseconds = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
            parameters.append(("statement_timeout", String(max(1, milliseconds))))
        }
        configuration.options.additionalStartupParameters = parameters
        return configuration
    }

    static func tls(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    /// Runs the connection pool until the task is cancelled or the service group shuts down (a `ServiceLifecycle`
    /// service beside the HTTP server).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.changeFeed.run() }
            if let replicas {
                group.addTask {
                    await replicas.run { try await self.pool.withConnection { try await PostgresReplicas.position($0, PostgresReplicas.primarySQL) } }
                }
            }
            await pool.run()
            group.cancelAll()
        }
    }

    // MARK: Statements

    /// Runs `body` on the connection of the running unit of work of this database, or on a pooled one.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        if let unit = PostgresUnit.current, unit.database === self { return try await body(unit.connection) }
        if let held = PostgresHeldConnection.connection(of: self) { return try await body(held) }
        return try await pool.withConnection { connection in try await body(connection) }
    }

    /// The rows of `statement`.
    func rows(_ statement: PGStatement) async throws -> [PostgresRow] {
        try await StatementSpans.measure(sql: statement.sql, system: "postgresql") { try await untracedRows(statement) }
    }

    private func untracedRows(_ statement: PGStatement) async throws -> [PostgresRow] {
        if let unit = PostgresUnit.current, unit.database === self {
            // Prepared too, until a statement of the unit fails (see PreparedStatements).
            let name = unit.mayPrepare ? PreparedStatements.name(for: statement) : nil
            do {
                return try await Self.run(statement, name: name, on: unit.connection, logger: logger)
            } catch {
                unit.stopPreparing()
                throw error
            }
        }
        // Outside a unit of work, reads run as named prepared statements (see PreparedStatements).
        let name = PreparedStatements.name(for: statement)
        if let held = PostgresHeldConnection.connection(of: self) {
            let rows = try await Self.run(statement, name: name, on: held, logger: logger)
            if let replicas, !PreparedStatements.isRead(statement.sql) { await replicas.noteCommit(on: held) }
            return rows
        }
        if let replicas, ReadRouting.mayUseReplica, ReadRouting.replicaSafe(statement.sql), let member = replicas.pick() {
            do {
                return try await member.pool.withConnection { connection in
                    try await Self.run(statement, name: name, on: connection, logger: logger)
                }
            } catch {
                // A replica that fails a statement rests until its next check; the primary answers.
                replicas.failed(member)
                logger.warning("a replica failed a read; the primary answers", metadata: [
                    "replica": "\(member.replica.host):\(member.replica.port)", "error": "\(String(reflecting: type(of: error)))"])
            }
        }
        return try await pool.withConnection { connection in
            let rows = try await Self.run(statement, name: name, on: connection, logger: logger)
            // A write of its own: the replicas must replay it before they answer this instance's reads again.
            if let replicas, !PreparedStatements.isRead(statement.sql) {
                await replicas.noteCommit(on: connection)
            }
            return rows
        }
    }

    /// The rows of `statement` on `connection`, as a prepared statement when it has a name.
    private static func run(_ statement: PGStatement, name: String?, on connection: PostgresConnection, logger: Logger)
        async throws -> [PostgresRow]
    {
        try await translatingErrors {
            if let name { return try await connection.prepared(statement, name: name, logger: logger) }
            return try await connection.query(statement.query, logger: logger).collect()
        }
    }

    /// Runs `statement`; the rows it affected, when it tells.
    @discardableResult
    func execute(_ statement: PGStatement) async throws -> Int {
        try await rows(statement).count
    }

    /// The first column of the first row, as a value.
    func scalar(_ statement: PGStatement) async throws -> DatabaseValue {
        guard let row = try await rows(statement).first, let cell = row.first else { return .null }
        return try Self.value(cell)
    }

    /// Decodes a cell the way SQLite would hold it: integers and booleans as integers, everything else as text
    /// (the select lists cast dates, instants and decimals to text).
    /// A cell of a type none of these reads as is (`bytea`, `json`, ...) is ``UnreadableColumn``, which the caller
    /// names after its table and column.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .bool: return (try cell.decode(Bool.self)) ? 1.databaseValue : 0.databaseValue
            case .int2, .int4, .int8: return try cell.decode(Int64.self).databaseValue
            case .float4, .float8: return try cell.decode(Double.self).databaseValue
            default: return try cell.decode(String.self).databaseValue
            }
        } catch {
            throw UnreadableColumn(index: cell.columnIndex, expected: "value of a known type (\(cell.dataType))")
        }
    }

    static func values(_ row: PostgresRow) throws -> [DatabaseValue] {
        try row.map { try value($0) }
    }

    /// Runs `body`, turning constraint violations into `RegistryError`s.
    static func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            if let unavailable = DatabaseUnavailable(classifying: error) { throw unavailable }
            switch error.serverInfo?[.sqlState] {
            case "23505"?: throw RegistryError.conflict("a row with this key exists")
            case "23503"?: throw RegistryError.invalidReference("a referenced row does not exist")
            case "23502"?, "23514"?, "22001"?, "22P02"?, "22007"?, "22008"?, "22021"?:
                throw RegistryError.invalidValue(error.serverInfo?[.message] ?? "a value does not fit its column")
            default:
                throw PostgresFailure(sqlState: error.serverInfo?[.sqlState], code: "\(error.code)")
            }
        }
    }

    // MARK: Catalog

    /// The tables and columns as they are now; read once, after migrations.
    func catalog() async throws -> PostgresCatalog {
        if let cached = catalogBox.withLockedValue({ $0 }) { return cached }
        let loaded = try await PostgresCatalog.load(self)
        catalogBox.withLockedValue { $0 = loaded }
        return loaded
    }

    /// Forgets the catalog (after migrations changed the schema).
    func resetCatalog() {
        catalogBox.withLockedValue { $0 = nil }
        tablesBox.withLockedValue { $0 = [:] }
        requiredColumnsBox.withLockedValue { $0 = nil }
    }

    /// The statements of a mapped table over the columns it really has.
    func table(_ sql: TableSQL) async throws -> PGTable {
        if let cached = tablesBox.withLockedValue({ $0[sql.table] }) { return cached }
        let table = try PGTable(sql, catalog: try await catalog())
        tablesBox.withLockedValue { $0[sql.table] = table }
        return table
    }
}

/// A statement PostgreSQL refused, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html).
/// The server's message is left out: it may quote the values of a row.
public struct PostgresFailure: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE, when the server answered.
    public var sqlState: String?
    /// The client's error code (connection, protocol, server).
    public var code: String
    public var description: String { "PostgreSQL refused a statement (\(code), SQLSTATE \(sqlState ?? "none"))" }
}

/// The unit of work of the running task on a PostgreSQL database: its connection, inside `BEGIN ... COMMIT`.
final class PostgresUnit: Sendable {
    @TaskLocal static var current: PostgresUnit?

    let database: IMISPostgres
    let connection: PostgresConnection
    let unit: UnitOfWork
    private let preparing = NIOLockedValueBox(true)

    /// Whether reads of the unit may run as prepared statements: until one of its statements fails (a failed
    /// statement aborts the transaction, where a preparation would fail, see ``PreparedStatements``).
    var mayPrepare: Bool { preparing.withLockedValue { $0 } }

    /// A statement of the unit failed: the rest of it runs unnamed.
    func stopPreparing() { preparing.withLockedValue { $0 = false } }

    init(database: IMISPostgres, connection: PostgresConnection, unit: UnitOfWork) {
        self.database = database
        self.connection = connection
        self.unit = unit
    }
}

extension IMISPostgres {
    /// Runs `body` in one transaction on one connection: every statement of the database made from `body` (however
    /// deep) runs on it; committed when `body` returns, rolled back when it throws. Inside another unit of this
    /// database, a savepoint of it.
    func transaction<T>(_ body: () async throws -> T) async throws -> T {
        if let outer = PostgresUnit.current, outer.database === self {
            let savepoint = outer.unit.nextSavepointName()
            _ = try await outer.connection.query(PostgresQuery(unsafeSQL: "SAVEPOINT \(savepoint)"), logger: logger).collect()
            let noted = outer.unit.changeCount
            do {
                let result = try await body()
                _ = try await outer.connection.query(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(savepoint)"), logger: logger).collect()
                return result
            } catch {
                _ = try? await outer.connection.query(
                    PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(savepoint)"), logger: logger).collect()
                outer.unit.dropChanges(after: noted)
                throw error
            }
        }
        // The result stays in this task; the box only carries it out of the pool's closure.
        let box = UnitResult<T>()
        // Marked last, so that the caches of this process have heard of the commit before the write returns.
        let mark = changeFeed.mark()
        do {
            try await pool.withConnection { connection in
                try await StatementSpans.measure(sql: "BEGIN", system: "postgresql") {
                    _ = try await connection.query("BEGIN", logger: logger).collect()
                }
                let unit = PostgresUnit(database: self, connection: connection, unit: UnitOfWork(owner: self))
                do {
                    box.value = try await UnitOfWork.$current.withValue(unit.unit) {
                        try await PostgresUnit.$current.withValue(unit) {
                            let value = try await body()
                            try await outbox.beforeCommit(unit.unit)
                            return value
                        }
                    }
                    if let mark {
                        _ = try await connection.query(
                            "SELECT pg_notify(\(PostgresChangeNotifications.channel), \(mark.payload))", logger: logger
                        ).collect()
                    }
                    try await StatementSpans.measure(sql: "COMMIT", system: "postgresql") {
                        _ = try await connection.query("COMMIT", logger: logger).collect()
                    }
                    if let replicas { await replicas.noteCommit(on: connection) }
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                    throw error
                }
            }
        } catch {
            // A COMMIT that failed and still committed is reported by the triggers all the same.
            if let mark { changeFeed.abandon(mark.id) }
            throw error
        }
        if let mark { await changeFeed.settle(mark.id) }
        guard let value = box.value else { throw CancellationError() }
        return value
    }
}

/// Carries a unit's result out of the connection closure, in the same task.
private final class UnitResult<T>: @unchecked Sendable {
    var value: T?
}
