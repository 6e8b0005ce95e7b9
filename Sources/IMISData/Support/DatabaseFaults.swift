import Foundation
import GRDB
import PostgresNIO

/// The database does not hold what the mapping reads: a table or column is missing, or a column holds a value of
/// a type the mapping cannot read (an openIMIS database of another version, a column changed by hand). A fault of
/// the server's database, never of the request: an HTTP 500, with the table and column in the log. The
/// description names them and never quotes a value.
public struct DatabaseMismatch: Error, CustomStringConvertible, Sendable, Hashable {
    /// The table, as the mapping names it.
    public var table: String
    /// The column, when the problem is one column's.
    public var column: String?
    /// What is wrong (`is missing`, `holds a value that is not a Int64`).
    public var problem: String

    public init(table: String, column: String?, problem: String) {
        self.table = table
        self.column = column
        self.problem = problem
    }

    public var description: String { "\(table)\(column.map { ".\($0)" } ?? "") \(problem)" }
}

/// A value a row decoder could not read, by its position in the row (the decoder does not know the table); the
/// fetching code names the table and column (``named(table:columns:)``).
struct UnreadableColumn: Error, Sendable {
    /// The position of the column in the fetched row.
    var index: Int
    /// What the decoder expected (`Int64`, `date`).
    var expected: String

    /// The mismatch, named after the table and its fetched columns.
    func named(table: String, columns: [String]) -> DatabaseMismatch {
        DatabaseMismatch(
            table: table, column: index < columns.count ? columns[index] : "column \(index + 1)",
            problem: "holds a value that is not a \(expected)")
    }
}

extension DatabaseMismatch {
    /// Runs `body`, naming the table and column of a value it could not read.
    static func naming<T>(table: String, columns: [String], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UnreadableColumn {
            throw error.named(table: table, columns: columns)
        }
    }
}

/// The database cannot be reached or is too busy to answer in time: no pool connection within `DB_POOL_TIMEOUT`,
/// connections refused or dropped, a statement stopped by `DB_STATEMENT_TIMEOUT`, SQLite's file locked beyond its
/// busy timeout. The request may succeed later: an HTTP 503 with `Retry-After`.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable, Hashable {
    /// Why, without server detail (`no database connection within 5 seconds`, `the database is busy`).
    public var reason: String
    /// The seconds after which a client may try again.
    public var retryAfter: Int
    /// Whether a connection failed (not only a statement): the pool then checks that the database answers.
    var connectionLost: Bool

    public init(_ reason: String, retryAfter: Int = 5) {
        self.init(reason, retryAfter: retryAfter, connectionLost: false)
    }

    init(_ reason: String, retryAfter: Int, connectionLost: Bool) {
        self.reason = reason
        self.retryAfter = retryAfter
        self.connectionLost = connectionLost
    }

    public var description: String { "the database is unavailable: \(reason)" }

    /// The unavailability an engine's error stands for, nil for any other error: a PostgreSQL connection refused,
    /// dropped or shut down, a statement stopped by `statement_timeout`, a lock or serialization conflict; SQLite's
    /// file busy or locked beyond its busy timeout.
    public init?(classifying error: any Error) {
        switch error {
        case let error as DatabaseUnavailable:
            self = error
        case let error as PSQLError:
            if [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed]
                .contains(error.code)
            {
                self.init("the database connection failed", retryAfter: 5, connectionLost: true)
                return
            }
            guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return nil }
            switch state {
            case _ where state.hasPrefix("08"), "57P01", "57P02", "57P03":
                self.init("the database connection failed", retryAfter: 5, connectionLost: true)
            case _ where state.hasPrefix("53"):
                self.init("the database is out of resources", retryAfter: 5, connectionLost: false)
            case "57014":
                self.init("a statement ran longer than the database allows", retryAfter: 5, connectionLost: false)
            case "55P03", "40001", "40P01":
                self.init("the database is busy", retryAfter: 1, connectionLost: false)
            default:
                return nil
            }
        case let error as DatabaseError:
            guard error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED else { return nil }
            self.init("the database is busy", retryAfter: 1, connectionLost: false)
        default:
            return nil
        }
    }
}
