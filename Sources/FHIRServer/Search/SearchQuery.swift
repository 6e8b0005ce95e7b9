import FHIRModels
import IMISData

/// A parsed search request (http://hl7.org/fhir/R4/search.html): criteria, result parameters
/// and paging, plus the parameters that were applied (for `Bundle.link[self]`).
public struct SearchQuery: Sendable {
    public var criteria: [SearchCriterion] = []
    /// `_id` values (ORed), when given.
    public var ids: [[String]] = []
    /// `_lastUpdated` conditions (ANDed).
    public var lastUpdated: [SearchCriterion] = []
    public var count: Int = SearchQuery.defaultCount
    public var order: RowOrder = .lastUpdated(descending: false)
    /// Start after this position (`_cursor`, the `next` link).
    public var cursor: RowCursor?
    /// End before this position (`_before`, the `previous` link).
    public var beforeCursor: RowCursor?
    /// `page-offset` of the openIMIS alias (1-based page number).
    public var pageOffset: Int?
    public var total: TotalMode = .accurate
    /// Whether the request named `_total` (without it a name search counts only up to a bound, see
    /// `RowQuery.totalLimit`).
    public var totalAsked = false
    public var summaryCount = false
    public var elements: [String]?
    public var includes: [IncludeSpec] = []
    public var revIncludes: [IncludeSpec] = []
    /// What was applied, in request order, without paging position.
    public var applied: QueryParameters = QueryParameters()
    /// Row security: only rows within these districts (set by access control, never from the request).
    var districts: Set<Int64>?

    public static let defaultCount = 20
    public static let maxCount = 1000
    /// The deepest `page-offset`: paging by page number reads every row before the page, so the page number times
    /// `_count` stays a bounded row count (and within `Int`).
    public static let maxPageOffset = 100_000

    public enum TotalMode: String, Sendable { case none, estimate, accurate }

    /// `_include=Type:param[:Target]` / `_revinclude=Type:param[:Target]`.
    public struct IncludeSpec: Sendable, Hashable {
        public var sourceType: String
        public var parameter: String
        public var targetType: String?
        /// `:iterate`: applies to included resources too.
        public var iterate = false
    }

    /// Parameters that control the request rather than the search.
    static let controlParameters: Set<String> = ["_format", "_pretty"]

