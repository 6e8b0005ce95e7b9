import Foundation
import GRDB

/// One event of a Subscription: a version of a followed resource that its criteria selected, recorded in the
/// transaction of the change (``WriteOutbox``), then delivered by the delivery service.
public struct SubscriptionEvent: Sendable, Hashable {
    /// The event id, sent as `webhook-id` on every attempt (a lower-case UUID).
    public var id: String
    /// The Subscription.
    public var subscriptionID: String
    /// Its place in the subscription's order (1, 2, ...): commit order.
    public var seq: Int64
    /// The resource's type and id, and the version that was evaluated.
    public var resourceType: String
    public var resourceID: String
    public var versionID: Int
    /// When the change committed (to the millisecond).
    public var time: Date
    /// The body to send, as rendered in the transaction; nil for R4's empty notification.
    public var body: String?
    /// `pending`, `delivered`, or `refused` (never to be sent: `reason` says why).
    public var state: String
    /// Why the event is `refused`.
    public var reason: String?
    /// Attempts made so far, when the first of them was made (since the last resend), and when the next is due.
    public var attempts: Int
    public var firstAttempt: Date?
    public var nextAttempt: Date
    /// The HTTP status of the last answer, or the last failure (no body, headers or secret in it).
    public var lastStatus: Int?
    public var lastError: String?
    /// When a receiver acknowledged it (2xx).
    public var delivered: Date?

    /// A new pending event due now.
    public init(id: String, subscriptionID: String, resourceType: String, resourceID: String, versionID: Int, time: Date,
                body: String?, state: String = "pending", reason: String? = nil) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.seq = 0
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.versionID = versionID
        self.time = time
        self.body = body
        self.state = state
        self.reason = reason
        self.attempts = 0
        self.nextAttempt = time
    }
}

/// The events of the Subscriptions, their delivery state and leases, over ``AccountSQL`` (both engines).
public protocol SubscriptionEventStore: Sendable {
    /// Records `event` as the next of its subscription (its `seq` is set here). Call it inside the transaction of
    /// the change: the subscription's key is locked until that transaction ends, so the order is commit order.
    func recordEvent(_ event: SubscriptionEvent) async throws
    /// Notes that an openIMIS-mode subscription notified `type`/`id`; false when it already had.
    func markNotified(subscriptionID: String, type: String, id: String) async throws -> Bool
    /// Stores who created the subscription (see the FHIR layer's owner form).
    func setOwner(subscriptionID: String, owner: String) async throws
    /// Every subscription's owner.
    func owners() async throws -> [String: String]
    /// The events of a subscription in order, from `afterSeq`, at most `limit`.
    func events(subscriptionID: String, afterSeq: Int64, limit: Int) async throws -> [SubscriptionEvent]
    /// The subscriptions that have an undelivered event.
    func subscriptionsWithPendingEvents() async throws -> Set<String>
    /// Leases the subscription's first undelivered event to `owner` until `until`, when it is due at `now` and no
    /// other instance holds a live lease on it; nil otherwise (nothing due, or leased elsewhere).
    func claimNext(subscriptionID: String, owner: String, now: Date, until: Date) async throws -> SubscriptionEvent?
    /// Records a 2xx answer to the leased event.
    func markDelivered(eventID: String, owner: String, status: Int, at: Date) async throws
    /// Whether events are sent without a lease (one process delivers): then ``dueInOrder(subscriptionID:now:limit:)``
    /// and ``markDelivered(_:)`` let the delivery send a run of events and record their answers in one write.
    var sendsWithoutLeases: Bool { get }
    /// The subscription's undelivered events in order, at most `limit`, when the first is due at `now`; empty
    /// otherwise. Only where nothing is leased.
    func dueInOrder(subscriptionID: String, now: Date, limit: Int) async throws -> [SubscriptionEvent]
    /// Records the 2xx answers to several events in one transaction (each `(event id, status, time)`).
    func markDelivered(_ answers: [(eventID: String, status: Int, at: Date)]) async throws
    /// Records a failed attempt at the leased event; the next is due at `next`.
    func markFailed(eventID: String, owner: String, status: Int?, error: String, at: Date, next: Date) async throws
    /// Makes every undelivered event of the subscription due at `now`, attempts and horizon starting again.
    func resetPending(subscriptionID: String, now: Date) async throws -> Int
}

