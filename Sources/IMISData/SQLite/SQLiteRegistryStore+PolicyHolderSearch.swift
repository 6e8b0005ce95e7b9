import Foundation
import GRDB

/// Search over `tblPolicyHolder`, a history-model table (key `UUID`, live rows `isDeleted = 0`, version
/// `Version`, last update `DateUpdated`; reference §3.9, §4) that the generic ``RowQuery`` search over
/// legacy-versioned tables cannot serve: it has no integer key and no `ValidityFrom`.
extension SQLiteRegistryStore {
    /// A keyset-paged search over the live policy holders matching `query`.
    ///
    /// `RowPredicate.lastUpdated` compares `DateUpdated`; the order is `DateUpdated` (or `UUID`) then `UUID`.
    /// The cursor of a `_lastUpdated` order holds `"<DateUpdated>|<UUID>"` as its key, that of a UUID order the
    /// UUID; its `id` is unused (0). A cursor of another shape is `RegistryError.invalidValue`.
    public func searchPolicyHolders(_ query: RowQuery) throws -> RowPage<PolicyHolder> {
        try database.read { db in try Self.searchPolicyHolders(db, query) }
    }

    /// The policy holder with `uuid`, also when it is deleted (`isDeleted = 1`) if `includeDeleted`.
    public func policyHolder(uuid: String, includeDeleted: Bool) throws -> Versioned<PolicyHolder>? {
        try lookup { reader in
            try RegistrySQL.byUUID(reader.db, PolicyHolder.self, uuid, includeDeleted: includeDeleted)
        }
    }

    static func searchPolicyHolders(_ db: Database, _ query: RowQuery) throws -> RowPage<PolicyHolder> {
        try HistorySearch.search(db, PolicyHolder.self, query)
    }

    /// The table's last update is `DateUpdated`: rewrites the row's own `lastUpdated` conditions (not those of
    /// related tables, which are legacy-versioned).
    static func lastUpdatedAsDateUpdated(_ predicate: RowPredicate) -> RowPredicate {
        switch predicate {
        case .lastUpdated(let op, let date): return .compare("DateUpdated", op, .text(date.databaseText))
        case .and(let items): return .and(items.map(lastUpdatedAsDateUpdated))
        case .or(let items): return .or(items.map(lastUpdatedAsDateUpdated))
        case .not(let inner): return .not(lastUpdatedAsDateUpdated(inner))
        default: return predicate
        }
    }
}
