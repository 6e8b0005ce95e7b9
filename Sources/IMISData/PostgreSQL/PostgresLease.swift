import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Why no connection was leased.
enum LeaseFailure: Error {
    case timedOut
    case unreachable
    case failed(any Error)
}

/// One `PostgresClient` and its run, with its leases counted so that a replaced one stops when the last ends.
final class PoolGeneration: Sendable {
    let client: PostgresClient
    private let box = NIOLockedValueBox<(task: Task<Void, Never>?, leases: Int, retired: (@Sendable () -> Void)?)>(
        (nil, 0, nil))

    init(configuration: PostgresClient.Configuration, logger: Logger) {
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    func start() {
        let client = client
        box.withLockedValue { $0.task = Task.detached { await client.run() } }
    }

    /// Closes the pool: queued requests fail, its connections close.
    func stop() { box.withLockedValue { $0.task }?.cancel() }

    func finished() async { await box.withLockedValue { $0.task }?.value }

    /// Stops the pool now if no connection is leased, else when the last lease ends; then calls `done`.
    func retire(_ done: @escaping @Sendable () -> Void) {
        let idle = box.withLockedValue { state -> Bool in
            state.retired = done
            return state.leases == 0
        }
        if idle { stopRetired() }
    }

    private func stopRetired() {
        guard
            let done = box.withLockedValue({ state -> (@Sendable () -> Void)? in
                defer { state.retired = nil }
                return state.retired
            })
        else { return }
        stop()
        done()
    }

    /// Whether a connection is leased within `timeout`.
    func answers(within timeout: Duration) async -> Bool {
        let handoff = LeaseHandoff()
        let timer = Task {
            try await Task.sleep(for: timeout)
            handoff.fail(.timedOut)
        }
        defer { timer.cancel() }
        return (try? await withConnection(handoff: handoff) { _ in true }) ?? false
    }

    /// Runs `body` with a leased connection, or throws the ``LeaseFailure`` `handoff` is failed with first (by
    /// the pool's check of the waits).
    ///
    /// The lease is held by a child task, which can be cancelled while it waits (postgres-nio takes a cancelled
    /// wait out of its queue) without cancelling the request's task; the connection is handed to `body`, which
    /// runs in the calling task, and the child keeps the lease until `body` returns.
    func withConnection<T>(handoff: LeaseHandoff, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let client = client
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await client.withConnection { connection in
                        guard handoff.deliver(connection) else { return }
                        self.leased(1)
                        await handoff.released()
                        self.leased(-1)
                    }
                } catch {
                    handoff.fail(.failed(error))
                }
            }
            defer {
                handoff.release()
                group.cancelAll()
            }
            return try await body(try await handoff.connection())
        }
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    private func leased(_ change: Int) {
        let drained = box.withLockedValue { state -> Bool in
            state.leases += change
            return state.leases == 0 && state.retired != nil
        }
        if drained { stopRetired() }
    }
}

/// Hands a leased connection from the task holding the lease to the task using it, and the end of the use back.
final class LeaseHandoff: Sendable {
    private enum Outcome {
        case pending(CheckedContinuation<PostgresConnection, any Error>?)
        case delivered(PostgresConnection)
        case failed(LeaseFailure)
    }

    /// When the wait began.
    let started = ContinuousClock.now
    private let outcome = NIOLockedValueBox<Outcome>(.pending(nil))
    private let ending = NIOLockedValueBox<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Hands over `connection`; false when the wait already ended (the holder then releases the lease at once).
    func deliver(_ connection: PostgresConnection) -> Bool {
        let waiter = outcome.withLockedValue { outcome -> CheckedContinuation<PostgresConnection, any Error>?? in
            guard case .pending(let waiter) = outcome else { return nil }
            outcome = .delivered(connection)
            return .some(waiter)
        }
        guard let waiter else { return false }
        waiter?.resume(returning: connection)
        return true
    }

    /// Ends the wait with `failure`, unless a connection came first.
    func fail(_ failure: LeaseFailure) {
        let waiter = outcome.withLockedValue { outcome -> CheckedContinuation<PostgresConnection, any Error>?? in
            guard case .pending(let waiter) = outcome else { return nil }
            outcome = .failed(failure)
            return .some(waiter)
        }
        if let waiter { waiter?.resume(throwing: failure) }
    }

    /// The connection, once delivered.
    func connection() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            let ready = outcome.withLockedValue { outcome -> Result<PostgresConnection, any Error>? in
                switch outcome {
                case .pending:
                    outcome = .pending(continuation)
                    return nil
                case .delivered(let connection): return .success(connection)
                case .failed(let failure): return .failure(failure)
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Returns once the user of the connection is done with it.
    func released() async {
        await withCheckedContinuation { continuation in
            let done = ending.withLockedValue { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The user is done with the connection (or never got it).
    func release() {
        let waiter = ending.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
