import Foundation
import IMISData
import NIOConcurrencyHelpers

/// Rendered resources as compact FHIR JSON, kept per (type, id) with the version they were rendered from, so
/// that a read or a search match is a row lookup plus a copy instead of the related-row reads, the mapping and
/// the encoding.
///
/// Correctness:
/// - A hit needs the current row's `versionId` and `lastUpdated` (the caller has just read the row): another
///   version than the current one is never served.
/// - An entry remembers every row its rendering read (``ReadRecorder``: the insuree, its family, the head, the
///   village chain, the facility...). Every commit of the database's writer reports the rows it changed
///   (``IMISDatabase/observeCommittedChanges(_:)``) and the entries that read one of them are dropped before
///   the write returns. Writes therefore need no call of their own; ``invalidate(type:id:)`` and
///   ``invalidateAll()`` are there for changes the database cannot see.
/// - A rendering that raced with a commit touching what it read is not stored.
/// - Writes by another process on the same database file are not seen: the cache is for a server that owns
///   its database (the embedded SQLite file), and must be off in front of a shared one, unless the database
///   itself reports every commit (PostgreSQL's change notifications): then the cache is ``trusted`` only while
///   that report is connected, and flushed whenever it connects or drops (``reset(trusted:)``).
///
/// Memory: bounded by `byteLimit` (the JSON plus the bookkeeping of each entry); past it, entries not used
/// since the clock hand last passed are evicted (CLOCK, an LRU approximation without a list). Only the JSON is
/// kept: the model of a Patient takes about ten times the memory of its JSON. A caller that needs the model
/// decodes it (``StoredResource`` does so on first use).
public final class RenderCache: Sendable {

    /// Counters, for tests and diagnostics.
    public struct Statistics: Sendable, Hashable {
        public var entries: Int
        public var bytes: Int
        public var hits: Int
        public var misses: Int
    }

    struct Key: Hashable, Sendable {
        let type: String
        let id: String
    }

    struct Entry: Sendable {
        let key: Key
        let versionId: Int
        let lastUpdated: Date
        let json: [UInt8]
        let dependencies: [RowKey]
        let cost: Int
        var referenced = false
    }

    struct State: Sendable {
        var index: [Key: Int] = [:]
        var slots: [Entry?] = []
        var free: [Int] = []
        var hand = 0
        var bytes = 0
        /// Entries by the rows they read (`rowID == nil`: entries that read a set of the table's rows).
        var dependents: [RowKey: Set<Key>] = [:]
        /// Bumped by every invalidation; a rendering records it before reading.
        var generation: UInt64 = 0
        /// The last change sets, newest last, with the generation each one started.
        var recent: [(generation: UInt64, changes: CommittedChanges)] = []
        var hits = 0
        var misses = 0
        /// Whether entries may be served and stored (see ``RenderCache/reset(trusted:)``).
        var trusted = true
        var flushes = 0
    }

    /// The most memory the entries may take (bytes, estimated).
    public let byteLimit: Int
    private let state = NIOLockedValueBox(State())
    static let recentLimit = 64

    /// Whether every write to the database passes through this process, so that the commit-driven invalidation
    /// sees all of them: then a read may be answered from the cache without asking the database for the current
    /// version (an embedded SQLite file). A database shared with other writers must say false.
    public let seesEveryWrite: Bool

    /// A cache of at most `byteLimit` bytes; `trusted` false keeps it empty until ``reset(trusted:)`` says so.
    public init(byteLimit: Int, seesEveryWrite: Bool = false, trusted: Bool = true) {
        self.byteLimit = max(0, byteLimit)
        self.seesEveryWrite = seesEveryWrite
        state.withLockedValue { $0.trusted = trusted }
    }

    /// Whether the cache answers and keeps renderings now (false while the feed of commits is disconnected).
    public var isTrusted: Bool { state.withLockedValue { $0.trusted } }

    /// How many times the cache was flushed as a whole (a feed that connected, dropped or lost track).
    public var flushes: Int { state.withLockedValue { $0.flushes } }

    /// The cached rendering of the current version of `type`/`id`, when ``seesEveryWrite`` (an entry is dropped by
    /// the commit that changes any row it was made from, so a present entry is current).
    public func current(type: String, id: String) -> (json: [UInt8], versionId: Int, lastUpdated: Date)? {
        guard seesEveryWrite else { return nil }
        return state.withLockedValue { s in
            guard s.trusted, let slot = s.index[Key(type: type, id: id)], let entry = s.slots[slot] else { return nil }
            s.hits += 1
            if !entry.referenced { s.slots[slot]?.referenced = true }
            return (entry.json, entry.versionId, entry.lastUpdated)
        }
    }

    /// What an entry is charged: its JSON and the bookkeeping (slot, index, the dependents sets).
    static func cost(jsonCount: Int, dependencies: Int) -> Int { jsonCount + 320 + dependencies * 112 }

    /// The compact FHIR JSON of `type`/`id` at exactly this version, if cached.
    public func lookup(type: String, id: String, versionId: Int, lastUpdated: Date) -> [UInt8]? {
        state.withLockedValue { s in
            guard s.trusted, let slot = s.index[Key(type: type, id: id)], let entry = s.slots[slot],
                entry.versionId == versionId, entry.lastUpdated == lastUpdated
            else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            if !entry.referenced { s.slots[slot]?.referenced = true }
            return entry.json
        }
    }

