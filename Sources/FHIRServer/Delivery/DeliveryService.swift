import Foundation
import IMISData
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Delivers Subscription events (a service beside the HTTP server, stopped with it).
///
/// Per subscription, in order, at least once: only a subscription's first undelivered event is ever attempted, so
/// a later event waits for an earlier one. An attempt leases the event in the database first (``SubscriptionEventStore/claimNext(subscriptionID:owner:now:until:)``):
/// instances sharing a PostgreSQL database never send one event at the same time, and a lease left by an instance
/// that died expires so that another takes the event over. The event id is the `webhook-id` of every attempt; a
/// 2xx marks it delivered and it is never sent again. Failures are retried with ``DeliverySettings/backoff(afterAttempt:random:)``
/// until the horizon is spent, which puts the subscription in `error` with the reason, as a 410 does at once.
/// Setting the subscription back to `requested`/`active` makes its pending events due again, in order.
///
/// Each subscription is worked by its own task: a slow or dead receiver delays only its own subscription, never
/// another one, and never a request (events are recorded in the request's transaction and sent later).
public final class DeliveryService: Service {
    let store: any SubscriptionStore & SubscriptionEventStore
    let outbox: SubscriptionOutbox
    let settings: DeliverySettings
    let policy: EndpointPolicy
    let transport: WebhookTransport
    let logger: Logger
    /// Counters of what was delivered, for metrics.
    public let meter: DeliveryMeter
    let now: @Sendable () -> Date
    /// This instance's name on the leases it takes.
    let instance = "instance-" + UUID().uuidString.lowercased()
    private let running = NIOLockedValueBox<Set<String>>([])

