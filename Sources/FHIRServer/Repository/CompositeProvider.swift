import FHIRModels
import Foundation
import IMISData

/// One kind of resource behind a ``CompositeProvider``: a provider over one source (a table, the
/// configuration), the codes its resources carry for the kind-selecting parameter, and the names under
/// which it knows parameters of the composite.
public struct CompositeKind: Sendable {
    /// A `system|code` its resources carry for the kind-selecting parameter.
    public struct Code: Sendable, Hashable {
        public var system: String
        public var code: String

        public init(_ system: String, _ code: String) {
            self.system = system
            self.code = code
        }
    }

    public var provider: any ResourceProvider
    public var codes: [Code]
    /// Composite parameter name → the provider's name for it (e.g. Location `physicalType` → `type`).
    public var aliases: [String: String]

    public init(_ provider: any ResourceProvider, codes: [Code] = [], aliases: [String: String] = [:]) {
        self.provider = provider
        self.codes = codes
        self.aliases = aliases
    }
}

/// Several kinds of resource served as one FHIR type (Organization = health facilities, policy holders
/// and the insurer, reference §3.9; Location = administrative locations and facility sites, §3.10;
/// Practitioner(Role) = claim administrators and enrolment officers, §3.11).
///
/// - read tries the kinds in order (each reads by UUID, or by business code for a non-UUID id);
///   vread and history go to the kind that owns the id.
/// - search (http://hl7.org/fhir/R4/search.html) runs the kinds the selector parameter admits, in the
///   fixed kind order, each sorted by `_sort`; a kind lacking a parameter of the query takes no part,
///   unless the criterion holds for an absent element (`:missing=true`, `:not`). Paging is keyset within
///   a kind: the cursor is a ``RowCursor`` whose `id` is the kind's index and whose `key` is the kind's
///   own cursor (empty: the kind's start). `_total` and `_summary=count` sum the kinds.
public struct CompositeProvider: ResourceProvider {
    public let resourceType: String
    public let interactions: Set<Interaction>
    public let searchParameters: [SearchParameter]
    public let documentation: String
    let kinds: [CompositeKind]
    /// The kind-selecting token parameter (Organization `type`, Location `physicalType`, PractitionerRole `role`).
    let selector: String?

    /// - Parameters:
    ///   - selector: the kind-selecting token parameter, declared with `selectorDocumentation`.
    ///   - parameterDocumentation: replaces the kinds' documentation of a parameter, by name.
    public init(
        resourceType: String, kinds: [CompositeKind], selector: String? = nil, selectorDocumentation: String = "",
        documentation: String, parameterDocumentation: [String: String] = [:]
    ) {
        self.resourceType = resourceType
        self.kinds = kinds
        self.selector = selector
        self.documentation = documentation
        self.interactions = kinds.dropFirst().reduce(kinds.first?.provider.interactions ?? []) {
            $0.intersection($1.provider.interactions)
        }
        var declared: [SearchParameter] = []
        if let selector {
            declared.append(SearchParameter(selector, .token, documentation: selectorDocumentation) { _ in .constant(true) })
        }
        for kind in kinds {
            for parameter in kind.provider.searchParameters where !declared.contains(where: { $0.name == parameter.name }) {
                declared.append(parameter)
            }
        }
        self.searchParameters = declared.map { p in
            guard let text = parameterDocumentation[p.name] else { return p }
            return SearchParameter(
                p.name, p.type, targets: p.targets, documentation: text, references: p.references, translate: p.translate)
        }
    }

    // MARK: Instance interactions

    /// The first kind's answer that is not `.notFound`.
    func owner<T>(_ id: String, _ body: (any ResourceProvider) async throws(FHIRError) -> T) async throws(FHIRError) -> T {
        for kind in kinds {
            do throws(FHIRError) {
                return try await body(kind.provider)
            } catch {
                if error.category != .notFound { throw error }
            }
        }
        throw FHIRError(.notFound, "\(resourceType)/\(id) is not known")
    }

    public func read(id: String) async throws(FHIRError) -> StoredResource {
        try await owner(id) { provider throws(FHIRError) in try await provider.read(id: id) }
    }

    public func history(id: String) async throws(FHIRError) -> [StoredResource] {
        try await owner(id) { provider throws(FHIRError) in try await provider.history(id: id) }
    }

