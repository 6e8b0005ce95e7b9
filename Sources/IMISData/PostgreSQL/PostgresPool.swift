import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The connection pool of a PostgreSQL database, with every wait bounded and a quick return after an outage.
///
/// postgres-nio's pool (`PostgresClient`) queues a request until a connection is free, however long that takes.
/// While the database is down it retries connecting with a backoff that grows towards a minute, and fails the
/// queued requests only when its circuit breaker trips, 60 s after the first failed attempt; once the database is
/// back, the backoff it reached keeps it failing for up to as long again. Here:
/// - a request waits at most ``PostgresSettings/poolTimeout`` for a connection, then fails with
///   ``DatabaseUnavailable`` (503);
/// - a wait longer than a moment, or a connection refused or dropped, starts one probe: a connection opened
///   directly, outside the pool. When it fails, the database is unreachable: waiting requests and new ones fail at
///   once, and the probe tries again every half second. When it succeeds after that, a new pool replaces the
///   current one (whose backoff may still run for a minute), which finishes the statements it has started and
///   stops.
final class PostgresPool: Sendable {
    private let configuration: PostgresClient.Configuration
    private let settings: PostgresSettings
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    private struct State {
        var current: PoolGeneration
        var running = false
        var probing = false
        var lastProbe: ContinuousClock.Instant?
        /// A probe could not connect, and none has since.
        var unreachable = false
        /// Replaced pools still finishing their statements, and pools being tried.
        var others: [PoolGeneration] = []
        /// The requests waiting for a connection.
        var waiting: [ObjectIdentifier: LeaseHandoff] = [:]
    }

    /// How long a request waits before the pool checks that the database answers.
    static let slowLease: Duration = .milliseconds(250)
    /// How often the waits are checked (one timer for every request, cheaper than one per request).
    static let sweepInterval: Duration = .milliseconds(50)

    init(configuration: PostgresClient.Configuration, settings: PostgresSettings, logger: Logger) {
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        state = NIOLockedValueBox(State(current: PoolGeneration(configuration: configuration, logger: logger)))
    }

    /// The current pool.
    var client: PostgresClient { state.withLockedValue { $0.current.client } }

