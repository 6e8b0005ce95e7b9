import Foundation
import IMISData
import Logging

/// How often and how patiently a delivery is tried: `attempts` tries, waiting `initialDelay`, then twice as
/// long each time (capped at `maximumDelay`).
public struct RetryPolicy: Sendable, Hashable {
    public var attempts: Int
    public var initialDelay: Duration
    public var multiplier: Int
    public var maximumDelay: Duration

    public init(attempts: Int = 3, initialDelay: Duration = .seconds(1), multiplier: Int = 2,
                maximumDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maximumDelay = maximumDelay
    }

    /// The wait before try `attempt + 1` (after `attempt` failures, 1-based).
    public func delay(after attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) {
            delay = delay * multiplier
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }
}

/// Sends messages through the channel of their kind, with retries and exponential backoff, either awaited
/// (`send`) or in the background (`enqueue`, so that a request's answer time does not depend on delivery).
///
/// Call `drain()` at shutdown: it waits for the deliveries still running.
public final class Notifier: Sendable {
    private let channels: [ContactChannel: any MessageChannel]
    private let outbox: DevelopmentOutbox?
    private let retry: RetryPolicy
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger
    private let running = Locked<[UUID: Task<Void, Never>]>([:])

    /// A notifier over `channels` (one per kind; a later one of the same kind replaces an earlier one).
    /// `outbox`, in `MODE=DEV` only, keeps a copy of every message, and stands in for the kinds no channel serves.
    public init(channels: [any MessageChannel], outbox: DevelopmentOutbox? = nil, retry: RetryPolicy = RetryPolicy(),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                logger: Logger = Logger(label: "imis.notify")) {
        var byKind: [ContactChannel: any MessageChannel] = [:]
        for channel in channels { byKind[channel.channel] = channel }
        self.channels = byKind
        self.outbox = outbox
        self.retry = retry
        self.sleep = sleep
        self.logger = logger
    }

    /// Whether messages of `kind` can be delivered.
    public func supports(_ kind: ContactChannel) -> Bool { channels[kind] != nil || outbox != nil }

    /// Delivers `message`, trying up to `retry.attempts` times while the failure is transient; throws the last
    /// failure.
    public func send(_ message: OutgoingMessage) async throws {
        outbox?.record(message)
        guard let channel = channels[message.channel] else {
            if outbox != nil { return }
            throw DeliveryError.noChannel(message.channel)
        }
        var attempt = 1
        while true {
            do {
                try await channel.deliver(message)
                return
            } catch {
                let retryable = (error as? DeliveryError)?.isRetryable ?? !(error is CancellationError)
                guard retryable, attempt < retry.attempts else { throw error }
                logger.info("delivery failed, trying again", metadata: [
                    "channel": "\(message.channel.rawValue)", "attempt": "\(attempt)", "error": "\(error)",
                ])
                try await sleep(retry.delay(after: attempt))
                attempt += 1
            }
        }
    }

    /// Delivers `message` in the background; a failure is logged (without the message's text).
    public func enqueue(_ message: OutgoingMessage) {
        let id = UUID()
        running.withLock { tasks in
            tasks[id] = Task { [self] in
                do {
                    try await send(message)
                } catch {
                    logger.error("delivery failed", metadata: ["channel": "\(message.channel.rawValue)", "error": "\(error)"])
                    BackgroundErrors.report("otp-delivery", error)
                }
                _ = running.withLock { $0.removeValue(forKey: id) }
            }
        }
    }

    /// Waits until every background delivery started so far (and any they lead to) has finished.
    public func drain() async {
        while true {
            let pending = running.withLock { Array($0.values) }
            if pending.isEmpty { return }
            for task in pending { await task.value }
        }
    }
}

/// A value behind a lock, for the few shared mutable states of this module.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