    /// The rows the cached rendering of `type`/`id` at this version was made from; nil when it is not cached.
    /// (An answer built from cached renderings depends on those rows too.)
    public func dependencies(type: String, id: String, versionId: Int, lastUpdated: Date) -> [RowKey]? {
        state.withLockedValue { s in
            guard let slot = s.index[Key(type: type, id: id)], let entry = s.slots[slot],
                entry.versionId == versionId, entry.lastUpdated == lastUpdated
            else { return nil }
            return entry.dependencies
        }
    }

    /// Taken before the reads of a rendering; ``insert(type:id:versionId:lastUpdated:json:dependencies:ticket:)``
    /// refuses the result when a commit since then changed one of the rows it read.
    public var ticket: UInt64 { state.withLockedValue { $0.generation } }

    /// Stores the JSON of a rendering of the current row, made from the rows in `dependencies`.
    public func insert(
        type: String, id: String, versionId: Int, lastUpdated: Date, json: [UInt8], dependencies: [RowKey],
        ticket: UInt64
    ) {
        let cost = Self.cost(jsonCount: json.count, dependencies: dependencies.count)
        guard cost <= byteLimit / 16 else { return }
        // An exact-size copy: the writer's buffer has grown by doubling.
        let json = [UInt8](unsafeUninitializedCapacity: json.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: json)
        }
        let key = Key(type: type, id: id)
        state.withLockedValue { s in
            guard s.trusted else { return }
            if ticket != s.generation {
                guard let oldest = s.recent.first, oldest.generation <= ticket + 1 else { return }
                for (generation, changes) in s.recent where generation > ticket {
                    if dependencies.contains(where: changes.affects) { return }
                }
            }
            if let slot = s.index[key] { Self.remove(slot: slot, from: &s) }
            while s.bytes + cost > byteLimit, !s.index.isEmpty { Self.evictOne(&s) }
            let entry = Entry(key: key, versionId: versionId, lastUpdated: lastUpdated, json: json,
                              dependencies: dependencies, cost: cost)
            let slot: Int
            if let reused = s.free.popLast() {
                slot = reused
                s.slots[slot] = entry
            } else {
                slot = s.slots.count
                s.slots.append(entry)
            }
            s.index[key] = slot
            s.bytes += cost
            for dependency in dependencies { s.dependents[dependency, default: []].insert(key) }
        }
    }

    /// Drops the entries that read a row `changes` reports (called after every commit of the writer).
    public func apply(_ changes: CommittedChanges) {
        guard !changes.isEmpty else { return }
        state.withLockedValue { s in
            s.generation += 1
            s.recent.append((s.generation, changes))
            if s.recent.count > Self.recentLimit { s.recent.removeFirst(s.recent.count - Self.recentLimit) }
            var victims = Set<Key>()
            var tables = changes.tables
            for row in changes.rows {
                if let keys = s.dependents[row] { victims.formUnion(keys) }
                tables.insert(row.table)
            }
            for table in tables {
                if let keys = s.dependents[RowKey(table: table, rowID: nil)] { victims.formUnion(keys) }
            }
            if !changes.tables.isEmpty {
                for (row, keys) in s.dependents where changes.tables.contains(row.table) { victims.formUnion(keys) }
            }
            for key in victims {
                if let slot = s.index[key] { Self.remove(slot: slot, from: &s) }
            }
        }
    }

    /// Drops the entry of one resource (for changes the database does not report).
    public func invalidate(type: String, id: String) {
        state.withLockedValue { s in
            s.generation += 1
            s.recent.removeAll()
            if let slot = s.index[Key(type: type, id: id)] { Self.remove(slot: slot, from: &s) }
        }
    }

    /// Drops every entry.
    public func invalidateAll() {
        state.withLockedValue { s in Self.flush(&s, trusted: s.trusted) }
    }

    /// Drops every entry and sets whether the cache may serve and keep renderings from now on: a feed of commits
    /// that (re)connected makes it trusted, one that dropped untrusted (renderings made before are never served:
    /// a change may have gone unreported).
    public func reset(trusted: Bool) {
        state.withLockedValue { s in Self.flush(&s, trusted: trusted) }
    }

    private static func flush(_ s: inout State, trusted: Bool) {
        let generation = s.generation + 1
        let (hits, misses, flushes) = (s.hits, s.misses, s.flushes)
        s = State()
        s.generation = generation
        (s.hits, s.misses, s.flushes) = (hits, misses, flushes + 1)
        s.trusted = trusted
    }

    public var statistics: Statistics {
        state.withLockedValue { s in Statistics(entries: s.index.count, bytes: s.bytes, hits: s.hits, misses: s.misses) }
    }

    private static func remove(slot: Int, from s: inout State) {
        guard let entry = s.slots[slot] else { return }
        s.slots[slot] = nil
        s.free.append(slot)
        s.index[entry.key] = nil
        s.bytes -= entry.cost
        for dependency in entry.dependencies {
            if var keys = s.dependents.removeValue(forKey: dependency) {
                keys.remove(entry.key)
                if !keys.isEmpty { s.dependents[dependency] = keys }
            }
        }
    }

    /// CLOCK: the first entry not referenced since the hand last passed goes.
    private static func evictOne(_ s: inout State) {
        var steps = 0
        while steps < 2 * s.slots.count + 1 {
            if s.hand >= s.slots.count { s.hand = 0 }
            let slot = s.hand
            s.hand += 1
            steps += 1
            guard let entry = s.slots[slot] else { continue }
            if entry.referenced {
                s.slots[slot]?.referenced = false
            } else {
                remove(slot: slot, from: &s)
                return
            }
        }
    }
}