    /// Parses the query of a search on `provider`'s type. Unknown parameters are ignored, or
    /// rejected with `strict` (`Prefer: handling=strict`); unknown modifiers are always rejected.
    public static func parse(
        _ params: QueryParameters, for provider: any ResourceProvider, strict: Bool
    ) throws(FHIRError) -> SearchQuery {
        var query = SearchQuery()
        let byName = Dictionary(provider.searchParameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var applied: [(String, String)] = []
        for (rawName, value) in params.items {
            if controlParameters.contains(rawName) { continue }
            guard !rawName.utf8.contains(0), !value.utf8.contains(0) else {
                throw FHIRError(.badSearch, "search parameters and values cannot contain a NUL character (%00)")
            }
            let (name, modifier) = try splitName(rawName)
            switch name {
            case "_count":
                guard modifier == nil, let n = Int(value), n >= 0 else {
                    throw FHIRError(.badSearch, "_count must be a non-negative integer")
                }
                query.count = min(n, maxCount)
                applied.append((rawName, String(query.count)))
                continue
            case "_cursor":
                query.cursor = try pagingCursor(value)
                continue
            case "_before":
                query.beforeCursor = try pagingCursor(value)
                continue
            case "page-offset":
                guard let n = Int(value), n >= 1, n <= maxPageOffset else {
                    throw FHIRError(.badSearch, "page-offset must be a whole number from 1 to \(maxPageOffset)")
                }
                query.pageOffset = n
                continue
            case "_sort":
                query.order = try parseSort(value)
            case "_total":
                guard let mode = TotalMode(rawValue: value) else {
                    throw FHIRError(.badSearch, "_total must be none, estimate or accurate")
                }
                query.total = mode
                query.totalAsked = true
            case "_summary":
                if value == "count" {
                    query.summaryCount = true
                } else if value != "false" {
                    throw FHIRError(.badSearch, "_summary=\(value) is not supported (count and false are)")
                }
            case "_elements":
                query.elements = value.split(separator: ",").map { String($0).trimmed }
            case "_include", "_revinclude":
                if let modifier, modifier != "iterate" {
                    throw FHIRError(.badSearch, "unknown modifier :\(modifier) on \(name) (:iterate is supported)")
                }
                var spec = try parseInclude(value, name: name)
                spec.iterate = modifier == "iterate"
                if name == "_include" { query.includes.append(spec) } else { query.revIncludes.append(spec) }
            case "_id":
                if let modifier, modifier != "not" && modifier != "missing" {
                    throw FHIRError(.badSearch, "unknown modifier :\(modifier) on _id")
                }
                query.ids.append(value.split(separator: ",").map(String.init))
            case "_since" where modifier == nil && provider.interactions.contains(.historyInstance):
                // Changed strictly after the instant: `_lastUpdated=gt<instant>` (the Bulk Data meaning).
                if let first = value.first, !first.isNumber {
                    throw FHIRError(.badSearch, "_since takes an instant without prefix, got '\(value)'")
                }
                let criterion = SearchCriterion(name: "_lastUpdated", modifier: nil, values: ["gt" + value], type: .date)
                _ = try criterion.dates()
                query.lastUpdated.append(criterion)
            case "_lastUpdated":
                if let modifier, modifier != "missing" { throw FHIRError(.badSearch, "unknown modifier :\(modifier) on _lastUpdated") }
                let criterion = SearchCriterion(name: name, modifier: modifier, values: splitValues(value), type: .date)
                _ = try criterion.dates()
                query.lastUpdated.append(criterion)
            default:
                guard let parameter = byName[name] else {
                    if strict {
                        throw FHIRError(.badSearch, "unknown search parameter '\(name)' for \(provider.resourceType)")
                    }
                    continue
                }
                if let modifier, !parameter.allowedModifiers.contains(modifier) {
                    throw FHIRError(.badSearch, "unknown or unsupported modifier ':\(modifier)' on '\(name)'")
                }
                if value.isEmpty { throw FHIRError(.badSearch, "empty value for '\(name)'") }
                query.criteria.append(
                    SearchCriterion(name: name, modifier: modifier, values: splitValues(value), type: parameter.type))
            }
            applied.append((rawName, value))
        }
        query.applied = QueryParameters(applied)
        return query
    }

    /// A `_cursor` / `_before` token as the server writes them; 400 for anything else, a key with a NUL included
    /// (the server never writes one, and PostgreSQL cannot compare one).
    static func pagingCursor(_ token: String) throws(FHIRError) -> RowCursor {
        guard let cursor = RowCursor(token: token), !cursor.key.utf8.contains(0) else {
            throw FHIRError(.badSearch, "invalid paging cursor")
        }
        return cursor
    }

    /// `name[:modifier]` → its name and modifier; the modifier is everything after the first colon, so `a:` has
    /// the empty modifier and `:x` no name (400, as a name of colons only is).
    static func splitName(_ rawName: String) throws(FHIRError) -> (name: String, modifier: String?) {
        guard let colon = rawName.firstIndex(of: ":") else { return (rawName, nil) }
        let name = String(rawName[..<colon])
        guard !name.isEmpty else { throw FHIRError(.badSearch, "a search parameter needs a name before its modifier") }
        return (name, String(rawName[rawName.index(after: colon)...]))
    }

    /// ANDs an access restriction to the query, without it showing in the links (`applied` is left as it is): a
    /// district restriction as the districts the provider narrows its rows to, a family compartment as the
    /// parameters it stands for.
    mutating func narrow(by restriction: AccessRestriction, for provider: any ResourceProvider) throws(FHIRError) {
        switch restriction {
        case .districts(let allowed):
            districts = districts.map { $0.intersection(allowed) } ?? allowed
        case .compartment(let parameters):
            let narrowing = try SearchQuery.parse(parameters, for: provider, strict: true)
            criteria += narrowing.criteria
            ids += narrowing.ids
        }
    }

    static func parseSort(_ value: String) throws(FHIRError) -> RowOrder {
        switch value {
        case "_lastUpdated": return .lastUpdated(descending: false)
        case "-_lastUpdated": return .lastUpdated(descending: true)
        case "_id": return .uuid(descending: false)
        case "-_id": return .uuid(descending: true)
        default: throw FHIRError(.badSearch, "_sort=\(value) is not supported (_lastUpdated, -_lastUpdated, _id, -_id are)")
        }
    }

    static func parseInclude(_ value: String, name: String) throws(FHIRError) -> IncludeSpec {
        let parts = value.split(separator: ":").map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw FHIRError(.badSearch, "\(name) takes Type:parameter[:Target]")
        }
        return IncludeSpec(sourceType: parts[0], parameter: parts[1], targetType: parts.count == 3 ? parts[2] : nil)
    }

    /// Splits `a,b\,c` on unescaped commas.
    static func splitValues(_ value: String) -> [String] {
        var result: [String] = []
        var current = ""
        var escaped = false
        for ch in value {
            if escaped {
                if ch != "," { current.append("\\") }
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "," {
                result.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        if escaped { current.append("\\") }
        result.append(current)
        return result
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
