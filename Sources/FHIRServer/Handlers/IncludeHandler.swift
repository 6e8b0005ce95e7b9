import FHIRModels

extension FHIRService {
    /// `_include` and `_revinclude` (http://hl7.org/fhir/R4/search.html#include): the resources the
    /// matches point to through a reference parameter, and the resources that point to the
    /// matches, each once, with `search.mode = include`.
    func included(_ query: SearchQuery, matches: SearchMatches, type: String, base: String) async throws(FHIRError)
        -> [FHIRBundleEntry]
    {
        guard !query.includes.isEmpty || !query.revIncludes.isEmpty, !matches.resources.isEmpty else { return [] }
        var seen = Set(matches.resources.map { "\(type)/\($0.resource.id ?? "")" })
        var found: [StoredResource] = []
        for spec in query.includes {
            guard spec.sourceType == type, let source = providers[type],
                let parameter = source.searchParameters.first(where: { $0.name == spec.parameter && $0.type == .reference }),
                let extract = parameter.references
            else {
                throw FHIRError(.badSearch, "_include=\(spec.sourceType):\(spec.parameter) is not supported")
            }
            for match in matches.resources {
                for reference in extract(match.resource) {
                    let parts = reference.split(separator: "/").map(String.init)
                    guard parts.count == 2, spec.targetType == nil || spec.targetType == parts[0],
                        !seen.contains(reference), let target = providers[parts[0]]
                    else { continue }
                    seen.insert(reference)
                    if let stored = try? await target.read(id: parts[1]) { found.append(stored) }
                }
            }
        }
        for spec in query.revIncludes {
            guard let source = providers[spec.sourceType],
                let parameter = source.searchParameters.first(where: { $0.name == spec.parameter && $0.type == .reference }),
                parameter.targets.contains(type)
            else {
                throw FHIRError(.badSearch, "_revinclude=\(spec.sourceType):\(spec.parameter) is not supported")
            }
            var revQuery = SearchQuery()
            revQuery.count = SearchQuery.maxCount
            revQuery.total = .none
            revQuery.criteria = [
                SearchCriterion(
                    name: parameter.name, modifier: nil,
                    values: matches.resources.map { "\(type)/\($0.resource.id ?? "")" }, type: .reference)
            ]
            for stored in try await source.search(revQuery).resources {
                let key = "\(spec.sourceType)/\(stored.resource.id ?? "")"
                if seen.insert(key).inserted { found.append(stored) }
            }
        }
        return found.map { stored in
            FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(base)/\(stored.resource.resourceType)/\(stored.resource.id ?? "")")),
                resource: stored.resource, search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.include)))
        }
    }
}
