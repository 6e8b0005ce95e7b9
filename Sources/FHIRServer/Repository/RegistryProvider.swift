import FHIRModels
import Foundation
import IMISData
import NIOConcurrencyHelpers

/// A ``ResourceProvider`` over one legacy-versioned openIMIS table: reads by UUID (or business
/// code), history from the ValidityFrom/ValidityTo/LegacyID rows, keyset-paged search from the
/// type's parameter table, rendering through a pure mapping.
public struct RegistryProvider<Record: VersionedRecord>: ResourceProvider {
    public let resourceType: String
    public let interactions: Set<Interaction>
    public let searchParameters: [SearchParameter]
    public let documentation: String
    /// How row security keeps this type within districts, for the types it can narrow.
    public let districtScope: DistrictScope?
    let store: any IMISStore
    /// Reads also accept the business code (CHF ID, location code, ...) as openIMIS does.
    let readsByCode: Bool
    /// Extra conditions every search and read applies (e.g. the kind of Organization).
    let scope: [RowPredicate]
    /// How a business code is looked up, when not by the table's own code column.
    let codeLookup: (@Sendable (String) async throws -> Versioned<Record>?)?
    /// Create, update and delete, for the types that accept writes.
    let writer: RegistryWriter<Record>?
    public let createAnswerType: String?
    let render: @Sendable (Versioned<Record>) async throws -> Resource
    /// Renderings of current rows, for the types whose provider passes one (see ``RenderCache``).
    let cache: RenderCache?

    public init(
        resourceType: String, store: any IMISStore, readsByCode: Bool = true,
        interactions: Set<Interaction> = [.read, .vread, .historyInstance, .searchType],
        searchParameters: [SearchParameter], districtScope: DistrictScope? = nil, documentation: String = "Read-only view of the openIMIS registry.",
        scope: [RowPredicate] = [], codeLookup: (@Sendable (String) async throws -> Versioned<Record>?)? = nil,
        writer: RegistryWriter<Record>? = nil, createAnswerType: String? = nil, cache: RenderCache? = nil,
        render: @escaping @Sendable (Versioned<Record>) async throws -> Resource
    ) {
        self.resourceType = resourceType
        self.store = store
        self.readsByCode = readsByCode
        self.interactions = writer.map { interactions.union($0.interactions) } ?? interactions
        self.searchParameters = searchParameters
        self.districtScope = districtScope
        self.documentation = documentation
        self.scope = scope
        self.codeLookup = codeLookup
        self.writer = writer
        self.createAnswerType = createAnswerType
        self.render = render
        self.cache = cache
    }

    public var cachesRenderings: Bool { cache != nil }

    /// The current row for `id` (UUID, or business code); the closed row when it was deleted.
    func row(_ id: String) async throws(FHIRError) -> Versioned<Record> {
        let found: Versioned<Record>?
        do {
            if RowUUID.normalized(id) != nil {
                found = try await store.record(Record.self, uuid: id, includeDeleted: true)
            } else if let codeLookup {
                found = try await codeLookup(id)
            } else if readsByCode {
                found = try await store.record(Record.self, code: id)
            } else {
                found = nil
            }
        } catch {
            throw FHIRError.storage(error)
        }
        guard let found else { throw FHIRError(.notFound, "\(resourceType)/\(id) is not known") }
        return found
    }

