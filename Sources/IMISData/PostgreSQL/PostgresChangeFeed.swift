import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// What a feed of committed changes tells the caches that listen to it.
public enum ChangeFeedEvent: Sendable {
    /// A committed transaction changed these rows.
    case changed(CommittedChanges)
    /// Everything known so far may be out of date: drop it. `trusted` says whether changes from now on are
    /// reported (the feed is connected) or not (disconnected, or the database has no change notifications).
    case flush(trusted: Bool)
}

/// The changes every writer of a PostgreSQL database commits, heard over `LISTEN` on a connection of its own (see
/// ``PostgresChangeNotifications`` for the triggers that send them).
///
/// - Nothing is trusted before ``start()`` (called once migrations ran) and a connection that listens: then the
///   observers hear `.flush(trusted: true)`, then every change in commit order.
/// - When the connection drops, or the database has no triggers (served with `--migrate=false` and never
///   migrated), they hear `.flush(trusted: false)`; the feed reconnects (backing off to 5 s) and flushes again
///   when it listens again. Nothing that happened while it was away is trusted.
/// - A transaction of this process marks its commit (``mark()``, a notification sent last in the transaction) and,
///   once committed, waits for the mark to come back (``settle(_:)``): the changes it made have then reached the
///   observers, so its writer never reads a stale cached rendering afterwards. A mark that does not come back
///   within ``settleTimeout`` flushes the caches.
public final class PostgresChangeFeed: Sendable {
    /// The `application_name` of the listening connection (`pg_stat_activity`).
    public static let applicationName = "imis-fhir-changes"
    /// How long a committed transaction waits for its own notifications before flushing instead.
    static let settleTimeout: Duration = .seconds(1)

    private enum Mark {
        case waiting(CheckedContinuation<Bool, Never>?)
        case arrived
    }

    private struct State {
        var observers: [@Sendable (ChangeFeedEvent) -> Void] = []
        var started = false
        var listening = false
        var marks: [UInt64: Mark] = [:]
        var nextMark: UInt64 = 0
        var connection: PostgresConnection?
    }

    private let state = NIOLockedValueBox(State())
    private let settings: PostgresSettings
    private let logger: Logger
    /// This process's prefix of its commit marks.
    private let instance = String(UUID().uuidString.prefix(8))