    /// Runs the pools until the task is cancelled or the service group shuts down.
    func run() async {
        let first = state.withLockedValue { state -> PoolGeneration in
            state.running = true
            return state.current
        }
        first.start()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.sweepInterval)
                self.sweep()
            }
        }
        let all = state.withLockedValue { state -> [PoolGeneration] in
            state.running = false
            return [state.current] + state.others
        }
        for generation in all { generation.stop() }
        for generation in all { await generation.finished() }
    }

    /// Runs `body` with a connection of the pool, waiting at most ``PostgresSettings/poolTimeout`` for it.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        ConnectionLeases.note()
        let handoff = LeaseHandoff()
        let (generation, unreachable) = state.withLockedValue { state in
            if !state.unreachable { state.waiting[ObjectIdentifier(handoff)] = handoff }
            return (state.current, state.unreachable)
        }
        if unreachable {
            throw DatabaseUnavailable("the database cannot be reached", retryAfter: retryAfter, connectionLost: true)
        }
        let statistics = PoolStatistics.postgresql
        let asked = statistics.asking()
        let acquired = NIOLockedValueBox(false)
        defer { if acquired.withLockedValue({ $0 }) { statistics.released() } else { statistics.failed() } }
        do {
            return try await generation.withConnection(handoff: handoff) { connection in
                stopWaiting(handoff)
                acquired.withLockedValue { $0 = true }
                statistics.acquired(since: asked)
                return try await body(connection)
            }
        } catch let failure as LeaseFailure {
            stopWaiting(handoff)
            switch failure {
            case .timedOut:
                noteFailure()
                throw DatabaseUnavailable(
                    "no database connection within \(settings.poolTimeout)", retryAfter: retryAfter,
                    connectionLost: true)
            case .unreachable:
                throw DatabaseUnavailable("the database cannot be reached", retryAfter: retryAfter, connectionLost: true)
            case .failed:
                noteFailure()
                throw DatabaseUnavailable("no database connection", retryAfter: retryAfter, connectionLost: true)
            }
        } catch {
            stopWaiting(handoff)
            if let unavailable = DatabaseUnavailable(classifying: error) {
                if unavailable.connectionLost { noteFailure() }
                throw unavailable
            }
            throw error
        }
    }

    /// Fails the waits older than ``PostgresSettings/poolTimeout``; checks the database when a wait is slow.
    private func sweep() {
        let now = ContinuousClock.now
        let (expired, slow) = state.withLockedValue { state -> ([LeaseHandoff], Bool) in
            var expired: [LeaseHandoff] = []
            var slow = false
            for (key, handoff) in state.waiting {
                let waited = now - handoff.started
                if waited >= settings.poolTimeout {
                    expired.append(handoff)
                    state.waiting[key] = nil
                } else if waited >= Self.slowLease {
                    slow = true
                }
            }
            return (expired, slow)
        }
        for handoff in expired { handoff.fail(.timedOut) }
        if slow || !expired.isEmpty { noteFailure() }
    }

    private func stopWaiting(_ handoff: LeaseHandoff) {
        _ = state.withLockedValue { $0.waiting.removeValue(forKey: ObjectIdentifier(handoff)) }
    }

    /// The seconds a client is told to wait before trying again (the pool notices the database's return within
    /// about a second).
    private var retryAfter: Int { 5 }

    /// Starts the probe unless one runs or ran a moment ago (see the type's description).
    func noteFailure() {
        let start = state.withLockedValue { state -> Bool in
            let now = ContinuousClock.now
            guard state.running, !state.probing, state.lastProbe.map({ now - $0 > .seconds(1) }) ?? true else {
                return false
            }
            state.probing = true
            state.lastProbe = now
            return true
        }
        if start { Task.detached { await self.probe() } }
    }

    private func probe() async {
        defer { state.withLockedValue { $0.probing = false } }
        while state.withLockedValue({ $0.running }) {
            if await connects() {
                guard state.withLockedValue({ $0.unreachable }) else { return }
                if await replace() { return }
            } else {
                markUnreachable()
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Whether a connection opened outside the pool gets through (a refusal fails at once, a silent host after
    /// ``PostgresSettings/connectTimeout``). A server that answers with an error other than an outage's (too many
    /// connections, a password refused) counts as reachable: the pool has nothing to recover from.
    private func connects() async -> Bool {
        do {
            var direct = PostgresConnection.Configuration(
                host: configuration.host ?? "127.0.0.1", port: configuration.port ?? 5432,
                username: configuration.username,
                password: configuration.password, database: configuration.database, tls: try Self.tls(settings.tls))
            direct.options.connectTimeout = PoolGeneration.amount(settings.connectTimeout)
            let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
            try? await connection.close()
            return true
        } catch {
            return !(DatabaseUnavailable(classifying: error)?.connectionLost ?? false)
        }
    }

    static func tls(_ mode: PostgresSettings.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// Marks the database unreachable and fails the requests waiting for a connection.
    private func markUnreachable() {
        let (changed, waiting) = state.withLockedValue { state -> (Bool, [LeaseHandoff]) in
            defer {
                state.unreachable = true
                state.waiting = [:]
            }
            return (!state.unreachable, Array(state.waiting.values))
        }
        for handoff in waiting { handoff.fail(.unreachable) }
        if changed { logger.error("the database cannot be reached; requests answer 503 until it can") }
    }

    /// Replaces the current pool with a new one once that one connects; whether it did.
    private func replace() async -> Bool {
        let candidate = PoolGeneration(configuration: configuration, logger: logger)
        let admitted = state.withLockedValue { state -> Bool in
            guard state.running else { return false }
            state.others.append(candidate)
            return true
        }
        guard admitted else { return false }
        candidate.start()
        guard await candidate.answers(within: settings.connectTimeout + .seconds(1)) else {
            candidate.stop()
            forget(candidate)
            return false
        }
        let previous = state.withLockedValue { state -> PoolGeneration in
            let previous = state.current
            state.current = candidate
            state.others.removeAll { $0 === candidate }
            state.others.append(previous)
            state.unreachable = false
            return previous
        }
        logger.notice("the database answers again")
        previous.retire { [weak self] in self?.forget(previous) }
        return true
    }

    private func forget(_ generation: PoolGeneration) {
        state.withLockedValue { state in state.others.removeAll { $0 === generation } }
    }
}