    public func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let versions = try await history(id: id)
        guard let match = versions.first(where: { $0.versionId == version }) else {
            throw FHIRError(.notFound, "\(resourceType)/\(id) has no version \(version)")
        }
        if match.deleted { throw FHIRError(.gone, "\(resourceType)/\(id) version \(version) is a deletion") }
        return match
    }

    // MARK: Search

    public func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        var start = 0
        var startCursor: RowCursor?
        if let cursor = query.cursor {
            guard cursor.id >= 0, cursor.id < kinds.count else { throw FHIRError(.badSearch, "invalid paging cursor") }
            start = Int(cursor.id)
            if !cursor.key.isEmpty {
                startCursor = try SearchQuery.pagingCursor(cursor.key)
            }
        }
        let plans = try kindQueries(query)
        let wantTotal = query.summaryCount || query.total != .none
        let skip = (query.pageOffset ?? 1) > 1 && query.cursor == nil ? query.count * ((query.pageOffset ?? 1) - 1) : 0
        let need = query.summaryCount ? 0 : query.count + skip
        var resources: [StoredResource] = []
        var total = 0
        var next: String?
        for (index, base) in plans {
            let visit = index >= start && resources.count < need
            if !visit {
                // Before the cursor, or after a full page: counted for the total, or to know there is a next page.
                let peek = need > 0 && index > start && next == nil
                guard wantTotal || peek else { continue }
                var sub = base
                sub.summaryCount = true
                sub.total = .accurate
                let count = try await kinds[index].provider.search(sub).total ?? 0
                total += count
                if peek && count > 0 { next = RowCursor(key: "", id: Int64(index)).token }
                continue
            }
            var sub = base
            sub.cursor = index == start ? startCursor : nil
            sub.count = need - resources.count
            sub.total = wantTotal ? .accurate : .none
            let matches = try await kinds[index].provider.search(sub)
            resources += matches.resources
            total += matches.total ?? 0
            if let inner = matches.nextCursor { next = RowCursor(key: inner, id: Int64(index)).token }
        }
        return SearchMatches(
            resources: Array(resources.dropFirst(skip)), total: wantTotal ? total : nil,
            nextCursor: query.count == 0 ? nil : next)
    }

    /// The kinds that can match `query`, in order, each with the query in its own parameter names.
    func kindQueries(_ query: SearchQuery) throws(FHIRError) -> [(Int, SearchQuery)] {
        var result: [(Int, SearchQuery)] = []
        kinds: for (index, kind) in kinds.enumerated() {
            let own = Set(kind.provider.searchParameters.map(\.name))
            var criteria: [SearchCriterion] = []
            for criterion in query.criteria {
                let name = kind.aliases[criterion.name] ?? criterion.name
                if criterion.name == selector, !(try admits(kind, criterion)) { continue kinds }
                if own.contains(name) {
                    criteria.append(SearchCriterion(
                        name: name, modifier: criterion.modifier, values: criterion.values, type: criterion.type))
                } else if criterion.name != selector && !Self.holdsWhenAbsent(criterion) {
                    continue kinds
                }
            }
            var sub = query
            sub.criteria = criteria
            sub.cursor = nil
            sub.pageOffset = nil
            result.append((index, sub))
        }
        return result
    }

    /// Whether some resource of `kind` can match one occurrence of the selector parameter.
    func admits(_ kind: CompositeKind, _ criterion: SearchCriterion) throws(FHIRError) -> Bool {
        switch criterion.modifier {
        case "missing": return !(try criterion.missing())
        case nil, "not": break
        default: throw FHIRError(.badSearch, "\(criterion.name) takes no :\(criterion.modifier ?? "") modifier")
        }
        let named = criterion.tokens().filter { token in
            kind.codes.contains { code in
                (token.system == nil || token.system == code.system) && (token.code == nil || token.code == code.code)
            }
        }
        if criterion.modifier == "not" {
            // Excluded only when every code of the kind is excluded.
            return !kind.codes.allSatisfy { code in
                named.contains { ($0.system == nil || $0.system == code.system) && ($0.code == nil || $0.code == code.code) }
            }
        }
        return !named.isEmpty
    }

    /// A criterion that every resource without the element meets: `:missing=true`, or `:not`.
    static func holdsWhenAbsent(_ criterion: SearchCriterion) -> Bool {
        switch criterion.modifier {
        case "missing": return criterion.values == ["true"]
        case "not": return true
        default: return false
        }
    }
}