    /// The resource of `row`: from the cache when it holds this version, else rendered (and cached). Inside a
    /// unit of work (a transaction Bundle) the cache is left alone: the rows read may be uncommitted writes, and
    /// a cached rendering may predate them. When reads may come from a lagging replica, only a row and a rendering
    /// read from the primary (``ReadRouting/mayUseReplica`` cleared, as ``read(id:)`` does) are cached: a replica's
    /// older rows would otherwise be cached as current after the primary's change notification dropped the entry.
    func stored(_ row: Versioned<Record>) async throws(FHIRError) -> StoredResource {
        let lastUpdated = row.record.validityFrom
        guard let cache, !UnitOfWork.isActive, row.record.isCurrent, let key = RowKey.of(row.record) else {
            return try await rendered(row)
        }
        let id = row.record.uuid
        if let json = cache.lookup(type: resourceType, id: id, versionId: row.versionId, lastUpdated: lastUpdated) {
            return StoredResource(json: json, id: id, versionId: row.versionId, lastUpdated: lastUpdated)
        }
        if store.readsMayLag, ReadRouting.mayUseReplica { return try await rendered(row) }
        // The ticket comes before the reads, the recorder lists them: see RenderCache.
        let ticket = cache.ticket
        let recorder = ReadRecorder()
        var result: StoredResource
        do {
            result = try await ReadRecorder.$current.withValue(recorder) { try await rendered(row) }
        } catch {
            throw FHIRError.storage(error)
        }
        let json = result.resource.jsonBytes()
        result.json = json
        cache.insert(
            type: resourceType, id: id, versionId: row.versionId, lastUpdated: lastUpdated, json: json,
            dependencies: Array(recorder.rows.union([key])), ticket: ticket)
        return result
    }

    func rendered(_ row: Versioned<Record>) async throws(FHIRError) -> StoredResource {
        do {
            var resource = try await render(row).resource
            resource.meta = Meta(
                versionId: FHIRPrimitive(FHIRId(String(row.versionId))),
                lastUpdated: FHIRPrimitive(FHIRInstant(row.record.validityFrom)))
            return StoredResource(
                resource: Resource(resource), versionId: row.versionId, lastUpdated: row.record.validityFrom,
                deleted: row.record.isDeleted)
        } catch {
            throw FHIRError.rendering(error)
        }
    }

    public func read(id: String) async throws(FHIRError) -> StoredResource {
        if let cache, !UnitOfWork.isActive, let uuid = RowUUID.normalized(id),
           let hit = cache.current(type: resourceType, id: uuid) {
            return StoredResource(json: hit.json, id: uuid, versionId: hit.versionId, lastUpdated: hit.lastUpdated)
        }
        guard cache != nil, store.readsMayLag, ReadRouting.mayUseReplica else {
            let found = try await row(id)
            if found.record.isDeleted { throw FHIRError(.gone, "\(resourceType)/\(id) was deleted") }
            return try await stored(found)
        }
        // A cache miss with replicas: read and render from the primary, so that the rendering may be cached.
        do {
            return try await ReadRouting.$mayUseReplica.withValue(false) { try await read(id: id) }
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }

    public func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let all = try await history(id: id)
        guard let match = all.first(where: { $0.versionId == version }) else {
            throw FHIRError(.notFound, "\(resourceType)/\(id) has no version \(version)")
        }
        if match.deleted { throw FHIRError(.gone, "\(resourceType)/\(id) version \(version) is a deletion") }
        return match
    }

    public func history(id: String) async throws(FHIRError) -> [StoredResource] {
        let head = try await row(id)
        guard let key = head.record.id else { return [] }
        let versions: [Versioned<Record>]
        do { versions = try await store.versions(Record.self, id: key) } catch { throw FHIRError.storage(error) }
        var result: [StoredResource] = []
        for version in versions.reversed() {
            var item = try await stored(version)
            item.resource = idFixed(item.resource, id: head.record.uuid)
            result.append(item)
        }
        return result
    }

    /// History rows carry their own UUID; as versions of one resource they show the current id.
    func idFixed(_ resource: Resource, id: String) -> Resource {
        var inner = resource.resource
        inner.id = id
        return Resource(inner)
    }

    public func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        var predicates = scope + (try await query.predicates(searchParameters))
        if let districts = query.districts {
            // A type without a district scope cannot be narrowed: nothing of it is within the districts.
            predicates.append(districtScope?.predicate(districts) ?? .constant(false))
        }
        var rowQuery = RowQuery(
            predicates: predicates, order: query.order, after: query.cursor, before: query.beforeCursor,
            limit: query.summaryCount ? 0 : query.count,
            countTotal: query.summaryCount || query.total != .none)
        if !query.totalAsked && !query.summaryCount { rowQuery.totalLimit = RowQuery.defaultTotalLimit }
        if let pageOffset = query.pageOffset, pageOffset > 1, query.cursor == nil {
            rowQuery.limit = query.count * (pageOffset - 1) + query.count
        }
        let page: RowPage<Record>
        do { page = try await store.search(Record.self, rowQuery) } catch { throw FHIRError.storage(error) }
        var items = page.items
        if let pageOffset = query.pageOffset, pageOffset > 1, query.cursor == nil {
            items = Array(items.dropFirst(query.count * (pageOffset - 1)))
        }
        let resources = try await storedPage(items)
        return SearchMatches(
            resources: resources, total: page.total, nextCursor: page.next?.token, previousCursor: page.previous?.token)
    }
}

