import Foundation
import GRDB

/// One version of a FHIR Subscription as the project stores it (`imisfhir_subscription`): the columns searches and
/// delivery read, and the resource's own JSON (without `id`, `meta` or the secret) for everything else.
public struct SubscriptionRecord: Sendable, Hashable {
    /// The FHIR id (a lower-case UUID).
    public var id: String
    /// `meta.versionId`; 1 at create, one more on every update and on delete.
    public var versionId: Int
    /// `meta.lastUpdated`, to the millisecond.
    public var lastUpdated: Date
    /// Deleted: a read answers 410, a search does not find it.
    public var deleted: Bool
    /// `Subscription.status` as stored (`active`, `off`, `error`).
    public var status: String
    /// `Subscription.criteria` exactly as written.
    public var criteria: String
    /// `Subscription.channel.type`.
    public var channelType: String
    /// `Subscription.channel.endpoint`.
    public var endpoint: String
    /// The delivery mode: `openimis` or `r4`.
    public var mode: String
    /// Whether it was created through the openIMIS alias (which keeps it in openIMIS mode).
    public var createdViaAlias: Bool
    /// `Subscription.end`.
    public var end: Date?
    /// `Subscription.error`, written by delivery.
    public var error: String?
    /// The signing secret (`whsec_...`), as given or generated at create.
    public var secret: String
    /// The resource's JSON without `id`, `meta` and the secret extension.
    public var resource: String

    /// A record with every column given.
    public init(id: String, versionId: Int, lastUpdated: Date, deleted: Bool = false, status: String, criteria: String,
                channelType: String, endpoint: String, mode: String, createdViaAlias: Bool, end: Date?,
                error: String? = nil, secret: String, resource: String) {
        self.id = id
        self.versionId = versionId
        self.lastUpdated = lastUpdated
        self.deleted = deleted
        self.status = status
        self.criteria = criteria
        self.channelType = channelType
        self.endpoint = endpoint
        self.mode = mode
        self.createdViaAlias = createdViaAlias
        self.end = end
        self.error = error
        self.secret = secret
        self.resource = resource
    }
}

/// The stored Subscriptions (a small table: searches read every current row).
public protocol SubscriptionStore: Sendable {
    /// Inserts a new subscription; false when the id is taken.
    func insertSubscription(_ record: SubscriptionRecord) async throws -> Bool
    /// The current version of `id`, deleted or not; nil when there never was one.
    func subscription(id: String) async throws -> SubscriptionRecord?
    /// Writes `record` as the version after `expectedVersion` (its `versionId` is set by the store); the stored
    /// record, or nil when the stored version is no longer `expectedVersion` (someone wrote in between).
    func replaceSubscription(_ record: SubscriptionRecord, expectedVersion: Int) async throws -> SubscriptionRecord?
    /// Every subscription that is not deleted, oldest change first.
    func currentSubscriptions() async throws -> [SubscriptionRecord]
}

