import Foundation
import NIOConcurrencyHelpers

/// How a process's database connections are used, for `/metrics`: how many are in use, how many requests wait for
/// one, how long they waited and how many gave up. One per engine, for the whole process (a process serves one
/// database); the connection pools report to it at the points where a connection is handed out and returned.
public final class PoolStatistics: Sendable {
    /// A reading of the counters.
    public struct Reading: Sendable, Hashable {
        /// Connections running a statement or a transaction now.
        public var inUse: Int
        /// Requests waiting for a connection now.
        public var waiting: Int
        /// Connections handed out since start.
        public var acquisitions: Int
        /// Seconds spent waiting for those connections, in total.
        public var waitSeconds: Double
        /// Waits that ended without a connection (timeout, database unreachable).
        public var failures: Int
        /// Durable commits of write transactions counted by the engine (SQLite: units of work).
        public var commits = 0
        /// Units of work those commits made durable: more than ``commits`` when units shared a commit.
        public var committedUnits = 0
    }

    private let state = NIOLockedValueBox(Reading(inUse: 0, waiting: 0, acquisitions: 0, waitSeconds: 0, failures: 0))

    /// The PostgreSQL connection pool of the process.
    public static let postgresql = PoolStatistics()
    /// The SQLite connections of the process (the readers and the writer).
    public static let sqlite = PoolStatistics()

    init() {}

    /// The counters now.
    public var reading: Reading { state.withLockedValue { $0 } }

    /// A request starts waiting for a connection; the returned instant goes to ``acquired(since:)`` or ``failed()``.
    func asking() -> ContinuousClock.Instant {
        state.withLockedValue { $0.waiting += 1 }
        return .now
    }

    /// The request that asked at `asked` has its connection.
    func acquired(since asked: ContinuousClock.Instant) {
        let waited = ContinuousClock.now - asked
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
        state.withLockedValue {
            $0.waiting -= 1
            $0.inUse += 1
            $0.acquisitions += 1
            $0.waitSeconds += seconds
        }
    }

    /// A wait ended without a connection.
    func failed() { state.withLockedValue { $0.waiting -= 1; $0.failures += 1 } }

    /// A commit made `units` units of work durable.
    func committed(units: Int) {
        state.withLockedValue { $0.commits += 1; $0.committedUnits += units }
    }

    /// A connection went back to the pool.
    func released() { state.withLockedValue { $0.inUse -= 1 } }
}
