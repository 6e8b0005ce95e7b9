import FHIRModels
import IMISData

/// A search parameter one resource type supports, with how it becomes a store condition.
public struct SearchParameter: Sendable {
    public let name: String
    public let type: SearchParamType
    /// For reference parameters: the types it may point to.
    public let targets: [String]
    public let documentation: String
    /// Turns one occurrence (its values are ORed) into a condition on the type's table.
    public let translate: @Sendable (SearchCriterion) async throws(FHIRError) -> RowPredicate
    /// For reference parameters: the references (`Type/id`) a resource holds in this parameter's
    /// element, so that `_include` can follow them.
    public let references: (@Sendable (Resource) -> [String])?
    public init(
        _ name: String, _ type: SearchParamType, targets: [String] = [], documentation: String = "",
        references: (@Sendable (Resource) -> [String])? = nil,
        translate: @escaping @Sendable (SearchCriterion) async throws(FHIRError) -> RowPredicate
    ) {
        self.name = name
        self.type = type
        self.targets = targets
        self.documentation = documentation
        self.references = references
        self.translate = { criterion throws(FHIRError) in
            try SearchLimits.check(criterion)
            return try await translate(criterion)
        }
    }

    /// The modifiers accepted for this parameter's type (http://hl7.org/fhir/R4/search.html#modifiers).
    public var allowedModifiers: Set<String> {
        switch type {
        case .string: return ["exact", "contains", "missing"]
        case .token: return ["not", "missing", "of-type", "text"]
        case .date, .number, .quantity: return ["missing"]
        case .reference: return Set(["missing", "identifier"]).union(targets)
        case .uri: return ["missing", "below", "above"]
        case .special, .composite: return []
        }
    }
}

/// One occurrence of a search parameter in a request: `name[:modifier]=v1,v2` (values ORed).
public struct SearchCriterion: Sendable {
    public let name: String
    public let modifier: String?
    public let values: [String]
    public let type: SearchParamType

    /// `:missing=true|false`.
    public func missing() throws(FHIRError) -> Bool {
        guard values.count == 1, let value = values.first, value == "true" || value == "false" else {
            throw FHIRError(.badSearch, "\(name):missing takes true or false")
        }
        return value == "true"
    }

    public func tokens() -> [TokenValue] { values.map { TokenValue(parsing: $0) } }

    public func dates() throws(FHIRError) -> [DateValue] {
        var result: [DateValue] = []
        for value in values { result.append(try DateValue(parsing: value)) }
        return result
    }

    public func references(defaultType: String?) throws(FHIRError) -> [ReferenceValue] {
        var result: [ReferenceValue] = []
        let type = modifier.flatMap { $0.first?.isUppercase == true ? $0 : nil } ?? defaultType
        for value in values { result.append(try ReferenceValue(parsing: value, defaultType: type)) }
        return result
    }
}

extension SearchParameter {
    /// `identifier` (token) over a table's business-code column (type `Code`, with the configured
    /// `Identifier.system` if any) and its UUID column (type `UUID`).
    static func identifier(code: any SchemaColumn, system: String?, uuid: any SchemaColumn, documentation: String) -> SearchParameter {
        let kinds = [
            Translate.IdentifierKind(typeCode: "Code", system: system, column: code),
            Translate.IdentifierKind(typeCode: "UUID", column: uuid, ignoreCase: true),
        ]
        return SearchParameter("identifier", .token, documentation: documentation) { c throws(FHIRError) in
            try Translate.identifier(c, kinds: kinds)
        }
    }

    /// A string parameter over one or more text columns.
    static func text(_ name: String, columns: [any SchemaColumn], documentation: String = "") -> SearchParameter {
        SearchParameter(name, .string, documentation: documentation) { c throws(FHIRError) in
            try Translate.string(c, columns: columns)
        }
    }
}

extension SearchQuery {
    /// The row conditions every search starts from: each criterion translated by its parameter in `parameters`
    /// (one the type does not have was refused when the query was parsed), `_id` and `_lastUpdated`.
    func predicates(_ parameters: [SearchParameter]) async throws(FHIRError) -> [RowPredicate] {
        let byName = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var predicates: [RowPredicate] = []
        for criterion in criteria {
            guard let parameter = byName[criterion.name] else { continue }
            predicates.append(try await parameter.translate(criterion))
        }
        for ids in ids { predicates.append(.or(ids.map { .uuidEquals($0) })) }
        for criterion in lastUpdated { predicates.append(try Translate.lastUpdated(criterion)) }
        return predicates
    }
}