/// The table of the project's own Subscriptions; plain SQL, so that the PostgreSQL schema derives from it.
enum SubscriptionSchema {
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_subscription (
          id TEXT PRIMARY KEY NOT NULL,
          version_id INTEGER NOT NULL,
          last_updated_ms INTEGER NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          status TEXT NOT NULL,
          criteria TEXT NOT NULL,
          channel_type TEXT NOT NULL,
          endpoint TEXT NOT NULL,
          mode TEXT NOT NULL,
          created_via_alias INTEGER NOT NULL DEFAULT 0,
          end_ms INTEGER,
          error TEXT,
          secret TEXT NOT NULL,
          resource TEXT NOT NULL
        );
        """
}

/// ``SubscriptionStore`` written once for every engine over ``AccountSQL``.
public struct SQLSubscriptionStore: SubscriptionStore {
    /// The engine's statements.
    public let sql: any AccountSQL
    /// Whether other processes deliver from the same database (PostgreSQL): an event is then leased in the
    /// database before it is sent. The embedded database has one process, whose delivery service sends each
    /// subscription's events from one task: it leases nothing, which saves a commit per event.
    public let sharedDelivery: Bool

    /// The store over `sql`.
    public init(sql: any AccountSQL, sharedDelivery: Bool = true) {
        self.sql = sql
        self.sharedDelivery = sharedDelivery
    }

    static let columns = """
        id, version_id, last_updated_ms, deleted, status, criteria, channel_type, endpoint, mode, created_via_alias, \
        end_ms, error, secret, resource
        """

    /// Whether the database has the table: an openIMIS database served as it is (`--migrate=false`) has none of
    /// the project's own tables, so it keeps no subscriptions — reads find none, and a write names the missing table.
    func hasTable() async throws -> Bool {
        try await sql.table("imisfhir_subscription") != nil
    }

    /// ``DatabaseMismatch`` naming the table, unless the database has it.
    func requireTable() async throws {
        guard try await hasTable() else {
            throw DatabaseMismatch(table: "imisfhir_subscription", column: nil,
                                   problem: "is missing: subscriptions need the project's own tables (serve with migrations)")
        }
    }

    public func insertSubscription(_ record: SubscriptionRecord) async throws -> Bool {
        try await requireTable()
        return try await sql.write("""
            INSERT INTO imisfhir_subscription (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, Self.values(record)).count == 1
    }

    public func subscription(id: String) async throws -> SubscriptionRecord? {
        guard try await hasTable() else { return nil }
        return try await sql.fetch("SELECT \(Self.columns) FROM imisfhir_subscription WHERE id = ?", [id]).first.flatMap(Self.record)
    }

    public func replaceSubscription(_ record: SubscriptionRecord, expectedVersion: Int) async throws -> SubscriptionRecord? {
        try await requireTable()
        var next = record
        next.versionId = expectedVersion + 1
        let values = Self.values(next)
        // One conditional statement: a concurrent writer that got there first leaves no row to update.
        let rows = try await sql.write("""
            UPDATE imisfhir_subscription SET version_id = ?, last_updated_ms = ?, deleted = ?, status = ?, criteria = ?,
              channel_type = ?, endpoint = ?, mode = ?, created_via_alias = ?, end_ms = ?, error = ?, secret = ?, resource = ?
            WHERE id = ? AND version_id = ? RETURNING id
            """, Array(values.dropFirst()) + [next.id, expectedVersion])
        return rows.count == 1 ? next : nil
    }

    public func currentSubscriptions() async throws -> [SubscriptionRecord] {
        guard try await hasTable() else { return [] }
        return try await sql.fetch("""
            SELECT \(Self.columns) FROM imisfhir_subscription WHERE deleted = 0 ORDER BY last_updated_ms, id
            """).compactMap(Self.record)
    }

    /// The column values of `record`, in ``columns`` order.
    static func values(_ record: SubscriptionRecord) -> [(any DatabaseValueConvertible)?] {
        [record.id, Int64(record.versionId), milliseconds(record.lastUpdated), record.deleted ? 1 : 0, record.status,
         record.criteria, record.channelType, record.endpoint, record.mode, record.createdViaAlias ? 1 : 0,
         record.end.map(milliseconds), record.error, record.secret, record.resource]
    }

    /// A row in ``columns`` order; nil when it does not have their shape.
    static func record(_ row: [DatabaseValue]) -> SubscriptionRecord? {
        guard row.count == 14, let id = String.fromDatabaseValue(row[0]), let version = Int64.fromDatabaseValue(row[1]),
            let updated = Int64.fromDatabaseValue(row[2]), let status = String.fromDatabaseValue(row[4]),
            let criteria = String.fromDatabaseValue(row[5]), let type = String.fromDatabaseValue(row[6]),
            let endpoint = String.fromDatabaseValue(row[7]), let mode = String.fromDatabaseValue(row[8]),
            let secret = String.fromDatabaseValue(row[12]), let resource = String.fromDatabaseValue(row[13])
        else { return nil }
        return SubscriptionRecord(
            id: id, versionId: Int(version), lastUpdated: date(updated), deleted: Int64.fromDatabaseValue(row[3]) == 1,
            status: status, criteria: criteria, channelType: type, endpoint: endpoint, mode: mode,
            createdViaAlias: Int64.fromDatabaseValue(row[9]) == 1, end: Int64.fromDatabaseValue(row[10]).map(date),
            error: String.fromDatabaseValue(row[11]), secret: secret, resource: resource)
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}