extension RegistryProvider {
    /// How many resources of one page render at once: a rendering waits on several reads of related rows, and a
    /// page rendered one resource after the other waits on every one of them in turn.
    static var renderWidth: Int { 8 }

    /// The resources of a page's rows, in their order. Outside a unit of work, on a database server, they render
    /// ``renderWidth`` at a time: as many workers, each taking the next row not yet taken, each with its reads on
    /// one connection it holds for the page (``RegistryStore/withOneConnection(_:)``: a connection leased per
    /// read would be leased and given back thousands of times a page). Inside a unit of work (on the unit's
    /// connection), or on an embedded database (whose reads hold a thread each), in turn.
    func storedPage(_ items: [Versioned<Record>]) async throws(FHIRError) -> [StoredResource] {
        guard items.count > 1, !UnitOfWork.isActive, store.readsWaitOnServer else {
            var resources: [StoredResource] = []
            resources.reserveCapacity(items.count)
            for item in items { resources.append(try await stored(item)) }
            return resources
        }
        var slots = [StoredResource?](repeating: nil, count: items.count)
        let taken = NIOLockedValueBox(0)
        let store = self.store
        do {
            try await withThrowingTaskGroup(of: [(Int, StoredResource)].self) { group in
                for _ in 0..<min(Self.renderWidth, items.count) {
                    group.addTask {
                        try await store.withOneConnection {
                            var done: [(Int, StoredResource)] = []
                            while true {
                                let index = taken.withLockedValue { next in
                                    defer { next += 1 }
                                    return next
                                }
                                guard index < items.count else { return done }
                                done.append((index, try await stored(items[index])))
                            }
                        }
                    }
                }
                while let done = try await group.next() {
                    for (index, resource) in done { slots[index] = resource }
                }
            }
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
        return slots.compactMap { $0 }
    }
}

extension FHIRError {
    /// A failure while rendering a stored row: the row comes from the database, not from the request, so a value
    /// the mapping rejects (a business rule or validation error of its own) is a fault of the server's data, a
    /// 500 whose message names what was rejected (logged with the request), never a 4xx.
    static func rendering(_ error: any Error) -> FHIRError {
        let mapped = storage(error)
        switch mapped.category {
        case .unprocessable, .invalid, .badSearch:
            return FHIRError(.server, "a stored row could not be rendered: \(mapped.message)")
        default:
            return mapped
        }
    }

    /// A store failure: a business rule when the store says so, otherwise a server fault whose
    /// details stay in the log, never in the response.
    static func storage(_ error: any Error) -> FHIRError {
        if let error = error as? FHIRError { return error }
        if let error = error as? RegistryError {
            switch error {
            case .notFound: return FHIRError(.notFound, "not found")
            case .conflict(let message): return FHIRError(.conflict, message)
            case .invalidReference(let message): return FHIRError(.unprocessable, message)
            case .versionMismatch(let expected, let actual):
                return FHIRError(.preconditionFailed, "version \(expected) is not the current version \(actual)")
            case .invalidValue(let message): return FHIRError(.unprocessable, message)
            }
        }
        if let limit = error as? QueryLimitExceeded { return FHIRError(.badSearch, limit.message) }
        if let unavailable = DatabaseUnavailable(classifying: error) {
            return FHIRError(.unavailable, "\(unavailable.reason); try again later",
                             headers: [.retryAfter: String(unavailable.retryAfter)])
        }
        if let mismatch = error as? DatabaseMismatch {
            // The message is logged with the request (a server fault); it names the table and column, never a value.
            return FHIRError(
                .server, "the request could not be completed: the database does not match the mapping (\(mismatch))")
        }
        return FHIRError(.server, "the request could not be completed")
    }
}
