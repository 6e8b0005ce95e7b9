import Foundation
import HTTPTypes
import IMISData

/// Whole answers of the search every client starts with, `GET [base]/Patient?identifier=<insurance number>`
/// (http://hl7.org/fhir/R4/search.html), kept as their compact searchset JSON in the ``RenderCache`` beside the
/// renderings they are made of, so that a repeated search is answered like a cached read: no database access,
/// no Bundle assembly.
///
/// Correctness follows the cache's own rules:
/// - Only when the cache ``RenderCache/seesEveryWrite`` (the embedded SQLite store, or PostgreSQL while its change
///   notifications are heard: see ``RenderCache/isTrusted``), outside a unit of work (a transaction Bundle sees
///   its own uncommitted writes), and for providers whose matches are cached renderings (``ResourceProvider/cachesRenderings``).
/// - An answer depends on every row its search read — the searched table as a whole (a new row with that
///   identifier, an identifier changed or closed), the tables of the conditions (a restriction's families and
///   locations) — and on the rows each match's rendering read (family, head, villages, facility...). A commit
///   that changes any of them drops it before the write returns; an answer that raced with such a commit is not
///   stored (the ticket taken before the search).
/// - The key is the request as the handler sees it: base URL, every query parameter as given, `Prefer:
///   handling=strict`, and the access restriction of the caller (a district user's or an insuree's narrowed answer
///   is kept under its own key and never served to anyone else).
/// - Only plain searches are kept: `identifier` (with `:of-type`) and `_count`, `_total`, `_sort`, `_format`, no
///   `_pretty`. Anything else (paging cursors, `_elements`, `_include`, other parameters) takes the general path.
struct CachedSearch {
    /// The cache entries' type (their ids are the keys, which start with the base URL).
    static let entryType = "searchset"
    /// Query parameters an answer may be kept for.
    static let parameters: Set<String> = ["identifier", "identifier:of-type", "_count", "_total", "_sort", "_format"]
    /// Entries carry no version: a present answer is current.
    static let entryDate = Date(timeIntervalSince1970: 0)

    let cache: RenderCache
    let key: String
    let type: String

    /// nil when the answer to `request` is not kept (see the type's rules).
    init?(_ request: FHIRRequest, provider: any ResourceProvider, cache: RenderCache?) {
        guard let cache, cache.seesEveryWrite, provider.cachesRenderings, request.method == .get, !request.pretty,
            !UnitOfWork.isActive
        else { return nil }
        var searchesIdentifier = false
        for item in request.query.items {
            guard Self.parameters.contains(item.name) else { return nil }
            if item.name.utf8.first != UInt8(ascii: "_") { searchesIdentifier = true }
        }
        guard searchesIdentifier else { return nil }
        self.cache = cache
        self.type = provider.resourceType
        var key = request.base
        key += "/"
        key += type
        key += request.strict ? "?!" : "?"
        key += request.query.encoded
        if let restriction = request.restriction {
            key += "#"
            key += restriction.cacheKey
        }
        self.key = key
    }

    /// The kept answer, if any.
    func answer() -> FHIRResponse? {
        guard let hit = cache.current(type: Self.entryType, id: key) else { return nil }
        return FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: hit.json)
    }

    /// Runs the search with its reads recorded, and keeps the answer when it may be.
    func record(
        _ search: () async throws(FHIRError) -> (response: FHIRResponse, matches: [StoredResource])
    ) async throws(FHIRError) -> FHIRResponse {
        // The ticket comes before the reads: see RenderCache.
        let ticket = cache.ticket
        let recorder = ReadRecorder()
        let result: (response: FHIRResponse, matches: [StoredResource])
        do {
            result = try await ReadRecorder.$current.withValue(recorder) { try await search() }
        } catch {
            throw FHIRError.storage(error)
        }
        guard result.response.status == .ok else { return result.response }
        var dependencies = recorder.rows
        // Without the searched table among the reads, nothing would tell of a new match.
        guard dependencies.contains(where: { $0.rowID == nil }) else { return result.response }
        for match in result.matches {
            // A match rendered but not cached (too large, raced) leaves the answer uncached.
            guard let id = match.resourceID, match.json != nil,
                let rows = cache.dependencies(
                    type: type, id: id, versionId: match.versionId, lastUpdated: match.lastUpdated)
            else { return result.response }
            dependencies.formUnion(rows)
        }
        cache.insert(
            type: Self.entryType, id: key, versionId: 0, lastUpdated: Self.entryDate, json: result.response.body,
            dependencies: Array(dependencies), ticket: ticket)
        return result.response
    }
}
