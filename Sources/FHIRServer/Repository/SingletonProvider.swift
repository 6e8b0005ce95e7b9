import FHIRModels
import Foundation
import IMISData

/// A resource that is configuration rather than a row — the insurer Organization
/// `openIMIS-Implementation` (reference §3.9, "Insurance") — served with the same search tables as the
/// registry: its parameters' ``RowPredicate``s are evaluated in memory against named `fields`.
///
/// It has one version; reads accept its id or any of `aliases` (its business code).
public struct SingletonProvider: ResourceProvider {
    public let resourceType: String
    public let interactions: Set<Interaction> = [.read, .vread, .historyInstance, .searchType]
    public let searchParameters: [SearchParameter]
    public let documentation: String
    let stored: StoredResource
    let aliases: Set<String>
    /// Column name → value, as the search parameters' predicates name them.
    let fields: [String: String]

    public init(
        resourceType: String, resource: Resource, lastUpdated: Date, aliases: Set<String> = [],
        fields: [String: String], searchParameters: [SearchParameter], documentation: String
    ) {
        self.resourceType = resourceType
        self.stored = StoredResource(resource: resource, versionId: 1, lastUpdated: lastUpdated)
        self.aliases = aliases
        self.fields = fields
        self.searchParameters = searchParameters
        self.documentation = documentation
    }

    var id: String { stored.resource.id ?? "" }

    public func read(id: String) async throws(FHIRError) -> StoredResource {
        guard id == self.id || aliases.contains(id) else { throw FHIRError(.notFound, "\(resourceType)/\(id) is not known") }
        return stored
    }

    public func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let found = try await read(id: id)
        guard version == found.versionId else { throw FHIRError(.notFound, "\(resourceType)/\(id) has no version \(version)") }
        return found
    }

    public func history(id: String) async throws(FHIRError) -> [StoredResource] { [try await read(id: id)] }

    /// One match or none; never a next page (http://hl7.org/fhir/R4/search.html).
    public func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        let predicates = try await query.predicates(searchParameters)
        let matches = predicates.allSatisfy(holds)
        let shown = matches && !query.summaryCount && query.count > 0 && (query.pageOffset ?? 1) == 1 && query.cursor == nil
        return SearchMatches(
            resources: shown ? [stored] : [], total: query.summaryCount || query.total != .none ? (matches ? 1 : 0) : nil,
            nextCursor: nil)
    }

    /// Evaluates a predicate as the SQL compiler would on a row holding `fields` (empty text is null).
    func holds(_ predicate: RowPredicate) -> Bool {
        func value(_ column: String) -> String? { fields[column].flatMap { $0.isEmpty ? nil : $0 } }
        switch predicate {
        case .compare(let column, let op, let operand):
            guard let text = value(column) else { return false }
            switch operand {
            case .text(let other): return Self.compare(text, op, other)
            case .integer(let other): return Int64(text).map { Self.compare($0, op, other) } ?? false
            case .null: return false
            }
        case .equalsIgnoringCase(let column, let other):
            return value(column).map { $0.caseInsensitiveCompare(other) == .orderedSame } ?? false
        case .foldedEquals(let column, let other): return value(column).map { foldForSearch($0) == foldForSearch(other) } ?? false
        case .foldedStartsWith(let column, let other):
            return value(column).map { foldForSearch($0).hasPrefix(foldForSearch(other)) } ?? false
        case .foldedContains(let column, let other):
            return value(column).map { foldForSearch($0).contains(foldForSearch(other)) } ?? false
        case .exact(let column, let other): return value(column) == other
        case .isNull(let column): return value(column) == nil
        case .isNotNull(let column): return value(column) != nil
        case .oneOf(let column, let values):
            return values.contains { holds(.compare(column, .equal, $0)) }
        case .and(let items): return items.allSatisfy(holds)
        case .or(let items): return items.contains(where: holds)
        case .not(let inner): return !holds(inner)
        case .related: return false
        case .uuidEquals(let other): return id.caseInsensitiveCompare(other) == .orderedSame
        case .lastUpdated(let op, let date): return Self.compare(stored.lastUpdated, op, date)
        case .constant(let result): return result
        }
    }

    static func compare<T: Comparable>(_ lhs: T, _ op: Comparison, _ rhs: T) -> Bool {
        switch op {
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        case .less: return lhs < rhs
        case .lessOrEqual: return lhs <= rhs
        case .greater: return lhs > rhs
        case .greaterOrEqual: return lhs >= rhs
        }
    }
}
