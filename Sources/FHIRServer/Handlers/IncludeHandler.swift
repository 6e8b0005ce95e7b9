import FHIRModels
import Membership

extension FHIRService {
    /// How many rounds `:iterate` includes run at most (http://hl7.org/fhir/R4/search.html#revinclude: servers may
    /// bound the iteration).
    static let includeRounds = 4

    /// `_include` and `_revinclude` (http://hl7.org/fhir/R4/search.html#include): the resources the matches point to
    /// through a reference parameter, and the resources that point to the matches, each once, with
    /// `search.mode = include`; the `:iterate` forms apply again to what was included, up to ``includeRounds``.
    ///
    /// Every included resource passes the caller's read decision (``readable(_:type:principal:)``): what the caller
    /// could not read directly never enters the answer, whichever path would have put it there.
    func included(_ query: SearchQuery, matches: SearchMatches, type: String, base: String, principal: Principal?)
        async throws(FHIRError) -> [FHIRBundleEntry]
    {
        guard !query.includes.isEmpty || !query.revIncludes.isEmpty, !matches.resources.isEmpty else { return [] }
        for spec in query.includes where !spec.iterate && spec.sourceType != type {
            throw FHIRError(.badSearch, "_include=\(spec.sourceType):\(spec.parameter) does not start from \(type)")
        }
        var seen = Set(matches.resources.compactMap { $0.resourceID.map { "\(type)/\($0)" } })
        var found: [(type: String, stored: StoredResource)] = []
        var sources: [(type: String, stored: StoredResource)] = matches.resources.map { (type, $0) }
        var round = 0
        while !sources.isEmpty && round < Self.includeRounds {
            let first = round == 0
            var fresh: [(type: String, stored: StoredResource)] = []
            for spec in query.includes where first || spec.iterate {
                let from = sources.filter { $0.type == spec.sourceType }.map(\.stored)
                fresh += try await forward(spec, from: from, seen: &seen)
            }
            for spec in query.revIncludes where first || spec.iterate {
                for (targetType, group) in Dictionary(grouping: sources, by: \.type) {
                    fresh += try await reverse(spec, to: group.map(\.stored), targetType: targetType, principal: principal,
                                               seen: &seen, required: first && targetType == type)
                }
            }
            var passed: [(type: String, stored: StoredResource)] = []
            for (freshType, group) in Dictionary(grouping: fresh, by: \.type) {
                for stored in try await readable(group.map(\.stored), type: freshType, principal: principal) {
                    passed.append((freshType, stored))
                }
            }
            // Keep the order in which they were found.
            let keys = Set(passed.compactMap { item in item.stored.resourceID.map { "\(item.type)/\($0)" } })
            sources = fresh.filter { item in item.stored.resourceID.map { keys.contains("\(item.type)/\($0)") } ?? false }
            found += sources
            round += 1
        }
        return found.map { item in
            FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(base)/\(item.type)/\(item.stored.resourceID ?? "")")),
                resource: item.stored.resource, search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.include)))
        }
    }

    /// The resources `from` (all of `spec.sourceType`) point to through `spec.parameter`.
    private func forward(_ spec: SearchQuery.IncludeSpec, from: [StoredResource], seen: inout Set<String>)
        async throws(FHIRError) -> [(type: String, stored: StoredResource)]
    {
        guard let source = providers[spec.sourceType],
            let parameter = source.searchParameters.first(where: { $0.name == spec.parameter && $0.type == .reference }),
            let extract = parameter.references
        else {
            throw FHIRError(.badSearch, "_include=\(spec.sourceType):\(spec.parameter) is not supported")
        }
        var fresh: [(type: String, stored: StoredResource)] = []
        for match in from {
            for reference in extract(match.resource) {
                let parts = reference.split(separator: "/").map(String.init)
                guard parts.count == 2, spec.targetType == nil || spec.targetType == parts[0],
                    !seen.contains(reference), let target = providers[parts[0]]
                else { continue }
                seen.insert(reference)
                guard let stored = try? await target.read(id: parts[1]), let id = stored.resourceID else { continue }
                // A reference by business code reads the same resource as its UUID.
                if seen.insert("\(parts[0])/\(id)").inserted || id == parts[1] { fresh.append((parts[0], stored)) }
            }
        }
        return fresh
    }

    /// The resources of `spec.sourceType` that point to `targets` (all of `targetType`) through `spec.parameter`,
    /// narrowed at the source to what the principal may read of that type.
    private func reverse(
        _ spec: SearchQuery.IncludeSpec, to targets: [StoredResource], targetType: String, principal: Principal?,
        seen: inout Set<String>, required: Bool
    ) async throws(FHIRError) -> [(type: String, stored: StoredResource)] {
        guard let source = providers[spec.sourceType],
            let parameter = source.searchParameters.first(where: { $0.name == spec.parameter && $0.type == .reference })
        else {
            throw FHIRError(.badSearch, "_revinclude=\(spec.sourceType):\(spec.parameter) is not supported")
        }
        guard parameter.targets.contains(targetType), spec.targetType == nil || spec.targetType == targetType else {
            if required {
                throw FHIRError(.badSearch, "_revinclude=\(spec.sourceType):\(spec.parameter) cannot point to \(targetType)")
            }
            return []
        }
        var revQuery = SearchQuery()
        switch await readScope(principal, type: spec.sourceType) {
        case .none: return []
        case .all: break
        case .within(let restriction):
            try revQuery.narrow(by: restriction, for: source)
        }
        revQuery.count = SearchQuery.maxCount
        revQuery.total = .none
        revQuery.criteria.append(
            SearchCriterion(name: parameter.name, modifier: nil,
                            values: targets.compactMap { $0.resourceID.map { "\(targetType)/\($0)" } }, type: .reference))
        var fresh: [(type: String, stored: StoredResource)] = []
        for stored in try await source.search(revQuery).resources {
            guard let id = stored.resourceID else { continue }
            if seen.insert("\(spec.sourceType)/\(id)").inserted { fresh.append((spec.sourceType, stored)) }
        }
        return fresh
    }
}