/// The tables of the events (migration "v10 subscription events").
enum SubscriptionEventSchema {
    /// `UNIQUE (state, subscription_id, seq)` holds anyway (seq is unique per subscription): it is declared so
    /// that both engines index the look-up of a subscription's first pending event.
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_subscription_event (
          id TEXT PRIMARY KEY NOT NULL,
          subscription_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          event_ms INTEGER NOT NULL,
          body TEXT,
          state TEXT NOT NULL,
          reason TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          first_attempt_ms INTEGER,
          next_attempt_ms INTEGER NOT NULL,
          last_status INTEGER,
          last_error TEXT,
          delivered_ms INTEGER,
          lease_owner TEXT,
          lease_until_ms INTEGER,
          UNIQUE (subscription_id, seq),
          UNIQUE (state, subscription_id, seq)
        );
        CREATE TABLE IF NOT EXISTS imisfhir_subscription_owner (
          subscription_id TEXT PRIMARY KEY NOT NULL,
          owner TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS imisfhir_subscription_notified (
          subscription_id TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id TEXT NOT NULL,
          PRIMARY KEY (subscription_id, resource_type, resource_id)
        );
        """
}

extension SQLSubscriptionStore: SubscriptionEventStore {
    static let eventColumns = """
        id, subscription_id, seq, resource_type, resource_id, version_id, event_ms, body, state, reason, attempts, \
        first_attempt_ms, next_attempt_ms, last_status, last_error, delivered_ms
        """

    public func recordEvent(_ event: SubscriptionEvent) async throws {
        try await sql.lock("subscription-events " + event.subscriptionID)
        let last = Int64.fromDatabaseValue(try await sql.value(
            "SELECT MAX(seq) FROM imisfhir_subscription_event WHERE subscription_id = ?", [event.subscriptionID])) ?? 0
        try await sql.write("""
            INSERT INTO imisfhir_subscription_event (id, subscription_id, seq, resource_type, resource_id, version_id,
              event_ms, body, state, reason, attempts, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
            """, [event.id, event.subscriptionID, last + 1, event.resourceType, event.resourceID, Int64(event.versionID),
                  Self.milliseconds(event.time), event.body, event.state, event.reason, Self.milliseconds(event.time)])
    }

    public func markNotified(subscriptionID: String, type: String, id: String) async throws -> Bool {
        try await sql.write("""
            INSERT INTO imisfhir_subscription_notified (subscription_id, resource_type, resource_id) VALUES (?, ?, ?)
            ON CONFLICT DO NOTHING RETURNING subscription_id
            """, [subscriptionID, type, id]).count == 1
    }

    public func setOwner(subscriptionID: String, owner: String) async throws {
        try await sql.write("""
            INSERT INTO imisfhir_subscription_owner (subscription_id, owner) VALUES (?, ?)
            ON CONFLICT (subscription_id) DO UPDATE SET owner = excluded.owner
            """, [subscriptionID, owner])
    }

    public func owners() async throws -> [String: String] {
        guard try await sql.table("imisfhir_subscription_owner") != nil else { return [:] }
        var result: [String: String] = [:]
        for row in try await sql.fetch("SELECT subscription_id, owner FROM imisfhir_subscription_owner") {
            if row.count == 2, let id = String.fromDatabaseValue(row[0]), let owner = String.fromDatabaseValue(row[1]) {
                result[id] = owner
            }
        }
        return result
    }

    public func events(subscriptionID: String, afterSeq: Int64, limit: Int) async throws -> [SubscriptionEvent] {
        guard try await sql.table("imisfhir_subscription_event") != nil else { return [] }
        return try await sql.fetch("""
            SELECT \(Self.eventColumns) FROM imisfhir_subscription_event WHERE subscription_id = ? AND seq > ?
            ORDER BY seq LIMIT ?
            """, [subscriptionID, afterSeq, Int64(limit)]).compactMap(Self.event)
    }

    public func subscriptionsWithPendingEvents() async throws -> Set<String> {
        guard try await sql.table("imisfhir_subscription_event") != nil else { return [] }
        return Set(try await sql.fetch("SELECT DISTINCT subscription_id FROM imisfhir_subscription_event WHERE state = 'pending'")
            .compactMap { $0.first.flatMap(String.fromDatabaseValue) })
    }

    public func claimNext(subscriptionID: String, owner: String, now: Date, until: Date) async throws -> SubscriptionEvent? {
        let now = Self.milliseconds(now)
        guard sharedDelivery else {
            // One process delivers: its task for this subscription is the only sender, nothing to lease. The
            // first pending event, when it is due (a later one never overtakes it).
            return try await sql.fetch("""
                SELECT \(Self.eventColumns) FROM imisfhir_subscription_event
                WHERE id = (SELECT id FROM imisfhir_subscription_event WHERE state = 'pending' AND subscription_id = ?
                            ORDER BY seq LIMIT 1)
                  AND next_attempt_ms <= ?
                """, [subscriptionID, now]).first.flatMap(Self.event)
        }
        // One conditional statement: of two instances, the second finds the lease live and gets no row.
        return try await sql.write("""
            UPDATE imisfhir_subscription_event SET lease_owner = ?, lease_until_ms = ?
            WHERE id = (SELECT id FROM imisfhir_subscription_event WHERE state = 'pending' AND subscription_id = ?
                        ORDER BY seq LIMIT 1)
              AND next_attempt_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms < ? OR lease_owner = ?)
            RETURNING \(Self.eventColumns)
            """, [owner, Self.milliseconds(until), subscriptionID, now, now, owner]).first.flatMap(Self.event)
    }

    public var sendsWithoutLeases: Bool { !sharedDelivery }

    public func dueInOrder(subscriptionID: String, now: Date, limit: Int) async throws -> [SubscriptionEvent] {
        let pending = try await sql.fetch("""
            SELECT \(Self.eventColumns) FROM imisfhir_subscription_event
            WHERE state = 'pending' AND subscription_id = ? ORDER BY seq LIMIT ?
            """, [subscriptionID, Int64(max(1, limit))]).compactMap(Self.event)
        guard let first = pending.first, first.nextAttempt <= now else { return [] }
        return pending
    }

    public func markDelivered(_ answers: [(eventID: String, status: Int, at: Date)]) async throws {
        guard !answers.isEmpty else { return }
        try await sql.transaction {
            for answer in answers {
                try await markDelivered(eventID: answer.eventID, owner: "", status: answer.status, at: answer.at)
            }
        }
    }

    /// The condition that `owner` still holds the lease of the event (always true where nothing is leased).
    var leaseHeld: String { sharedDelivery ? "lease_owner = ?" : "(lease_owner IS NULL OR lease_owner = ?)" }

    public func markDelivered(eventID: String, owner: String, status: Int, at: Date) async throws {
        let at = Self.milliseconds(at)
        try await sql.write("""
            UPDATE imisfhir_subscription_event SET state = 'delivered', delivered_ms = ?, last_status = ?, last_error = NULL,
              attempts = attempts + 1, first_attempt_ms = COALESCE(first_attempt_ms, ?), lease_owner = NULL,
              lease_until_ms = NULL
            WHERE id = ? AND \(leaseHeld)
            """, [at, Int64(status), at, eventID, owner])
    }

    public func markFailed(eventID: String, owner: String, status: Int?, error: String, at: Date, next: Date) async throws {
        let at = Self.milliseconds(at)
        try await sql.write("""
            UPDATE imisfhir_subscription_event SET last_status = ?, last_error = ?, attempts = attempts + 1,
              first_attempt_ms = COALESCE(first_attempt_ms, ?), next_attempt_ms = ?, lease_owner = NULL, lease_until_ms = NULL
            WHERE id = ? AND \(leaseHeld)
            """, [status.map { Int64($0) }, error, at, Self.milliseconds(next), eventID, owner])
    }

    public func resetPending(subscriptionID: String, now: Date) async throws -> Int {
        try await sql.write("""
            UPDATE imisfhir_subscription_event SET next_attempt_ms = ?, attempts = 0, first_attempt_ms = NULL
            WHERE subscription_id = ? AND state = 'pending' RETURNING id
            """, [Self.milliseconds(now), subscriptionID]).count
    }

    /// A row in ``eventColumns`` order; nil when it does not have their shape.
    static func event(_ row: [DatabaseValue]) -> SubscriptionEvent? {
        guard row.count == 16, let id = String.fromDatabaseValue(row[0]), let subscription = String.fromDatabaseValue(row[1]),
            let seq = Int64.fromDatabaseValue(row[2]), let type = String.fromDatabaseValue(row[3]),
            let resource = String.fromDatabaseValue(row[4]), let version = Int64.fromDatabaseValue(row[5]),
            let time = Int64.fromDatabaseValue(row[6]), let state = String.fromDatabaseValue(row[8]),
            let attempts = Int64.fromDatabaseValue(row[10]), let next = Int64.fromDatabaseValue(row[12])
        else { return nil }
        var event = SubscriptionEvent(id: id, subscriptionID: subscription, resourceType: type, resourceID: resource,
                                      versionID: Int(version), time: date(time), body: String.fromDatabaseValue(row[7]),
                                      state: state, reason: String.fromDatabaseValue(row[9]))
        event.seq = seq
        event.attempts = Int(attempts)
        event.firstAttempt = Int64.fromDatabaseValue(row[11]).map(date)
        event.nextAttempt = date(next)
        event.lastStatus = Int64.fromDatabaseValue(row[13]).map { Int($0) }
        event.lastError = String.fromDatabaseValue(row[14])
        event.delivered = Int64.fromDatabaseValue(row[15]).map(date)
        return event
    }
}
