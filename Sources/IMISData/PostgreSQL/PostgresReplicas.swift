import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// A hot-standby replica of the database (`DB_REPLICA_HOSTS`): same database, user and password as the primary.
public struct PostgresReplica: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host[:port]` entries separated by commas (`[::1]:5433` for an IPv6 address); nil when one is not.
    public static func list(_ text: String) -> [PostgresReplica]? {
        var replicas: [PostgresReplica] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            var host = entry
            var port = 5432
            if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                host = String(entry[entry.index(after: entry.startIndex)..<close])
                let rest = entry[entry.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                    port = number
                }
            } else if let colon = entry.lastIndex(of: ":") {
                guard let number = Int(entry[entry.index(after: colon)...]) else { return nil }
                host = String(entry[..<colon])
                port = number
            }
            guard !host.isEmpty, (1...65535).contains(port) else { return nil }
            replicas.append(PostgresReplica(host: host, port: port))
        }
        return replicas
    }
}

/// The replicas of a database and which of them a read may go to now.
///
/// A read outside a unit of work goes to a replica only when the replica
/// - answered its last check, made at most ``PostgresSettings/replicaMaxLag`` ago (checks run every 50 ms),
/// - has replayed everything this instance has committed (read-your-own-writes: the primary's WAL position after
///   each commit of this instance is kept, and the replica's replay position must have reached it), and
/// - has replayed what the primary had written at most ``PostgresSettings/replicaMaxLag`` ago (changes made by other
///   instances and by openIMIS are seen within that bound plus a check).
/// Otherwise, and when a replica fails a statement, the read goes to the primary. Writes, units of work, and reads
/// that may not use a replica (``ReadRouting/mayUseReplica``) always use the primary.
final class PostgresReplicas: Sendable {
    struct Member: Sendable {
        let replica: PostgresReplica
        let pool: PostgresPool
    }

    struct Health: Sendable {
        /// The replay position at the last check, and when that check was made.
        var replayed: UInt64 = 0
        var checkedAt: ContinuousClock.Instant?
        /// The latest time at which the primary's position had been replayed by this replica.
        var caughtUpTo: ContinuousClock.Instant?
    }

    private struct State {
        var health: [Health]
        /// The primary's position at recent checks (oldest first, a few seconds' worth).
        var primarySamples: [(at: ContinuousClock.Instant, position: UInt64)] = []
        /// The primary's position after this instance's last commit.
        var committed: UInt64 = 0
        /// Since when a commit's position is not known (it could not be read): no replica answers until a check
        /// started after it has read the primary's position.
        var unknownSince: ContinuousClock.Instant?
        var next = 0
    }

    let members: [Member]
    let maxLag: Duration
    private let state: NIOLockedValueBox<State>
    private let logger: Logger
    static let checkInterval: Duration = .milliseconds(50)
    /// The position statements' logger (made once: one is read after every commit).
    private static let logger = Logger(label: "imis.postgres.replicas")
    /// The primary's WAL position now.
    static let primarySQL = "SELECT pg_current_wal_lsn()::text"

    init(_ replicas: [(PostgresReplica, PostgresClient.Configuration)], settings: PostgresSettings, logger: Logger) {
        members = replicas.map { replica, configuration in
            var replicaLogger = logger
            replicaLogger[metadataKey: "replica"] = "\(replica.host):\(replica.port)"
            return Member(replica: replica, pool: PostgresPool(configuration: configuration, settings: settings, logger: replicaLogger))
        }
        maxLag = settings.replicaMaxLag
        state = NIOLockedValueBox(State(health: Array(repeating: Health(), count: members.count)))
        self.logger = logger
    }

    /// A replica a read may go to now (round robin among the usable ones), or nil for the primary.
    func pick() -> Member? {
        let now = ContinuousClock.now
        return state.withLockedValue { state -> Member? in
            if state.unknownSince != nil { return nil }
            for offset in 0..<members.count {
                let index = (state.next + offset) % members.count
                let health = state.health[index]
                guard let checked = health.checkedAt, now - checked <= maxLag, health.replayed >= state.committed,
                      let caughtUp = health.caughtUpTo, now - caughtUp <= maxLag
                else { continue }
                state.next = index + 1
                return members[index]
            }
            return nil
        }
    }

    /// Notes the primary's position after a commit of this instance, read on the connection that committed. When it
    /// cannot be read the commit still stands: the replicas wait for the next check instead.
    func noteCommit(on connection: PostgresConnection) async {
        let noted = ContinuousClock.now
        if let position = try? await Self.position(connection, Self.primarySQL) {
            state.withLockedValue { $0.committed = max($0.committed, position) }
        } else {
            state.withLockedValue { state in state.unknownSince = min(state.unknownSince ?? noted, noted) }
        }
    }

    /// Takes a replica out until its next successful check (a statement failed on it).
    func failed(_ member: Member) {
        state.withLockedValue { state in
            if let index = members.firstIndex(where: { $0.replica == member.replica }) { state.health[index].checkedAt = nil }
        }
    }

    /// Runs the replicas' pools and checks them every ``checkInterval`` against `primaryPosition`, until cancelled.
    func run(primaryPosition: @escaping @Sendable () async throws -> UInt64) async {
        await withTaskGroup(of: Void.self) { group in
            for member in members { group.addTask { await member.pool.run() } }
            group.addTask {
                while !Task.isCancelled {
                    await self.check(primaryPosition: primaryPosition)
                    try? await Task.sleep(for: Self.checkInterval)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// One check: the primary's position, then each replica's replay position.
    func check(primaryPosition: () async throws -> UInt64) async {
        let sampledAt = ContinuousClock.now
        if let position = try? await primaryPosition() {
            state.withLockedValue { state in
                state.primarySamples.append((sampledAt, position))
                if let since = state.unknownSince, sampledAt > since {
                    state.committed = max(state.committed, position)
                    state.unknownSince = nil
                }
                let horizon = max(maxLag * 2, .seconds(2))
                state.primarySamples.removeAll { sampledAt - $0.at > horizon }
            }
        }
        for (index, member) in members.enumerated() {
            let replayed = try? await member.pool.withConnection { connection in
                try await Self.position(connection, "SELECT pg_last_wal_replay_lsn()::text")
            }
            let now = ContinuousClock.now
            state.withLockedValue { state in
                guard let replayed else {
                    state.health[index].checkedAt = nil
                    return
                }
                state.health[index].replayed = replayed
                state.health[index].checkedAt = now
                // The latest primary sample this replica has replayed past.
                if let reached = state.primarySamples.last(where: { $0.position <= replayed }) {
                    state.health[index].caughtUpTo = max(state.health[index].caughtUpTo ?? reached.at, reached.at)
                }
            }
        }
    }

    /// A WAL position (`pg_lsn` as text, `16/B374D848`) read by `sql` on `connection`.
    static func position(_ connection: PostgresConnection, _ sql: String) async throws -> UInt64 {
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            if let text = try row.decode(String?.self), let position = parse(text) { return position }
        }
        throw PostgresReplicaError.noPosition
    }

    /// `16/B374D848` as a number.
    static func parse(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16),
              high <= UInt64(UInt32.max), low <= UInt64(UInt32.max)
        else { return nil }
        return high << 32 | low
    }
}

enum PostgresReplicaError: Error {
    /// The server gave no WAL position (a replica that is not in recovery answers NULL).
    case noPosition
}

/// Where the reads of the running task go: the primary unless ``mayUseReplica`` is set. The HTTP server sets it for
/// `GET` and `HEAD` requests only, so that a write's own lookups (a code already taken, a policy to activate),
/// background work (deliveries render the version their event names) and everything else read the primary.
public enum ReadRouting {
    /// Whether the running task's reads outside a unit of work may go to a replica. Cleared while reading rows
    /// whose rendering is cached, so that a cached rendering is never made of a replica's older rows after the
    /// primary's change notification dropped the previous one.
    @TaskLocal public static var mayUseReplica = false

    /// Whether `sql` may run on a read-only replica: a plain read, calling none of the functions that write or
    /// take locks of the session.
    static func replicaSafe(_ sql: String) -> Bool {
        guard PreparedStatements.isRead(sql) else { return false }
        let lowered = sql.lowercased()
        return !["nextval", "setval", "pg_advisory", "pg_try_advisory", "pg_notify", "set_config", "lo_", "for share", "for key share"]
            .contains { lowered.contains($0) }
    }
}
