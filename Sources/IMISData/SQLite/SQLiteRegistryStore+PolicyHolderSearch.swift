import Foundation

extension SQLiteRegistryStore {
    /// A history-model table's last update is `DateUpdated`: rewrites the row's own `lastUpdated` conditions (not
    /// those of related tables, which are legacy-versioned).
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
