import FHIRModels
import Foundation
import IMISData

/// Search over a history-model table (reference §5.1: `isDeleted`, `Version`, `DateUpdated`) shared by the
/// Invoice and PaymentNotice providers, with the same keyset paging and `page-offset` rules as
/// ``PolicyHolderProvider`` (http://hl7.org/fhir/R4/search.html).
enum HistoryTableSearch {
    static func search<R: HistoryRecord>(
        _ type: R.Type, _ query: SearchQuery, parameters: [SearchParameter], store: any IMISStore,
        render: (Versioned<R>) async throws(FHIRError) -> StoredResource
    ) async throws(FHIRError) -> SearchMatches {
        let predicates = try await query.predicates(parameters)
        if case .lastUpdated = query.order, let cursor = query.cursor, !cursor.key.contains("|") {
            throw FHIRError(.badSearch, "invalid paging cursor")
        }
        let skip = (query.pageOffset ?? 1) > 1 && query.cursor == nil ? query.count * ((query.pageOffset ?? 1) - 1) : 0
        let rowQuery = RowQuery(
            predicates: predicates, order: query.order, after: query.cursor,
            limit: query.summaryCount ? 0 : query.count + skip, countTotal: query.summaryCount || query.total != .none)
        let page: RowPage<R>
        do { page = try await store.searchHistory(type, rowQuery) } catch { throw FHIRError.storage(error) }
        var resources: [StoredResource] = []
        for item in page.items.dropFirst(skip) { resources.append(try await render(item)) }
        return SearchMatches(resources: resources, total: page.total, nextCursor: page.next?.token)
    }

    /// Date search on a timestamp column (`DateCreated`): the instant is the target, as `_lastUpdated`.
    static func instant(_ c: SearchCriterion, column: some SchemaColumn) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        func at(_ op: Comparison, _ date: Date) -> RowPredicate {
            .compare(column, op, .text(StoredTimestamp.text(date)))
        }
        var alternatives: [RowPredicate] = []
        for v in try c.dates() {
            let eq = RowPredicate.and([at(.greaterOrEqual, v.lower), at(.less, v.upper)])
            switch v.prefix {
            case .eq, .ap: alternatives.append(eq)
            case .ne: alternatives.append(.not(eq))
            case .gt, .sa: alternatives.append(at(.greaterOrEqual, v.upper))
            case .lt, .eb: alternatives.append(at(.less, v.lower))
            case .ge: alternatives.append(at(.greaterOrEqual, v.lower))
            case .le: alternatives.append(at(.less, v.upper))
            }
        }
        return .or(alternatives)
    }

    /// A row of a history-model table as stored, versioned by `Version` and dated by `DateUpdated`.
    static func stored<R: HistoryRecord>(_ row: Versioned<R>, _ resource: Resource) -> StoredResource {
        StoredResource(resource: resource, versionId: row.versionId, lastUpdated: row.record.dateUpdated,
                       deleted: row.record.isDeleted)
    }
}

/// A provider over a history-model table, which keeps only the current version of a row: read,
/// vread of that version, and a history of one entry all come from `current(id:)`.
protocol CurrentVersionProvider: ResourceProvider {
    func current(id: String) async throws(FHIRError) -> StoredResource
}

extension CurrentVersionProvider {
    func read(id: String) async throws(FHIRError) -> StoredResource { try await current(id: id) }

    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let found = try await current(id: id)
        guard found.versionId == version else { throw FHIRError(.notFound, "\(resourceType)/\(id) has no version \(version)") }
        return found
    }

    func history(id: String) async throws(FHIRError) -> [StoredResource] { [try await current(id: id)] }
}