    init(store: any SubscriptionStore & SubscriptionEventStore, outbox: SubscriptionOutbox, settings: DeliverySettings,
         policy: EndpointPolicy, logger: Logger, meter: DeliveryMeter = DeliveryMeter(),
         now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.outbox = outbox
        self.settings = settings
        self.policy = policy
        self.transport = WebhookTransport(timeout: settings.timeout, maxAnswerBytes: settings.maxAnswerBytes)
        self.logger = logger
        self.meter = meter
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    /// Looks for due events every poll interval and starts a task per subscription that has some.
    func loop() async {
        var refreshed = Date.distantPast
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if now().timeIntervalSince(refreshed) >= settings.refreshInterval {
                    do {
                        try await outbox.refresh()
                    } catch {
                        logger.warning("subscriptions could not be read", metadata: ["error": "\(type(of: error))"])
                    }
                    refreshed = now()
                }
                do {
                    let pending = try await store.subscriptionsWithPendingEvents()
                    if !pending.isEmpty {
                        let time = now()
                        for record in try await store.currentSubscriptions()
                        where pending.contains(record.id) && Self.delivers(record, at: time) {
                            let id = record.id
                            guard running.withLockedValue({ $0.insert(id).inserted }) else { continue }
                            group.addTask {
                                await self.drain(id)
                                _ = self.running.withLockedValue { $0.remove(id) }
                            }
                        }
                    }
                } catch {
                    logger.warning("subscription events could not be read", metadata: ["error": "\(type(of: error))"])
                }
                try? await Task.sleep(nanoseconds: UInt64(settings.pollInterval * 1_000_000_000))
            }
        }
    }

    /// Whether `record` is delivered to at `time`: active (requested is stored as active) and not past its end.
    static func delivers(_ record: SubscriptionRecord, at time: Date) -> Bool {
        !record.deleted && record.status == "active" && (record.end.map { $0 > time } ?? true)
    }

    /// Sends the subscription's due events in order, until one fails or none is due.
    func drain(_ id: String) async {
        if store.sendsWithoutLeases { return await drainInRuns(id) }
        do {
            for _ in 0..<1_000 {
                guard !Task.isCancelled, let record = try await store.subscription(id: id), Self.delivers(record, at: now()) else { return }
                let time = now()
                guard let event = try await store.claimNext(subscriptionID: id, owner: instance, now: time,
                                                            until: time.addingTimeInterval(settings.timeout + 5))
                else { return }
                guard try await attempt(event, record) else { return }
            }
        } catch {
            logger.warning("subscription delivery failed to record its state",
                           metadata: ["subscription": "\(id)", "error": "\(type(of: error))"])
        }
    }

    /// ``drain(_:)`` where one process delivers: the due events are read a run at a time and sent in order, and
    /// the answers of a run are recorded in one write (the database's one writer is shared with the requests:
    /// a write per event would make the delivery wait behind them for every event). A run stops at the first
    /// failure, whose attempt is recorded after the answers before it. A crash before the write sends the run's
    /// events again, with their ids (at least once).
    func drainInRuns(_ id: String) async {
        var answers: [(eventID: String, status: Int, at: Date)] = []
        do {
            for _ in 0..<100 {
                guard !Task.isCancelled, let record = try await store.subscription(id: id), Self.delivers(record, at: now()) else { break }
                let run = try await store.dueInOrder(subscriptionID: id, now: now(), limit: settings.runLength)
                guard !run.isEmpty else { break }
                var failed = false
                for event in run where !Task.isCancelled {
                    guard try await attempt(event, record, answers: &answers) else { failed = true; break }
                }
                try await store.markDelivered(answers)
                answers.removeAll()
                if failed { break }
            }
            try await store.markDelivered(answers)
        } catch {
            logger.warning("subscription delivery failed to record its state",
                           metadata: ["subscription": "\(id)", "error": "\(type(of: error))"])
        }
    }

    /// One attempt at the leased `event`; true when it was acknowledged (the next may follow).
    func attempt(_ event: SubscriptionEvent, _ record: SubscriptionRecord) async throws -> Bool {
        var unused: [(eventID: String, status: Int, at: Date)]?
        return try await attempt(event, record, answers: &unused)
    }

    /// One attempt at `event`; true when it was acknowledged. With `answers`, an acknowledgement is added there
    /// for the caller to record (and recorded before a failure is); without, it is recorded at once.
    func attempt(_ event: SubscriptionEvent, _ record: SubscriptionRecord,
                 answers: inout [(eventID: String, status: Int, at: Date)]) async throws -> Bool {
        var optional: [(eventID: String, status: Int, at: Date)]? = answers
        defer { answers = optional ?? [] }
        return try await attempt(event, record, answers: &optional)
    }

    private func attempt(_ event: SubscriptionEvent, _ record: SubscriptionRecord,
                         answers: inout [(eventID: String, status: Int, at: Date)]?) async throws -> Bool {
        var status: Int?
        var failure: String
        if let message = WebhookMessage.make(event, subscription: record, timestamp: now()) {
            do {
                let answer = try await transport.send(message, policy: policy)
                status = answer
                failure = "the endpoint answered \(answer)"
            } catch let error as WebhookTransport.Failure {
                failure = error.description
            } catch {
                failure = "the request could not be sent"
            }
        } else {
            failure = "the endpoint is not a URL"
        }
        let time = now()
        if let status, (200..<300).contains(status) {
            if answers != nil {
                answers?.append((eventID: event.id, status: status, at: time))
            } else {
                try await store.markDelivered(eventID: event.id, owner: instance, status: status, at: time)
            }
            meter.update { $0.delivered += 1 }
            meter.report("sent", lag: .milliseconds(Int64(max(0, time.timeIntervalSince(event.time)) * 1000)))
            return true
        }
        if let earlier = answers, !earlier.isEmpty {
            try await store.markDelivered(earlier)
            answers = []
        }
        meter.update { $0.failedAttempts += 1 }
        meter.report("retried")
        logger.warning("subscription notification not delivered",
                       metadata: ["subscription": "\(record.id)", "event": "\(event.id)", "attempt": "\(event.attempts + 1)",
                                  "reason": "\(failure)"])
        if status == 410 {
            try await store.markFailed(eventID: event.id, owner: instance, status: status, error: failure, at: time, next: time)
            try await fail(record.id, reason: "the endpoint answered 410 Gone; delivery stopped")
            return false
        }
        let first = event.firstAttempt ?? time
        if time.timeIntervalSince(first) >= settings.horizon {
            try await store.markFailed(eventID: event.id, owner: instance, status: status, error: failure, at: time, next: time)
            try await fail(record.id, reason: "no delivery for \(Int(settings.horizon)) s: \(failure)")
            return false
        }
        let next = time.addingTimeInterval(settings.backoff(afterAttempt: event.attempts + 1))
        try await store.markFailed(eventID: event.id, owner: instance, status: status, error: failure, at: time, next: next)
        return false
    }

    /// Puts the subscription in `error` with `reason` (a new version of it); its events stay pending.
    func fail(_ id: String, reason: String) async throws {
        for _ in 0..<3 {
            guard var record = try await store.subscription(id: id), !record.deleted, record.status == "active" else { return }
            let expected = record.versionId
            record.status = "error"
            record.error = reason
            record.lastUpdated = max(now(), record.lastUpdated)
            if try await store.replaceSubscription(record, expectedVersion: expected) != nil {
                meter.update { $0.subscriptionsFailed += 1 }
                meter.report("failed")
                logger.warning("subscription put in error", metadata: ["subscription": "\(id)", "reason": "\(reason)"])
                return
            }
        }
    }
}
