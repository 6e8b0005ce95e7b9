import FHIRModels
import Foundation
import IMISData

/// Organization of type `bus` ← `tblPolicyHolder` (reference §3.9), a history-model table: key `UUID`,
/// `Version` is `meta.versionId`, `DateUpdated` is `meta.lastUpdated`, deletion sets `isDeleted`.
///
/// The table keeps no earlier versions, so history shows the current version (or the deletion) only.
/// Reads accept the UUID or the policy holder code; a deleted policy holder answers 410.
struct PolicyHolderProvider: ResourceProvider {
    let resourceType = "Organization"
    let interactions: Set<Interaction> = [.read, .vread, .historyInstance, .searchType]
    let searchParameters: [SearchParameter]
    let documentation = "Policy holders (tblPolicyHolder), type bus. Reads accept the UUID or the policy holder code."
    let store: any IMISStore
    let mapping: MappingContext

    init(store: any IMISStore, mapping: MappingContext) {
        self.store = store
        self.mapping = mapping
        let kinds = [
            Translate.IdentifierKind(
                typeCode: "Code", system: mapping.identifierSystems[.policyHolderCode], column: PolicyHolder.Column.policyHolderCode),
            Translate.IdentifierKind(typeCode: "UUID", column: PolicyHolder.Column.uuid, ignoreCase: true),
        ]
        searchParameters = [
            SearchParameter("identifier", .token, documentation: "Policy holder code or UUID.") { c throws(FHIRError) in
                try Translate.identifier(c, kinds: kinds)
            },
            SearchParameter("name", .string, documentation: "Trade name.") { c throws(FHIRError) in
                try Translate.string(c, columns: [PolicyHolder.Column.tradeName])
            },
        ]
    }

    /// The row for `id` (UUID, deleted or not; or the code of a live row).
    func row(_ id: String) async throws(FHIRError) -> Versioned<PolicyHolder> {
        let found: Versioned<PolicyHolder>?
        do {
            found = RowUUID.normalized(id) != nil
                ? try await store.policyHolder(uuid: id, includeDeleted: true) : try await store.policyHolder(code: id)
        } catch {
            throw FHIRError.storage(error)
        }
        guard let found else { throw FHIRError(.notFound, "\(resourceType)/\(id) is not known") }
        return found
    }

    func stored(_ row: Versioned<PolicyHolder>) async throws(FHIRError) -> StoredResource {
        let chain: LocationChain
        do {
            chain = try await row.record.locationID.mapAsync { LocationChain(ancestors: try await store.locationAncestors(id: $0)) } ?? .empty
        } catch {
            throw FHIRError.storage(error)
        }
        let organization = OrganizationMapping.policyHolder(row, locations: chain, context: mapping)
        return StoredResource(
            resource: .organization(organization), versionId: row.versionId, lastUpdated: row.record.dateUpdated,
            deleted: row.record.isDeleted)
    }

    func read(id: String) async throws(FHIRError) -> StoredResource {
        let found = try await row(id)
        if found.record.isDeleted { throw FHIRError(.gone, "\(resourceType)/\(id) was deleted") }
        return try await stored(found)
    }

    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let found = try await row(id)
        guard found.versionId == version else { throw FHIRError(.notFound, "\(resourceType)/\(id) has no version \(version)") }
        if found.record.isDeleted { throw FHIRError(.gone, "\(resourceType)/\(id) version \(version) is a deletion") }
        return try await stored(found)
    }

    func history(id: String) async throws(FHIRError) -> [StoredResource] { [try await stored(try await row(id))] }

    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        try await HistoryTableSearch.search(
            PolicyHolder.self, query, parameters: searchParameters, store: store, render: { row async throws(FHIRError) in try await stored(row) })
    }
}
