import FHIRModels
import IMISData
import Membership

/// The one read decision for resources that leave the server by any path other than the request's own matches
/// (security.md: "every resource that leaves the server passes the same access decision as a direct read by that
/// caller"): `_include`, `_revinclude` and their `:iterate` forms, whatever the request came through (GET or POST
/// `_search`, the openIMIS alias, a batch or transaction entry).
///
/// A resource passes when a direct read of it by the same principal would answer 200: the type's rights and scopes
/// allow reading it, and under a restriction (an insuree's family, a user's districts) it lies inside. Resources
/// that do not pass are left out of the answer silently, as a search leaves out what it does not match.
enum ReadAccess {
    /// How many ids one restricted membership check asks at once.
    static let chunk = 100

    /// What the principal may read of `type`: everything, nothing, or what a restriction keeps.
    enum Scope {
        case all
        case none
        case within(AccessRestriction)
    }
}

extension FHIRService {
    /// The read scope of `principal` on `type`, computed as ``authorize(_:)`` computes it for a direct read.
    func readScope(_ principal: Principal?, type: String) async -> ReadAccess.Scope {
        guard let principal, let provider = providers[type] else { return .none }
        switch AccessPolicy.decide(principal, type, .read) {
        case .allow:
            return .all
        case .forbidden:
            return .none
        case .allowWithinDistricts(let districts):
            guard AccessRestriction.districtTypes.contains(type), provider.districtScope != nil else { return .none }
            return .within(AccessRestriction.districts(districts))
        case .allowWithinFamily(let familyID):
            do {
                guard let compartment = try await compartments?(familyID) else { return .none }
                return .within(try await restriction(type: type, compartment: compartment))
            } catch {
                return .none
            }
        }
    }

    /// The resources of `candidates` (all of `type`) the principal may read, in their order. A restricted type
    /// keeps the candidates that a search narrowed by the restriction finds among them.
    func readable(_ candidates: [StoredResource], type: String, principal: Principal?) async throws(FHIRError)
        -> [StoredResource]
    {
        guard !candidates.isEmpty else { return [] }
        switch await readScope(principal, type: type) {
        case .all:
            return candidates
        case .none:
            return []
        case .within(let restriction):
            guard let provider = providers[type] else { return [] }
            let keep = try await idsInside(candidates.compactMap(\.resourceID), provider: provider, restriction: restriction)
            return candidates.filter { $0.resourceID.map { keep.contains($0.lowercased()) } ?? false }
        }
    }

    /// Which of `ids` (resource ids, any case) lie inside `restriction`, lower-cased: one narrowed search per
    /// ``ReadAccess/chunk`` ids.
    func idsInside(_ ids: [String], provider: any ResourceProvider, restriction: AccessRestriction) async throws(FHIRError)
        -> Set<String>
    {
        var inside: Set<String> = []
        var start = 0
        while start < ids.count {
            let slice = Array(ids[start..<min(start + ReadAccess.chunk, ids.count)])
            start += slice.count
            var query = SearchQuery()
            try query.narrow(by: restriction, for: provider)
            query.ids.append(slice)
            query.count = slice.count
            query.total = .none
            for found in try await provider.search(query).resources {
                if let id = found.resourceID { inside.insert(id.lowercased()) }
            }
        }
        return inside
    }
}