    init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Adds an observer (before the feed starts: events are delivered on the feed's task, in order).
    public func observe(_ observer: @escaping @Sendable (ChangeFeedEvent) -> Void) {
        state.withLockedValue { $0.observers.append(observer) }
    }

    /// Lets the feed connect (once the database is migrated, so that its triggers exist if they ever will).
    public func start() {
        state.withLockedValue { $0.started = true }
    }

    /// Whether the feed listens now (for tests and diagnostics).
    public var isListening: Bool { state.withLockedValue { $0.listening } }

    /// Closes the listening connection as a network failure would (tests of the recovery).
    func dropConnection() async {
        try? await state.withLockedValue { $0.connection }?.close()
    }

    private func emit(_ event: ChangeFeedEvent) {
        for observer in state.withLockedValue({ $0.observers }) { observer(event) }
    }

    // MARK: Commit marks

    /// A mark for a transaction about to commit, and the payload to notify last in it; nil when the feed does not
    /// listen (nothing is cached then) or nobody observes.
    func mark() -> (id: UInt64, payload: String)? {
        state.withLockedValue { s in
            guard s.listening, !s.observers.isEmpty else { return nil }
            s.nextMark += 1
            s.marks[s.nextMark] = .waiting(nil)
            return (s.nextMark, "c:\(instance):\(s.nextMark)")
        }
    }

    /// Forgets a mark whose transaction rolled back.
    func abandon(_ mark: UInt64) {
        _ = state.withLockedValue { $0.marks.removeValue(forKey: mark) }
    }

    /// Waits until the committed transaction's mark came back (its changes reached the observers); flushes the
    /// observers when it does not within ``settleTimeout``.
    func settle(_ mark: UInt64) async {
        let arrived = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let ready = state.withLockedValue { s -> Bool? in
                switch s.marks[mark] {
                case .arrived?:
                    s.marks[mark] = nil
                    return true
                case .waiting?:
                    s.marks[mark] = .waiting(continuation)
                    return nil
                case nil:
                    return false
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
        if !arrived {
            _ = state.withLockedValue { $0.marks.removeValue(forKey: mark) }
            emit(.flush(trusted: isListening))
        }
    }

    private func arrived(_ mark: UInt64) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            guard case .waiting(let continuation)? = s.marks[mark] else { return nil }
            if continuation == nil { s.marks[mark] = .arrived } else { s.marks[mark] = nil }
            return continuation
        }
        waiter?.resume(returning: true)
    }

    /// Resumes every waiting mark as lost (the connection dropped).
    private func failMarks() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Bool, Never>] in
            let waiting = s.marks.values.compactMap { mark -> CheckedContinuation<Bool, Never>? in
                if case .waiting(let continuation?) = mark { return continuation }
                return nil
            }
            s.marks.removeAll()
            return waiting
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    /// Marks older than ``settleTimeout`` that nobody came back for (a notification lost with its connection).
    private func expireMarks() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.settleTimeout)
            let stale = state.withLockedValue { s -> [(UInt64, CheckedContinuation<Bool, Never>)] in
                s.marks.compactMap { id, mark in
                    guard case .waiting(let continuation?) = mark else { return nil }
                    return (id, continuation)
                }
            }
            // Two passes apart: a waiter seen twice has waited at least the timeout.
            try? await Task.sleep(for: Self.settleTimeout)
            for (id, continuation) in stale {
                let still = state.withLockedValue { s -> Bool in
                    guard case .waiting(_?)? = s.marks[id] else { return false }
                    s.marks[id] = nil
                    return true
                }
                if still { continuation.resume(returning: false) }
            }
        }
    }

    // MARK: Listening

    /// Listens until the task is cancelled, reconnecting after failures (a service beside the pool).
    func run() async {
        while !Task.isCancelled, !state.withLockedValue({ $0.started }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.expireMarks() }
            var delay = Duration.milliseconds(100)
            while !Task.isCancelled {
                if await listenOnce() { delay = .milliseconds(100) }
                state.withLockedValue { $0.listening = false }
                failMarks()
                emit(.flush(trusted: false))
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
            group.cancelAll()
        }
    }

    /// One connection's life: connects, checks that the triggers exist, listens until the connection ends; whether
    /// it got as far as listening.
    private func listenOnce() async -> Bool {
        var listened = false
        do {
            var configuration = PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                database: settings.database, tls: try PostgresPool.tls(settings.tls))
            configuration.options.connectTimeout = PoolGeneration.amount(settings.connectTimeout)
            configuration.options.additionalStartupParameters = [("application_name", Self.applicationName)]
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            state.withLockedValue { $0.connection = connection }
            defer {
                state.withLockedValue { $0.connection = nil }
                Task { try? await connection.close() }
            }
            let present = try await connection.query(
                "SELECT 1 FROM pg_proc WHERE proname = \(PostgresChangeNotifications.function)", logger: logger
            ).collect()
            guard !present.isEmpty else {
                logger.notice("the database has no change notifications (not migrated): renderings are not cached")
                emit(.flush(trusted: false))
                try? await Task.sleep(for: .seconds(30))
                return false
            }
            try await connection.listen(on: PostgresChangeNotifications.channel) { notifications in
                state.withLockedValue { $0.listening = true }
                listened = true
                emit(.flush(trusted: true))
                for try await notification in notifications { receive(notification.payload) }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning("change notifications interrupted: cached renderings dropped", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
        }
        return listened
    }

    /// One notification: a commit mark (`c:<instance>:<n>`) or changed rows (`t:<table>:<keys>`).
    func receive(_ payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return }
        switch parts[0] {
        case "c":
            if parts[1] == instance, let mark = UInt64(parts[2]) { arrived(mark) }
        case "t":
            let table = String(parts[1])
            var changes = CommittedChanges()
            if parts[2] == "*" {
                changes.tables.insert(table)
            } else {
                for key in parts[2].split(separator: ",") {
                    guard let id = Int64(key) else {
                        changes.tables.insert(table)
                        break
                    }
                    changes.rows.insert(RowKey(table: table, rowID: id))
                }
            }
            emit(.changed(changes))
        default:
            return
        }
    }
}
