import Foundation
import NIOConcurrencyHelpers
import PostgresNIO

/// A pooled connection held by the running task for a run of reads (see ``IMISPostgres/holdingConnection(_:)``):
/// every statement of the database made from the task (however deep, outside a unit of work) runs on it instead
/// of leasing one from the pool each time.
///
/// Why: each connection the pool takes back schedules its keep-alive (30 s) and idle (60 s) timers, each a
/// sleeping task; the next lease cancels them, but on Linux a cancelled sleep keeps its task and its dispatch timer
/// until its deadline. A page whose every related read leased a connection made thousands of leases a second, and
/// an export held the timers of the last minute's leases: some 300 to 500 MB.
final class PostgresHeldConnection: Sendable {
    @TaskLocal static var current: PostgresHeldConnection?

    let database: IMISPostgres
    let connection: PostgresConnection

    init(database: IMISPostgres, connection: PostgresConnection) {
        self.database = database
        self.connection = connection
    }

    /// The connection the running task holds on `database`, if any.
    static func connection(of database: IMISPostgres) -> PostgresConnection? {
        guard let held = current, held.database === database else { return nil }
        return held.connection
    }
}

extension IMISPostgres {
    /// Runs `body` with every statement of this database it makes on one pooled connection, leased once for the
    /// whole of `body`. Inside a unit of work, or when the task already holds one, `body` alone (on that
    /// connection); likewise when its reads may go to a replica, which picks a replica (or the primary) per read.
    func holdingConnection<T>(_ body: () async throws -> T) async throws -> T {
        if let unit = PostgresUnit.current, unit.database === self { return try await body() }
        if PostgresHeldConnection.connection(of: self) != nil { return try await body() }
        if replicas != nil, ReadRouting.mayUseReplica { return try await body() }
        return try await pool.withConnection { connection in
            try await PostgresHeldConnection.$current.withValue(
                PostgresHeldConnection(database: self, connection: connection)
            ) { try await body() }
        }
    }
}

extension PostgresRegistryStore {
    /// See ``RegistryStore/withOneConnection(_:)``.
    public func withOneConnection<T>(_ body: () async throws -> T) async throws -> T {
        try await database.holdingConnection(body)
    }
}

/// Counts the connections the pool leases to a task and the tasks it starts, while one is current: how many
/// times a piece of work went to the pool (diagnostics and tests).
public final class ConnectionLeases: Sendable {
    @TaskLocal public static var current: ConnectionLeases?

    private let leases = NIOLockedValueBox(0)

    public init() {}

    /// The leases counted so far.
    public var count: Int { leases.withLockedValue { $0 } }

    /// Counts one lease of the current counter, if any.
    static func note() { current?.leases.withLockedValue { $0 += 1 } }
}
