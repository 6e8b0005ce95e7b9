import HTTPTypes

/// A request path matched against ``RouteTable``: the row and what its pattern bound, or why none answers.
struct RouteLookup: Sendable {
    enum Outcome: Sendable {
        case found(FHIRRoutes.Match)
        /// The path is a row's, the method is not: 405 with these in `Allow`.
        case methodNotAllowed([HTTPRequest.Method])
        case notFound
    }

    var outcome: Outcome
    /// The mount whose rows the path matched, else the first the path lies under (which answers the 404).
    var mount: RouteMount
    /// The base path of that mount (`/fhir`, `/api/api_fhir_r4`, `/auth`).
    var basePath: String
    /// The format of the refusals: the matched rows', else the mount's.
    var dialect: RouteDialect
    /// The path under the base, split and percent-decoded.
    var segments: [String]
    /// The row the path matched (the method's, else the first of the path's rows); nil when none.
    var row: Route?

    /// The rate-limit budget of the request: its row's; a path no row serves spends the API budget.
    var budget: RequestBudget { row?.budget ?? .api }
}

extension RouteTable {
    /// The mounts with their base paths under `configuration`, in the order a path tries them: the FHIR bases, the
    /// auth and membership surfaces, then the site root and the server root. When `SITE_ROOT` is set, membership and
    /// its openIMIS compatibility routes share one base; what neither serves answers as the compatibility routes do.
    static func bases(_ configuration: ServerConfiguration) -> [(mount: RouteMount, path: String)] {
        let prefix = configuration.prefix
        return [
            (.fhir, configuration.fhirBasePath), (.alias, configuration.aliasBasePath), (.auth, prefix + "/auth"),
            (.compat, (configuration.siteRoot.isEmpty ? "/api" : prefix) + "/membership"),
            (.membership, prefix + "/membership"), (.site, prefix), (.root, ""),
        ]
    }

    /// The row for `method` and `path`: the first mount whose rows the path matches decides, by method (405 with the
    /// methods its rows take when none is `method`'s).
    static func lookup(method: HTTPRequest.Method, path: String, configuration: ServerConfiguration) -> RouteLookup {
        var owner: RouteLookup?
        for (mount, base) in bases(configuration) {
            guard let rest = strip(path, prefix: base) else { continue }
            let segments = rest.split(separator: "/").map { percentDecode($0) }
            let here = RouteLookup(
                outcome: .notFound, mount: mount, basePath: base, dialect: mount.dialect, segments: segments)
            if owner == nil { owner = here }
            let rows = table.compactMap { row in mount.serves(row) ? bind(row, segments) : nil }
            guard let first = rows.first else { continue }
            var lookup = here
            lookup.dialect = first.route.dialect
            lookup.row = first.route
            if let match = rows.first(where: { $0.route.accepts(method) }) {
                lookup.outcome = .found(match)
                lookup.row = match.route
            } else {
                lookup.outcome = .methodNotAllowed(rows.compactMap(\.route.method))
            }
            return lookup
        }
        return owner ?? RouteLookup(outcome: .notFound, mount: .root, basePath: "", dialect: .outcome, segments: [])
    }

    /// `rest` of `path` under `prefix` (`/fhir`, `/fhir/`, `/fhir/Patient`), or nil.
    static func strip(_ path: String, prefix: String) -> Substring? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty || rest.hasPrefix("/") { return rest }
        return nil
    }

    /// What `route`'s pattern binds in `segments`, or nil when they do not fit it.
    static func bind(_ route: Route, _ segments: [String]) -> FHIRRoutes.Match? {
        guard route.segments.count == segments.count else { return nil }
        // No FHIR type, id or version holds a NUL (`%00`); PostgreSQL could not even compare one (SQLSTATE 22021).
        let fhir = route.mount == .fhir || route.mount == .alias
        if fhir, segments.contains(where: { $0.utf8.contains(0) }) { return nil }
        var match = FHIRRoutes.Match(route: route)
        for (pattern, segment) in zip(route.segments, segments) {
            switch pattern {
            case .literal(let text): if text != segment { return nil }
            case .type:
                guard let first = segment.first, first.isUppercase, !segment.hasPrefix("_") else { return nil }
                match.type = segment
            case .id:
                if segment.hasPrefix("_") || segment.hasPrefix("$") { return nil }
                match.id = segment
            case .version: match.version = segment
            case .parameter: match.parameters.append(segment)
            }
        }
        return match
    }
}

extension RouteMount {
    /// Whether a row of `row.mount` answers under this mount: the FHIR rows answer under the alias too.
    func serves(_ row: Route) -> Bool {
        row.mount == self || (self == .alias && row.mount == .fhir)
    }

    /// The format of the refusals of a path under this mount that no row matches.
    var dialect: RouteDialect {
        switch self {
        case .fhir, .alias, .site, .root: .outcome
        case .auth, .membership: .oauth
        case .compat: .compat
        }
    }

    /// Whether a NUL in the path or the query is refused (400) before anything else: no identifier or code holds one,
    /// and PostgreSQL text cannot store one (SQLSTATE 22021). The FHIR bases refuse it by matching no row (404).
    var refusesNUL: Bool { self == .membership || self == .compat }
}

/// The FHIR rows of ``RouteTable``, as a FHIR request or a batch or transaction entry reaches them.
public enum FHIRRoutes {
    /// The FHIR interactions, in the order of the table.
    public static let table: [Route] = RouteTable.table.filter { $0.interaction != nil }

    /// A request path matched against a row.
    public struct Match: Sendable {
        public var route: Route
        public var type: String?
        public var id: String?
        public var version: String?
        /// The values of `{parameter}` segments, in order.
        public var parameters: [String] = []

        /// The FHIR interaction of the row (`capabilities` for a row that is not a FHIR interaction).
        public var interaction: Interaction { route.interaction ?? .capabilities }
    }

    /// Finds the FHIR interaction for `segments` under the FHIR base; when the path matches but not the method,
    /// throws 405 with `Allow`.
    public static func match(method: HTTPRequest.Method, segments: [String]) throws(FHIRError) -> Match {
        let rows = table.compactMap { RouteTable.bind($0, segments) }
        if let match = rows.first(where: { $0.route.accepts(method) }) { return match }
        if rows.isEmpty { throw notFound(segments) }
        throw methodNotAllowed(method, allowed: rows.compactMap(\.route.method))
    }

    static func notFound(_ segments: [String]) -> FHIRError {
        FHIRError(.notFound, "no FHIR endpoint at /\(segments.joined(separator: "/"))")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> FHIRError {
        var headers = HTTPFields()
        headers[.allow] = RouteTable.allowHeader(allowed)
        return FHIRError(.methodNotAllowed, "\(method.rawValue) is not allowed here", headers: headers)
    }
}

extension RouteTable {
    /// `GET, PUT, DELETE`: each method once, in table order.
    static func allowHeader(_ methods: [HTTPRequest.Method]) -> String {
        var seen: [HTTPRequest.Method] = []
        for method in methods where !seen.contains(method) { seen.append(method) }
        return seen.map(\.rawValue).joined(separator: ", ")
    }
}
